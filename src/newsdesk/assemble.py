"""From a feed entry and its page's extraction to an Article: the feed's title and date win,
and the feed's own text is the fallback when the page gives too little."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from newsdesk.config import Config, SourceConfig
from newsdesk.dates import settle_day
from newsdesk.errors import ExtractionFailed, FetchError
from newsdesk.extraction import parse_html
from newsdesk.extraction.blocks import collect_blocks
from newsdesk.extraction.cleanup import clean_blocks, drop_headline
from newsdesk.fetch.guard import Trust, host_is_local_literal, source_trust
from newsdesk.models import Article, Block, Extracted, FeedEntry, Page, word_count
from newsdesk.urls import canonical_url, is_http_url, without_userinfo

MAX_AHEAD = timedelta(days=1)
"""A date further in the future than this is not believed (it would top the site for years)."""


def feed_blocks(entry: FeedEntry) -> list[Block]:
    """The feed entry's own content or summary as blocks (the fallback text)."""
    if not entry.content_html.strip():
        return []
    tree = parse_html(f"<html><body>{entry.content_html}</body></html>")
    body = tree.find("body")
    return clean_blocks(collect_blocks(body if body is not None else tree), entry.title)


def _page_published(extracted: Extracted | None) -> datetime | None:
    """The page's date; one that gives only the day gets a real time, never midnight."""
    if extracted is None or extracted.date is None:
        return None
    if extracted.date_has_time:
        return extracted.date
    return settle_day(extracted.date, datetime.now(UTC))


def _believable(published: datetime | None, now: datetime) -> datetime | None:
    """``published``, unless it lies more than a day ahead: then None (the time seen is used).
    Dates before 1970 never get this far (sources/dates.py)."""
    if published is None or published - now > MAX_AHEAD:
        return None
    return published


def _image(url: str, trust: Trust) -> str:
    """An image URL fit for a post: http(s), and not pointing readers' browsers at a local or
    private address, unless the source's trust covers it (its feed's origin, allow_private)."""
    if not url or not is_http_url(url):
        return ""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):  # a host even httpx will not read
        return ""
    if trust.admits(parsed) or not host_is_local_literal(url):
        return without_userinfo(url)  # credentials are never kept, here neither
    return ""


def build_article(
    cfg: Config,
    source: SourceConfig,
    *,
    item_id: str,
    url: str,
    entry: FeedEntry,
    page: Page | None,
    extracted: Extracted | None,
    page_error: FetchError | None,
) -> Article:
    """Assemble the Article; raise ExtractionFailed when there is no text to publish."""
    blocks = list(extracted.blocks) if extracted else []
    words = extracted.word_count if extracted else 0
    if words < cfg.extract.min_words:
        fallback = feed_blocks(entry)
        if word_count(fallback) > words:
            blocks = fallback
    if not blocks:
        why = f"page failed ({page_error})" if page_error else "the page has no article text"
        raise ExtractionFailed(f"{why} and the feed entry has no content")
    title = entry.title or (extracted.title if extracted else "")
    if not title:
        raise ExtractionFailed("no title in the feed entry or the page")
    blocks = drop_headline(blocks, title)  # the feed's headline may differ from the page's
    if not blocks:
        raise ExtractionFailed("the article text is only its headline")
    now = datetime.now(UTC)
    published = _believable(entry.published, now) or _believable(_page_published(extracted), now)
    trust = source_trust(source, cfg.fetch)
    return Article(
        id=item_id,
        url=canonical_url(page.url) if page is not None else url,
        source=source.name,
        title=title,
        blocks=tuple(blocks),
        published=published or now,
        authors=entry.authors or (extracted.authors if extracted else ()),
        image=_image(extracted.image if extracted else "", trust)
        or _image(entry.image or "", trust),
        description=extracted.description if extracted else "",
        # A news sitemap's language is the publisher's word on this item: before the page's.
        language=entry.language or (extracted.language if extracted else ""),
        tags=entry.keywords,  # a news sitemap's keywords; enrich adds them to the tags
    )
