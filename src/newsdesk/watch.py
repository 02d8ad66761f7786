"""``newsdesk watch``: poll each source on its own interval, publish, rebuild, until stopped.

Each source is due ``interval`` seconds (per-source override) after its last poll, moved by up
to ``jitter`` of the interval so that hundreds of sources spread out, and never before the
time its server or its backoff set. The schedule is read from the state store each time
(``last_poll_at``, ``next_poll_at``), never kept in memory, so a cron ``run`` and any number
of ``watch`` processes share it. Every cycle is a normal
run over the due sources (same lock, same state), so ``watch`` and a cron ``run`` can share a
site. After something new is published, the site is rebuilt once nothing new has arrived for
``debounce`` seconds. SIGINT/SIGTERM stop the loop; items in flight are finished first.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.errors import NewsdeskError, storage_error
from newsdesk.layout import Site
from newsdesk.pipeline import RunOptions, run
from newsdesk.report import RunReport
from newsdesk.schedule import utcnow
from newsdesk.site import BuildResult, build_site
from newsdesk.store import SourceState, StateStore, open_store

if TYPE_CHECKING:
    from newsdesk.metrics import WatchMetrics

log = logging.getLogger("newsdesk")


@dataclass
class WatchStats:
    """What a watch session did, for the caller and for tests."""

    cycles: int = 0
    published: int = 0
    builds: int = 0


def _interval(cfg: Config, source: SourceConfig) -> float:
    return source.interval if source.interval is not None else cfg.watch.interval


def due_at(cfg: Config, source: SourceConfig, state: SourceState) -> datetime | None:
    """When ``watch`` polls ``source`` next (None: now, it was never polled). The jitter is
    drawn from the source's name and last poll, so every process computes the same time."""
    if state.last_poll_at is None:
        return state.next_poll_at
    jitter = random.Random(f"{source.name}|{state.last_poll_at}").uniform(
        -cfg.watch.jitter, cfg.watch.jitter
    )
    due = state.last_poll_at + timedelta(seconds=max(0.0, _interval(cfg, source) * (1 + jitter)))
    return max(due, state.next_poll_at) if state.next_poll_at else due


def _schedule(cfg: Config, store: StateStore, sources: list[SourceConfig]) -> dict[str, float]:
    """Seconds from now until each source is due (0 or less: due now)."""
    now = utcnow()
    waits = {}
    for source in sources:
        when = due_at(cfg, source, store.source_state(source.name).for_url(source.url))
        waits[source.name] = (when - now).total_seconds() if when else 0.0
    return waits


def watch(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    stop: threading.Event | None = None,
    on_cycle: Callable[[RunReport], None] | None = None,
    on_build: Callable[[BuildResult], None] | None = None,
    metrics: WatchMetrics | None = None,
) -> WatchStats:
    """Run until ``stop`` is set (the CLI sets it on SIGINT/SIGTERM).

    Args:
        site_dir: the site folder.
        cfg: the configuration (read from the site when None).
        stop: set it to end the loop; the current cycle finishes its in-flight items.
        on_cycle: called with each cycle's report.
        on_build: called with each build's result.
        metrics: counts polls, items, requests and builds (``[watch] metrics``).
    """
    site_dir = Path(site_dir)
    cfg = cfg or load_config(site_dir)
    stop = stop or threading.Event()
    with open_store(Site(site_dir, cfg.posts.section), cfg.state.url) as store:
        return _loop(site_dir, cfg, store, stop, on_cycle, on_build, metrics)


def _loop(
    site_dir: Path,
    cfg: Config,
    store: StateStore,
    stop: threading.Event,
    on_cycle: Callable[[RunReport], None] | None,
    on_build: Callable[[BuildResult], None] | None,
    metrics: WatchMetrics | None = None,
) -> WatchStats:
    stats = WatchStats()
    on_fetch = metrics.fetched if metrics else None
    sources = [s for s in cfg.sources if s.enabled]
    last_publish: float | None = None
    while not stop.is_set():
        try:
            waits = _schedule(cfg, store, sources)
        except Exception as exc:  # the state is unreadable for now
            if not isinstance(exc, NewsdeskError) and storage_error(exc) is None:
                raise
            log.error("cannot read the schedule: %s", storage_error(exc) or exc)
            stop.wait(timeout=min(cfg.watch.interval, 60.0))
            continue
        due = frozenset(name for name, wait in waits.items() if wait <= 0)
        if metrics:
            metrics.sources_due.set(len(due))
        if due:
            report: RunReport | None
            try:
                options = RunOptions(only=due, stop=stop, on_fetch=on_fetch)
                report = run(site_dir, cfg, options=options)
            except NewsdeskError as exc:  # disk full, damaged state: said, tried again later
                log.error("cycle failed: %s", exc)
                report = None
            except Exception as exc:  # noqa: BLE001 - a daemon outlives a bug in one cycle
                log.error("cycle failed: unexpected %s: %s", type(exc).__name__, exc, exc_info=exc)
                report = None
            if report is None:  # the sources stay due: try again after a pause
                stats.cycles += 1
                if metrics:
                    metrics.count(RunReport())
                if on_cycle:
                    on_cycle(RunReport())
                stop.wait(timeout=min(cfg.watch.interval, 60.0))
                continue
            stats.cycles += 1
            if metrics:
                metrics.count(report)
            stats.published += report.published
            if report.published or report.translations.written:
                last_publish = time.monotonic()
            if on_cycle:
                on_cycle(report)
            try:  # the schedule again, with this cycle's polls recorded
                waits = _schedule(cfg, store, sources)
            except Exception as exc:  # noqa: BLE001 - said at the top of the next turn
                if not isinstance(exc, NewsdeskError) and storage_error(exc) is None:
                    raise
                waits = {}
        now = time.monotonic()
        if (
            last_publish is not None
            and cfg.watch.build
            and now - last_publish >= cfg.watch.debounce
        ):
            last_publish = None
            started = time.monotonic()
            try:
                result = build_site(site_dir, cfg)
            except Exception as exc:  # noqa: BLE001 - the posts are safe; the next publish rebuilds
                log.error("site build failed: %s", exc, exc_info=exc)
                if metrics:
                    metrics.built(None, time.monotonic() - started)
                continue
            stats.builds += 1
            if metrics:
                metrics.built(result, time.monotonic() - started)
            if result.returncode:
                log.error("site build failed: %s", result.output)
            if on_build:
                on_build(result)
            continue
        wake = now + min(waits.values(), default=cfg.watch.interval)
        if last_publish is not None and cfg.watch.build:
            wake = min(wake, last_publish + cfg.watch.debounce)
        stop.wait(timeout=max(0.0, wake - time.monotonic()))
    return stats


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGINT and SIGTERM (call from the main thread)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        log.warning("stopping after the items in flight (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
