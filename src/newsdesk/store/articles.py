"""Articles as the state store keeps them for later work (a translation to catch up): JSON
text, read back into ``Article``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from newsdesk.models import Article, Block


def article_to_json(article: Article) -> str:
    """``article`` as JSON text."""
    return json.dumps(
        {
            "id": article.id,
            "url": article.url,
            "source": article.source,
            "title": article.title,
            "blocks": [[block.kind, block.text] for block in article.blocks],
            "published": article.published.isoformat(),
            "authors": list(article.authors),
            "image": article.image,
            "description": article.description,
            "language": article.language,
            "summary": article.summary,
            "categories": list(article.categories),
            "tags": list(article.tags),
            "translations": list(article.translations),
        },
        ensure_ascii=False,
    )


def article_from_json(text: str) -> Article:
    """The article stored as ``text``; ValueError, TypeError or KeyError when it cannot be."""
    data: dict[str, Any] = json.loads(text)
    published = datetime.fromisoformat(data["published"])
    if published.tzinfo is None:
        raise ValueError("a stored article's date has no time zone")
    return Article(
        id=str(data["id"]),
        url=str(data["url"]),
        source=str(data["source"]),
        title=str(data["title"]),
        blocks=tuple(Block(kind, str(text)) for kind, text in data["blocks"]),
        published=published,
        authors=tuple(map(str, data.get("authors", ()))),
        image=str(data.get("image", "")),
        description=str(data.get("description", "")),
        language=str(data.get("language", "")),
        summary=str(data.get("summary", "")),
        categories=tuple(map(str, data.get("categories", ()))),
        tags=tuple(map(str, data.get("tags", ()))),
        translations=tuple(map(str, data.get("translations", ()))),
    )
