"""Polling a sitemap source: the file at its URL and, for an index, the child files that
changed since the last poll, each with a conditional GET.

A child whose ``lastmod`` in the index is the one recorded at its last reading is not fetched
at all; the others are asked for with their stored validators (a 304 costs nothing). An index
that lists itself, lists an index (followed one level, no more) or lists ten thousand files
does not run away: every file is read once per poll and at most ``MAX_FILES_PER_POLL`` are
fetched; what is left waits for the next poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from newsdesk.errors import FeedError, FetchError
from newsdesk.fetch import Fetcher, Response
from newsdesk.fetch.guard import Trust
from newsdesk.models import FeedEntry
from newsdesk.sources.sitemap import (
    ChildSitemap,
    ParsedSitemap,
    inflate,
    newest_first,
    parse_sitemap,
)
from newsdesk.store.records import SitemapFile

MAX_FILES_PER_POLL = 50
"""Child files one poll fetches at most (the newest first, by their ``lastmod``)."""
MAX_DEPTH = 2
"""An index of indexes is followed one level down, no further."""
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/x-gzip;q=0.8, */*;q=0.5"


@dataclass(slots=True)
class SitemapRead:
    """What one poll of a sitemap source found: its entries (newest first), each entry's
    ``lastmod`` hint, the child files to remember once the entries are registered, and
    warnings about files that could not be read. ``complete``: every file that may hold new
    entries was read (else the top file is read in full again next time)."""

    entries: list[FeedEntry] = field(default_factory=list)
    lastmod: dict[str, datetime] = field(default_factory=dict)
    files: list[SitemapFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0
    """Entries of the top file without a usable http(s) URL."""
    complete: bool = True
    revisit: bool = False
    """The index lists files without a ``lastmod`` (or with only a day): they may change while
    the index does not, so the index must be read again even when it says 304."""

    def when(self, entry: FeedEntry) -> datetime | None:
        """The entry's date (a news sitemap's), else its ``lastmod`` hint."""
        return entry.published or self.lastmod.get(entry.link)


def validators(response: Response) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified to send back, when they are sane to store."""
    from newsdesk.sources.poll import validator

    return validator(response, "etag"), validator(response, "last-modified")


def reading_order(
    children: list[ChildSitemap], stored: Mapping[str, SitemapFile]
) -> list[ChildSitemap]:
    """The order an index's files are read in: those with a ``lastmod``, newest first; then
    those without one, never read ones first (the last listed first: indexes list oldest
    first more often than not), then the least recently read, so that a poll bounded to
    some files still comes round to every one."""
    never_dated = datetime.min.replace(tzinfo=UTC)
    dated = sorted(
        (c for c in children if c.lastmod), key=lambda c: c.lastmod or never_dated, reverse=True
    )
    undated = [c for c in children if not c.lastmod]
    never = [c for c in reversed(undated) if c.url not in stored]
    before = sorted(
        (c for c in undated if c.url in stored), key=lambda c: stored[c.url].checked_at or ""
    )
    return dated + never + before


async def read_sitemap(
    fetcher: Fetcher,
    body: bytes,
    url: str,
    *,
    source: str,
    trust: Trust,
    zone: tzinfo,
    known: Callable[[], Mapping[str, SitemapFile]],
    max_bytes: int,
    every_file: bool = False,
    since: datetime | None = None,
    max_files: int = MAX_FILES_PER_POLL,
    on_file: Callable[[int, int], None] | None = None,
) -> SitemapRead:
    """The entries of the sitemap ``body`` read from ``url``: its own, or (an index) those
    of its child files that may have changed; FeedError when the body is not a sitemap.
    ``known``: the child files as last read; ``every_file``: fetch
    each child whatever its ``lastmod`` (a backfill); ``since``: leave out children last
    modified before it (they hold nothing newer); at most ``max_files`` fetched;
    ``on_file``: told (files read, files known) after each one."""
    top = await asyncio.to_thread(parse_sitemap, body, source=source, url=url, zone=zone)
    read = SitemapRead(skipped=top.skipped)
    if not top.index:
        read.entries, read.lastmod = top.entries, dict(top.lastmod)
        return read
    stored = known()
    queue: list[tuple[ChildSitemap, int]] = [(c, 1) for c in reading_order(top.children, stored)]
    read.revisit = any(not c.lastmod or c.day_only for c in top.children)
    seen: set[str] = {url}
    fetched = 0
    entries: list[FeedEntry] = []
    while queue:
        child, depth = queue.pop(0)
        if child.url in seen:
            continue
        seen.add(child.url)
        was = stored.get(child.url)
        lastmod = child.lastmod.isoformat() if child.lastmod else None
        same = was is not None and lastmod is not None and was.lastmod == lastmod
        if not every_file and same and not child.day_only:
            continue  # unchanged since it was last read (a day's file may change all day)
        if since is not None and child.lastmod is not None and child.lastmod < since:
            continue  # older than the window: nothing in it is newer
        if fetched >= max_files:
            read.warnings.append(
                f"{len(queue) + 1} more sitemap file(s) left for later (at most {max_files})"
            )
            read.complete = False
            break
        fetched += 1
        parsed, kept = await _child(fetcher, child, was, source, trust, zone, max_bytes, read)
        if on_file is not None:
            on_file(fetched, fetched + len(queue))
        if parsed is not None and parsed.index:
            # An index below the index: its own files are what counts. It is read again each
            # time (conditionally), so files it lists are never lost to a bound.
            if depth < MAX_DEPTH:
                queue += [(c, depth + 1) for c in reading_order(parsed.children, stored)]
            else:
                read.warnings.append(f"{child.url}: an index below an index is not followed")
            continue
        if kept is None:
            read.complete = False  # failed: read again next time
            continue
        read.files.append(SitemapFile(child.url, lastmod, *kept))
        if parsed is not None:
            entries += parsed.entries
            read.lastmod.update(parsed.lastmod)
    read.entries = newest_first(_unique(entries), read.lastmod)
    return read


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.link not in seen:
            seen.add(entry.link)
            out.append(entry)
    return out


async def _child(
    fetcher: Fetcher,
    child: ChildSitemap,
    was: SitemapFile | None,
    source: str,
    trust: Trust,
    zone: tzinfo,
    max_bytes: int,
    read: SitemapRead,
) -> tuple[ParsedSitemap | None, tuple[str | None, str | None] | None]:
    """One child file: (what it holds, or None; its validators to keep, or None when it
    must be read again next poll)."""
    headers = {"Accept": SITEMAP_ACCEPT}
    if was is not None and was.etag:
        headers["If-None-Match"] = was.etag
    if was is not None and was.last_modified:
        headers["If-Modified-Since"] = was.last_modified
    try:
        response = await fetcher.get(child.url, headers=headers, trust=trust)
    except FetchError as exc:
        read.warnings.append(f"sitemap file {child.url} failed: {exc}")
        return None, None
    if response.status == 304:
        return None, (was.etag, was.last_modified) if was is not None else None
    try:
        body = inflate(response.content, max_bytes)
        parsed = await asyncio.to_thread(
            parse_sitemap, body, source=source, url=response.url, zone=zone
        )
    except FeedError as exc:
        read.warnings.append(f"sitemap file {child.url}: {exc}")
        return None, validators(response)  # unreadable as it is: not again until it changes
    return parsed, validators(response)
