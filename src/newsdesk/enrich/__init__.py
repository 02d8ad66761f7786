"""Stage 4, enrich: summary, language, categories and tags; then the publishing filters."""

from __future__ import annotations

from dataclasses import replace

from newsdesk.config import Config, SourceConfig
from newsdesk.enrich.filters import check
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.summary import summarize
from newsdesk.enrich.tags import keyword_tags, normalize_terms, tickers
from newsdesk.models import Article

__all__ = ["apply_filters", "enrich", "normalize_terms", "summarize"]


def enrich(article: Article, source: SourceConfig, cfg: Config) -> Article:
    """Fill in summary, language, categories and tags from the config and the text."""
    text = article.text
    language = source.lang or article.language or detect_language(text) or cfg.site.language
    tags = list(source.tags or (source.name,))
    if cfg.tags.tickers:
        tags += tickers(f"{article.title}\n{text}")
    tags += keyword_tags(f"{article.title}\n{text}", cfg.tags.keywords)
    tags += source.extra_tags
    tags += article.tags  # the source's keywords for the item (a news sitemap's), last
    return replace(
        article,
        summary=summarize(article.blocks, cfg.posts.summary_words),
        categories=normalize_terms(source.categories or (source.name,)),
        tags=normalize_terms(tags, cfg.tags.max),
        language=language.lower(),
    )


def apply_filters(article: Article, source: SourceConfig, cfg: Config) -> None:
    """Raise Skip when the global or the source's filters reject the article."""
    check(article, cfg.filters, source.filters)
