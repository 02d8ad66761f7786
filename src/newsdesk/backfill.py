"""``newsdesk backfill``: a source's archive, back to a date, into the site.

It walks the source's sitemap (every child file of an index whose ``lastmod`` is in the
window; a Google News sitemap's dates, a plain sitemap's ``lastmod`` hints) or a feed's paged
archive (RFC 5005 ``prev-archive`` links), registers what was published in the window, newest
first, as ordinary items, and then runs the normal pipeline over that source's pending items
(without polling it: that is the scheduled runs' work): the same fetcher,
robots.txt, per-host limits and delay, dedupe and publishing as any run (an entry without a
date is published only if its page's date is in the window). Like a run, it holds the site's
lock while it publishes. Registration is
idempotent and the items wait in the state store, so a backfill that is interrupted (even
with SIGKILL) picks up where it stopped when run again: what was published is never fetched
again, and nothing registered is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.errors import FeedError, FetchError, NewsdeskError, storage_error
from newsdesk.fetch import Fetcher
from newsdesk.fetch.guard import source_trust
from newsdesk.layout import Site
from newsdesk.models import FeedEntry
from newsdesk.report import RunReport
from newsdesk.runtime import Progress, RunOptions
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.poll import conditional_headers
from newsdesk.sources.sitemap import inflate, read_as_sitemap
from newsdesk.sources.sitemaps import read_sitemap
from newsdesk.store import SourceState, StateStore, open_store, site_lock, snapshot_store
from newsdesk.store.urls import state_location
from newsdesk.urls import canonical_url, item_id

log = logging.getLogger("newsdesk")

MAX_ARCHIVE_PAGES = 500
"""Pages of a feed's archive followed at most (each ``prev-archive`` link once)."""
MAX_FILES = 5000
"""Sitemap files one backfill reads at most."""


class BackfillError(NewsdeskError):
    """The backfill cannot start: an unknown source, or its archive cannot be read."""


@dataclass(slots=True)
class BackfillReport:
    """What a backfill found and did."""

    source: str
    since: datetime
    found: int = 0
    """Entries in the window (within ``--limit``)."""
    registered: int = 0
    """Of those, items new to the state store."""
    files: int = 0
    """Sitemap files or archive pages read."""
    warnings: list[str] = field(default_factory=list)
    run: RunReport | None = None
    """The pipeline's run over the source's pending items (None: a dry run)."""
    sample: list[str] = field(default_factory=list)
    """The first links found (for a dry run's listing)."""


def backfill(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    source: str,
    since: float,
    limit: int | None = None,
    dry_run: bool = False,
    wait: float | None = None,
    progress: Progress | None = None,
    on_file: Callable[[int, int], None] | None = None,
) -> BackfillReport:
    """Register ``source``'s archive of the last ``since`` seconds and publish it.

    Args:
        site_dir: the site folder.
        cfg: the configuration; read from the site folder when None.
        source: the source's name.
        since: how far back, in seconds.
        limit: register at most this many entries (the newest).
        dry_run: only find and count; register and fetch no article.
        wait: seconds to wait for another run holding the site (None: as long as it takes).
        progress: the pipeline's progress display.
        on_file: told (files read, files known so far) as the archive is walked.
    """
    cfg = cfg or load_config(Path(site_dir))
    site = Site(Path(site_dir), cfg.posts.section)
    try:
        chosen = cfg.source(source)
    except KeyError:
        raise BackfillError(f"no source named {source!r} in {site.config_file}") from None
    if not chosen.enabled:
        raise BackfillError(f"source {source!r} is disabled (enabled = false): enable it first")
    report = BackfillReport(source, datetime.now(UTC) - timedelta(seconds=since))
    try:
        entries = asyncio.run(_walk(cfg, chosen, report, on_file or _nothing))
        entries = entries[:limit] if limit is not None else entries
        report.found = len(entries)
        report.sample = [e.link for e in entries[:10]]
        if dry_run:
            with snapshot_store(site, cfg.state.url) as store:
                report.registered = sum(1 for e in entries if _is_new(store, e))
            return report
        with site_lock(site.state_dir, wait=wait), open_store(site, cfg.state.url) as store:
            report.registered = sum(1 for e in entries if _register(store, e))
    except Exception as exc:  # the disk, or the state database
        fault = storage_error(exc, state_location(site, cfg.state.url))
        if fault is None:
            raise
        raise fault from None
    from newsdesk.pipeline import run

    report.run = run(
        site.root,
        cfg,
        wait=wait,
        progress=progress,
        options=RunOptions(only=frozenset({source}), poll=False, not_before=report.since),
    )
    return report


def _register(store: StateStore, entry: FeedEntry) -> bool:
    url = canonical_url(entry.link)
    return store.register(item_id(url), url, entry)


def _is_new(store: StateStore, entry: FeedEntry) -> bool:
    return store.item(item_id(canonical_url(entry.link))) is None


def _nothing(done: int, known: int) -> None:
    """No display of the walk."""


async def _walk(
    cfg: Config, source: SourceConfig, report: BackfillReport, on_file: Callable[[int, int], None]
) -> list[FeedEntry]:
    """The source's entries in the window, newest first."""
    trust = source_trust(source, cfg.fetch)
    zone = ZoneInfo(source.feed_timezone)
    async with Fetcher(cfg.fetch) as fetcher:
        try:
            response = await fetcher.get(
                source.url, headers=conditional_headers(SourceState()), trust=trust
            )
            body = inflate(response.content, cfg.fetch.max_bytes)
            report.files += 1
            if read_as_sitemap(source.type, body):
                read = await read_sitemap(
                    fetcher,
                    body,
                    response.url,
                    source=source.name,
                    trust=trust,
                    zone=zone,
                    known=dict,
                    max_bytes=cfg.fetch.max_bytes,
                    every_file=True,
                    since=report.since,
                    max_files=MAX_FILES,
                    on_file=on_file,
                )
                report.files += len(read.files)
                report.warnings += read.warnings
                return [e for e in read.entries if _in_window(read.when(e), report.since)]
            return await _archive(fetcher, source, body, response.url, report, zone, on_file)
        except (FetchError, FeedError) as exc:
            raise BackfillError(f"{source.name}: {exc}") from None


def _in_window(when: datetime | None, since: datetime) -> bool:
    """In the window, or not known to be out of it (the page's date decides later)."""
    return when is None or when >= since


async def _archive(
    fetcher: Fetcher,
    source: SourceConfig,
    content: bytes,
    url: str,
    report: BackfillReport,
    zone: ZoneInfo,
    on_file: Callable[[int, int], None],
) -> list[FeedEntry]:
    """A feed and the pages of its archive, back to the window's start."""
    trust = source_trust(source, fetcher.cfg)
    entries: dict[str, FeedEntry] = {}
    seen = {url}
    feed = await asyncio.to_thread(parse_feed, content, source=source.name, url=url, zone=zone)
    while True:
        inside = [e for e in feed.entries if _in_window(e.published, report.since)]
        for entry in inside:
            entries.setdefault(entry.link, entry)
        older = feed.archive
        if not older or older in seen or len(seen) >= MAX_ARCHIVE_PAGES:
            break
        if feed.entries and not inside:
            break  # this page is all older than the window: so are the pages before it
        seen.add(older)
        try:
            response = await fetcher.get(
                older, headers=conditional_headers(SourceState()), trust=trust
            )
            page, url = inflate(response.content, fetcher.cfg.max_bytes), response.url
            report.files += 1
            on_file(report.files, 0)  # an archive's length is not known before its end
            feed = await asyncio.to_thread(parse_feed, page, source=source.name, url=url, zone=zone)
        except (FetchError, FeedError) as exc:  # the archive ends here; what was found stays
            report.warnings.append(f"archive page {older}: {exc}; the walk stops there")
            break
    never = datetime.min.replace(tzinfo=UTC)
    listed = list(entries.values())
    dated = sorted((e for e in listed if e.published), key=lambda e: e.published or never)
    return dated[::-1] + [e for e in listed if not e.published]
