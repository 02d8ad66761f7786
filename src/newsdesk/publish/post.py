"""Render an Article as a Hugo Markdown post with Mainroad-theme front matter."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from newsdesk.config import FrontMatterDefaults
from newsdesk.models import Article
from newsdesk.publish.frontmatter import FrontValue, render_front_matter
from newsdesk.publish.markdown import render_body, source_link

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def front_matter_fields(
    article: Article, options: FrontMatterDefaults, timezone: str
) -> list[tuple[str, FrontValue]]:
    """The front matter keys and values, in the reference post's order."""
    thumbnail = article.image if options.thumbnail == "auto" else options.thumbnail
    languages = [article.language] if article.language else []
    return [
        ("title", article.title),
        ("date", article.published.astimezone(ZoneInfo(timezone)).strftime(DATE_FORMAT)),
        ("summary", article.summary),
        ("categories", list(article.categories)),
        ("lang", languages),
        ("translations", list(article.translations) or languages),
        ("tags", list(article.tags)),
        ("menu", options.menu),
        ("thumbnail", thumbnail),
        ("lead", options.lead),
        ("comments", options.comments),
        ("authorbox", options.authorbox),
        ("pager", options.pager),
        ("toc", options.toc),
        ("mathjax", options.mathjax),
        ("sidebar", options.sidebar),
        ("widgets", list(options.widgets)),
    ]


def render_post(
    article: Article, options: FrontMatterDefaults, *, timezone: str, body_style: str
) -> str:
    """The complete post file: front matter, a blank line, the body, a blank line, and the
    ``[source](url)`` line."""
    front = render_front_matter(front_matter_fields(article, options, timezone))
    body = render_body(article.blocks, body_style)
    return f"{front}\n{body}\n\n{source_link(article.source, article.url)}\n"
