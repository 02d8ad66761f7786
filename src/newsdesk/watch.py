"""``newsdesk watch``: poll each source on its own interval, publish, rebuild, until stopped.

Each source is due ``interval`` seconds (per-source override) after its last poll, moved by up
to ``jitter`` of the interval so that hundreds of sources spread out. Every cycle is a normal
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
from pathlib import Path
from types import FrameType

from newsdesk.config import Config, SourceConfig, load_config
from newsdesk.errors import NewsdeskError
from newsdesk.pipeline import RunOptions, run
from newsdesk.report import RunReport
from newsdesk.site import BuildResult, build_site

log = logging.getLogger("newsdesk")


@dataclass
class WatchStats:
    """What a watch session did, for the caller and for tests."""

    cycles: int = 0
    published: int = 0
    builds: int = 0


def _interval(cfg: Config, source: SourceConfig) -> float:
    return source.interval if source.interval is not None else cfg.watch.interval


def _jittered(seconds: float, jitter: float) -> float:
    return max(0.0, seconds * (1 + random.uniform(-jitter, jitter)))


def watch(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    stop: threading.Event | None = None,
    on_cycle: Callable[[RunReport], None] | None = None,
    on_build: Callable[[BuildResult], None] | None = None,
) -> WatchStats:
    """Run until ``stop`` is set (the CLI sets it on SIGINT/SIGTERM).

    Args:
        site_dir: the site folder.
        cfg: the configuration (read from the site when None).
        stop: set it to end the loop; the current cycle finishes its in-flight items.
        on_cycle: called with each cycle's report.
        on_build: called with each build's result.
    """
    site_dir = Path(site_dir)
    cfg = cfg or load_config(site_dir)
    stop = stop or threading.Event()
    stats = WatchStats()
    sources = [s for s in cfg.sources if s.enabled]
    now = time.monotonic()
    # First cycle: every source is due now; the jitter spreads the cycles after it.
    due_at = {s.name: now for s in sources}
    last_publish: float | None = None
    while not stop.is_set():
        now = time.monotonic()
        due = frozenset(name for name, at in due_at.items() if at <= now)
        if due:
            try:
                report = run(site_dir, cfg, options=RunOptions(only=due, stop=stop))
            except NewsdeskError as exc:  # disk full, damaged state: said, tried again later
                log.error("cycle failed: %s", exc)
                report = RunReport()
            except Exception as exc:  # noqa: BLE001 - a daemon outlives a bug in one cycle
                log.error("cycle failed: unexpected %s: %s", type(exc).__name__, exc, exc_info=exc)
                report = RunReport()
            stats.cycles += 1
            stats.published += report.published
            if report.published:
                last_publish = time.monotonic()
            if on_cycle:
                on_cycle(report)
            done = time.monotonic()
            for source in sources:
                if source.name in due:
                    due_at[source.name] = done + _jittered(_interval(cfg, source), cfg.watch.jitter)
        now = time.monotonic()
        if (
            last_publish is not None
            and cfg.watch.build
            and now - last_publish >= cfg.watch.debounce
        ):
            last_publish = None
            try:
                result = build_site(site_dir, cfg)
            except Exception as exc:  # noqa: BLE001 - the posts are safe; the next publish rebuilds
                log.error("site build failed: %s", exc, exc_info=exc)
                continue
            stats.builds += 1
            if result.returncode:
                log.error("site build failed: %s", result.output)
            if on_build:
                on_build(result)
            continue
        wake = min(due_at.values(), default=now + cfg.watch.interval)
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
