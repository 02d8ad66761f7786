"""The poll stage: one source's feed fetched with a conditional GET and parsed.

Takes the source and what the store remembers of it; returns a ``Polled`` record (its
entries, the validators to keep, when to poll next) or raises ``FetchError``/``FeedError``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from newsdesk.config import SourceConfig
from newsdesk.errors import FeedError
from newsdesk.fetch import Fetcher, Response
from newsdesk.fetch.guard import Trust
from newsdesk.models import FeedEntry
from newsdesk.schedule import next_poll_after_success
from newsdesk.sources.feeds import parse_feed
from newsdesk.store.records import PollRecord, SourceState

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class Polled:
    """A polled feed: its entries (none for a 304), and what to remember of the poll."""

    record: PollRecord
    entries: list[FeedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
    fetcher: Fetcher, source: SourceConfig, state: SourceState, trust: Trust, now: datetime
) -> Polled:
    """Fetch and parse ``source``'s feed; FetchError or FeedError when it cannot be read."""
    response = await fetcher.get(source.url, headers=conditional_headers(state), trust=trust)
    cache_control = response.headers.get("cache-control")
    if response.status == 304:
        after = next_poll_after_success(now, cache_control, None)
        record = PollRecord(source.url, 304, not_modified=True, next_poll_at=after)
        return Polled(record)
    # In a thread: a big feed takes feedparser seconds, during which the other sources'
    # requests must go on (their deadlines run).
    try:
        feed = await asyncio.to_thread(
            parse_feed,
            response.content,
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
