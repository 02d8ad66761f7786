"""The poll stage: one source's feed fetched with a conditional GET and parsed.

Takes the source and what the store remembers of it; returns a ``Polled`` record (its
entries, the validators to keep, when to poll next) or raises ``FetchError``/``FeedError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from newsdesk.config import SourceConfig
from newsdesk.errors import FeedError
from newsdesk.fetch import Fetcher, Response
from newsdesk.fetch.guard import Trust
from newsdesk.models import FeedEntry
from newsdesk.schedule import next_poll_after_success
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.sitemap import inflate, read_as_sitemap
from newsdesk.sources.sitemaps import read_sitemap
from newsdesk.store.records import PollRecord, SitemapFile, SourceState

POLL_HORIZON = timedelta(days=7)
"""Sitemap entries whose date (or ``lastmod``) is older than this are not registered by a
poll: a sitemap lists a site's whole archive, which is what ``newsdesk backfill`` is for."""
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class Polled:
    """A polled feed or sitemap: its entries (none for a 304; a sitemap's newest first), and
    what to remember of the poll (a sitemap index's child files: once its entries are
    registered)."""

    record: PollRecord
    entries: list[FeedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sitemap: bool = False
    files: list[SitemapFile] = field(default_factory=list)
    complete: bool = True
    """Every file that may hold new entries was read; else nothing of this poll's
    validators is kept, so the next poll reads it all again."""

    @property
    def not_modified(self) -> bool:
        """The server said 304: nothing changed since the last poll."""
        return self.record.not_modified


def conditional_headers(state: SourceState) -> dict[str, str]:
    """The request headers of a poll: what a feed may be, and the validators kept."""
    headers = {"Accept": FEED_ACCEPT}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def validator(response: Response, name: str) -> str | None:
    """A validator header to send back (ETag, Last-Modified), if it is sane to store."""
    value = response.headers.get(name)
    ok = value and len(value) <= 1000 and value.isascii() and value.isprintable()
    return value if ok else None


async def poll_source(
    fetcher: Fetcher,
    source: SourceConfig,
    state: SourceState,
    trust: Trust,
    now: datetime,
    sitemap_files: Callable[[], Mapping[str, SitemapFile]] = dict,
) -> Polled:
    """Fetch and parse ``source``'s feed or sitemap; FetchError or FeedError when it cannot
    be read. ``sitemap_files``: a sitemap index's child files as last read."""
    response = await fetcher.get(source.url, headers=conditional_headers(state), trust=trust)
    cache_control = response.headers.get("cache-control")
    if response.status == 304:
        after = next_poll_after_success(now, cache_control, None)
        record = PollRecord(source.url, 304, not_modified=True, next_poll_at=after)
        return Polled(record)
    try:
        body = inflate(response.content, fetcher.cfg.max_bytes)  # a .gz file, not encoded
    except FeedError as exc:
        exc.status = response.status
        raise
    if read_as_sitemap(source.type, body):
        return await _poll_sitemap(fetcher, source, response, body, trust, now, sitemap_files)
    # In a thread: a big feed takes feedparser seconds, during which the other sources'
    # requests must go on (their deadlines run).
    try:
        feed = await asyncio.to_thread(
            parse_feed,
            body,
            source=source.name,
            url=response.url,
            zone=ZoneInfo(source.feed_timezone),
            content_type=response.headers.get("content-type", ""),
        )
    except FeedError as exc:
        exc.status = response.status  # the status column says what the server answered
        raise
    record = PollRecord(
        source.url,
        response.status,
        seen=len(feed.entries),
        feed_title=feed.title,
        etag=validator(response, "etag"),
        last_modified=validator(response, "last-modified"),
        next_poll_at=next_poll_after_success(now, cache_control, feed.ttl),
    )
    return Polled(record, feed.entries, feed.warnings)


async def _poll_sitemap(
    fetcher: Fetcher,
    source: SourceConfig,
    response: Response,
    body: bytes,
    trust: Trust,
    now: datetime,
    sitemap_files: Callable[[], Mapping[str, SitemapFile]],
) -> Polled:
    try:
        read = await read_sitemap(
            fetcher,
            body,
            response.url,
            source=source.name,
            trust=trust,
            zone=ZoneInfo(source.feed_timezone),
            known=sitemap_files,
            max_bytes=fetcher.cfg.max_bytes,
        )
    except FeedError as exc:
        exc.status = response.status
        raise
    warnings = list(read.warnings)
    if read.skipped:
        warnings.append(f"{read.skipped} sitemap entr(ies) without a usable http(s) URL ignored")
    # A poll takes what is recent; a sitemap's archive is backfill's (`newsdesk backfill`).
    horizon = now - POLL_HORIZON
    entries = [e for e in read.entries if (read.when(e) or now) >= horizon]
    if len(entries) < len(read.entries):
        warnings.append(
            f"{len(read.entries) - len(entries)} entr(ies) older than {POLL_HORIZON.days} days"
            " left to `newsdesk backfill`"
        )
    record = PollRecord(
        source.url,
        response.status,
        seen=len(read.entries),
        feed_title=None,
        etag=validator(response, "etag"),
        last_modified=validator(response, "last-modified"),
        next_poll_at=next_poll_after_success(now, response.headers.get("cache-control"), None),
    )
    if read.revisit:  # a 304 for the index would hide changes in its files
        record = replace(record, etag=None, last_modified=None)
    return Polled(record, entries, warnings, sitemap=True, files=read.files, complete=read.complete)
