"""Stage 4, enrich: summary, categories, tags and language for an Article."""

from __future__ import annotations

from dataclasses import replace

from newsdesk.config import Config, SourceConfig
from newsdesk.enrich.summary import summarize
from newsdesk.enrich.taxonomy import normalize_terms
from newsdesk.models import Article

__all__ = ["enrich", "normalize_terms", "summarize"]


def enrich(article: Article, source: SourceConfig, cfg: Config) -> Article:
    """Fill in summary, categories, tags and language from the config and the text."""
    language = source.lang or article.language or cfg.site.language
    return replace(
        article,
        summary=summarize(article.blocks, cfg.posts.summary_words),
        categories=normalize_terms(source.categories or (source.name,)),
        tags=normalize_terms(source.tags or (source.name,)),
        language=language.lower(),
    )
