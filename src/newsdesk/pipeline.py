"""One pass over a site: poll -> fetch -> extract -> enrich -> store/dedupe -> publish.

This module only wires the units of a run and their concurrency: every source is polled as
its own unit (``polling.py``), and the items it registers flow at once to the item workers
(``items.py``), which take them from the store by lease. Each unit's failure is recorded
against it and the run goes on; only a ``StorageError`` (disk full, read-only site, damaged
state database) stops the run, since no other unit could do better.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.enrich.language import warm_up
from newsdesk.errors import StorageError, storage_error
from newsdesk.extraction.pool import ExtractionPool, pool_size
from newsdesk.fetch import Fetcher
from newsdesk.fetch.robots import Loader, Robots, RobotsRules, Saver
from newsdesk.items import item_unit
from newsdesk.layout import Site
from newsdesk.polling import poll_unit
from newsdesk.publish import remove_stale_temp_files
from newsdesk.publish.outbox import claim_publishing, recover, write_staged
from newsdesk.publish.sink import SiteFolder
from newsdesk.publish.translations import catch_up
from newsdesk.report import RunReport
from newsdesk.runtime import Progress, Quiet, RunContext, RunOptions
from newsdesk.store import StateStore, open_store, site_lock, snapshot_store
from newsdesk.store.urls import state_location

__all__ = ["Progress", "RunOptions", "run"]

log = logging.getLogger("newsdesk")

ROBOTS_MAX_AGE = 24 * 3600.0
LEASE_SECONDS = 900.0
"""How long an item stays claimed: far beyond one item's work (every request is bounded by
``timeout`` and ``retries``); a lease past it is another worker's to take."""


def run(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    wait: float | None = None,
    progress: Progress | None = None,
    options: RunOptions | None = None,
) -> RunReport:
    """Run one pass over the site's sources and publish what is new.

    Args:
        site_dir: the site folder (holds ``newsdesk.toml``).
        cfg: the configuration; read from the site folder when None.
        wait: seconds to wait for another run's lock (None: as long as it takes; 0: not at all).
        progress: receives progress events (the CLI shows a bar).
        options: force, a subset of sources, poll only, a stop signal, a dry run.
    """
    cfg = cfg or load_config(Path(site_dir))
    site = Site(Path(site_dir), cfg.posts.section)
    options = options or RunOptions()
    progress = progress or Quiet()
    try:
        if options.dry_run:  # no lock, no migration, nothing written to the site
            with (
                tempfile.TemporaryDirectory(prefix="newsdesk-dry-run-") as scratch,
                snapshot_store(site, cfg.state.url) as store,
            ):
                scratch_site = Site(Path(scratch), cfg.posts.section)
                return asyncio.run(_run(scratch_site, cfg, store, progress, options, site))
        with site_lock(site.state_dir, wait=wait):
            remove_stale_temp_files(site.content)
            remove_stale_temp_files(site.thumbnails)
            with open_store(site, cfg.state.url) as store:
                if cfg.queue.url and options.fetch_articles:
                    from newsdesk.queue import require_fleet

                    require_fleet()
                    from newsdesk.queue.dispatch import run_queued

                    report = run_queued(site, cfg, store, options, progress)
                else:
                    report = asyncio.run(_run(site, cfg, store, progress, options))
        if cfg.notify and options.fetch_articles:
            # After the lock is released: a slow or hanging webhook never holds up the next run.
            from newsdesk.notify import notify

            with open_store(site, cfg.state.url) as store:
                notify(cfg, store, report)
        return report
    except Exception as exc:  # the disk, or the state database of either backend
        fault = storage_error(exc, state_location(site, cfg.state.url))
        if fault is None:
            raise
        raise fault from None


async def _run(
    site: Site,
    cfg: Config,
    store: StateStore,
    progress: Progress,
    options: RunOptions,
    live: Site | None = None,
) -> RunReport:
    """One run writing its posts to ``site``; ``live`` is the real site folder when it is
    not ``site`` (a dry run), whose post files tell how killed runs ended."""
    report = RunReport()
    sources = [
        s for s in cfg.sources if s.enabled and (options.only is None or s.name in options.only)
    ]
    for source in sources:
        report.source(source.name)
    if live is None:  # not a dry run: this folder writes the store's posts
        claim_publishing(site, store, take_over=options.take_over)
    recover(live or site, store)
    write_staged(site, store)  # what workers finished, when this site had a queue
    async with Fetcher(cfg.fetch, observe=options.on_fetch) as fetcher:
        robots = Robots(fetcher, *robots_cache(store))
        ctx = RunContext(
            site, cfg, store, fetcher, robots, report, progress, options, SiteFolder(site, store)
        )
        started = datetime.now(UTC)
        try:
            await _poll_and_process(ctx, sources)
            if live is None and options.fetch_articles and cfg.translate.to and not ctx.stopping:
                # Translations earlier runs could not write; not those this run just failed.
                report.translations = await catch_up(
                    site, cfg, store, fetcher, before=started, stop=lambda: ctx.stopping
                )
        finally:
            store.expire_leases([ctx.owner])  # what this run held is free for the next
    if ctx.fault is not None:
        raise ctx.fault
    return report


class _Arrivals:
    """Tells idle workers that new items were registered. Each announcement sets the event
    the waiting workers hold and puts a fresh one in its place, so no wake-up is lost."""

    def __init__(self, known: int, progress: Progress | None):
        self.total = known
        self.event = asyncio.Event()
        self._progress = progress

    def announce(self, new: int) -> None:
        self.total += new
        if self._progress is not None:
            self._progress.items_started(self.total)
        event, self.event = self.event, asyncio.Event()
        event.set()


async def _poll_and_process(ctx: RunContext, sources: list[SourceConfig]) -> None:
    """Poll every source; meanwhile, items flow to the workers as soon as they are known."""
    names = [s.name for s in sources]
    fetching = ctx.options.fetch_articles
    known = ctx.store.pending_count(ctx.cfg.fetch.max_attempts, names) if fetching else 0
    arrivals = _Arrivals(known, ctx.progress if fetching else None)
    polled = sources if ctx.options.poll else []
    ctx.progress.sources_started(len(polled))
    polls = asyncio.gather(*(poll_unit(ctx, source, arrivals.announce) for source in polled))
    if not fetching:
        await polls
        return
    ctx.progress.items_started(known)
    workers = min(ctx.cfg.fetch.concurrency * 2, 64)
    ctx.pool = ExtractionPool(
        pool_size(ctx.cfg.extract.workers), lambda: arrivals.total, on_grow=warm_up
    )
    try:
        await asyncio.gather(polls, *(_worker(ctx, names, polls, arrivals) for _ in range(workers)))
    finally:
        ctx.pool.close()


async def _worker(
    ctx: RunContext, names: list[str], polls: asyncio.Future[Any], arrivals: _Arrivals
) -> None:
    """Claim one pending item at a time and process it, until the polls are done and
    nothing is left, or the run stops (then nothing more is claimed)."""
    while not ctx.stopping:
        event = arrivals.event  # taken before claiming: an announcement after it wakes us
        try:
            claimed = ctx.store.claim(
                ctx.owner,
                limit=1,
                lease_seconds=LEASE_SECONDS,
                max_attempts=ctx.cfg.fetch.max_attempts,
                sources=names,
            )
        except Exception as exc:  # noqa: BLE001 - the store failed: the run stops, in order
            ctx.halt(storage_error(exc, ctx.state_location) or StorageError(str(exc)))
            return
        if claimed:
            await item_unit(ctx, claimed[0])
        elif polls.done():
            return
        else:
            waiter = asyncio.ensure_future(event.wait())
            await asyncio.wait([polls, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()


def robots_cache(store: StateStore) -> tuple[Loader, Saver]:
    """How ``Robots`` reads and keeps robots.txt answers: in the state store, for a day."""

    async def load(origin: str) -> RobotsRules | None:
        stored = store.robots(origin, ROBOTS_MAX_AGE)
        return RobotsRules(*stored) if stored else None

    def save(origin: str, rules: RobotsRules) -> None:
        store.save_robots(origin, rules.status, rules.text)

    return load, save
