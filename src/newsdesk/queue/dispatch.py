"""``newsdesk run`` with a queue: enqueue what is due, wait while the fleet works, write the
finished posts to the site folder as they arrive, and report per source from the store.

The store, not Redis, is the record of what is left to do: a message lost with a Redis
restart is sent again as soon as the queue is empty and the work it stood for is not done
(a source not polled since the run began, an item never tried).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from newsdesk.config import Config, SourceConfig
from newsdesk.errors import storage_error
from newsdesk.layout import Site
from newsdesk.publish.outbox import recover, write_staged
from newsdesk.queue.broker import Actors, connect
from newsdesk.report import Failure, RunReport
from newsdesk.runtime import Progress, RunOptions
from newsdesk.schedule import utcnow
from newsdesk.store import SourceStatus, StateStore

log = logging.getLogger("newsdesk")

CHECK_EVERY = 0.25
"""Seconds between looks at the queue and the outbox while the fleet works."""
RECOVER_EVERY = 2.0
"""Seconds between looks for what dead workers left (and for no worker at all)."""
NO_WORKER_WARNING = 60.0
GIVE_UP_AFTER = 5
"""Times the work left is sent again, with no progress between, before the run stops
waiting for it (no worker can do it: its source is missing from the workers' config)."""
"""Say so when no worker has been seen for this long while work waits."""


@dataclass
class _Round:
    """What one run enqueued, and what it needs to know that it is done."""

    site: Site
    cfg: Config
    store: StateStore
    actors: Actors
    sources: list[SourceConfig]
    due: list[SourceConfig]
    started: str
    waiting: list[SourceConfig] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.waiting = list(self.due)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def unpolled(self) -> list[SourceConfig]:
        """Due sources not polled since the run began (each asked until it was)."""
        since = datetime.fromisoformat(self.started)
        self.waiting = [
            s
            for s in self.waiting
            if (polled := self.store.source_state(s.name).last_poll_at) is None or polled < since
        ]
        return self.waiting

    def send_polls(self, sources: list[SourceConfig]) -> None:
        for source in sources:
            self.actors.poll.send(source.name, self.started)

    def send_items(self, count: int) -> None:
        for _ in range(count):
            self.actors.process.send()


def run_queued(
    site: Site, cfg: Config, store: StateStore, options: RunOptions, progress: Progress
) -> RunReport:
    """Enqueue the due sources and the pending items, then (unless ``options.drain`` is
    off) wait until the queue has drained, writing posts as they come; returns the report."""
    sources = [
        s for s in cfg.sources if s.enabled and (options.only is None or s.name in options.only)
    ]
    report = RunReport()
    for source in sources:
        report.source(source.name)
    recover(site, store)
    write_staged(site, store)
    now = utcnow()
    due = []
    for source in sources:
        state = store.source_state(source.name)
        if not options.force and state.next_poll_at and state.next_poll_at > now:
            report.source(source.name).not_due = state.next_poll_at
        else:
            due.append(source)
    before = {s.name: s for s in store.source_status([s.name for s in sources])}
    actors = connect(cfg.queue)
    try:
        work = _Round(site, cfg, store, actors, sources, due, now.isoformat())
        work.send_polls(due)
        work.send_items(store.pending_count(cfg.fetch.max_attempts, work.names))
        progress.sources_started(len(due))
        if options.drain:
            _wait(work, options, progress)
        write_staged(site, store)
    finally:
        actors.broker.close()
    _fill(report, work, before)
    return report


def _wait(work: _Round, options: RunOptions, progress: Progress) -> None:
    """Until the queue is empty, every due source was polled, no item is leased and none
    waits untried; meanwhile posts are written as workers finish them. Redis or the state
    database being away for a while is waited out, as the workers wait it out."""
    watch = _Watch(work, progress)
    outage: str | None = None
    while not options.stop.is_set():
        try:
            if watch.done():
                return
            if outage is not None:
                log.warning("reached again: %s", outage)
                outage = None
        except Exception as exc:  # noqa: BLE001 - only an outage is waited out
            reason = _outage(exc)
            if reason is None:
                raise
            if outage is None:
                log.warning("waiting: %s", reason)
            outage = reason
        options.stop.wait(CHECK_EVERY)


class _Watch:
    """One look at the fleet's progress at a time."""

    def __init__(self, work: _Round, progress: Progress):
        self.work = work
        self.progress = progress
        self.polled = 0
        self.idle_since = time.monotonic()
        self.warned = False
        self.resent = 0
        self.next_recovery = 0.0
        self.left: tuple[int, int] | None = None

    def done(self) -> bool:
        work, store = self.work, self.work.store
        if time.monotonic() >= self.next_recovery:
            recover(work.site, store)
            self._no_worker_warning()
            self.next_recovery = time.monotonic() + RECOVER_EVERY
        write_staged(work.site, store)
        unpolled = work.unpolled()
        for _ in range(len(work.due) - len(unpolled) - self.polled):
            self.progress.source_done("")
        self.polled = len(work.due) - len(unpolled)
        if work.actors.depth() == 0 and store.leased_count() == 0:
            untried = store.pending_count(1, work.names)
            if not unpolled and not untried:
                return True
            # The queue is empty but work is left: its messages were lost (Redis restarted
            # without persistence, say). The store knows what it was: send it again.
            left = (len(unpolled), untried)
            self.resent = self.resent + 1 if self.left is None or left >= self.left else 1
            self.left = left
            if self.resent > GIVE_UP_AFTER:
                self._give_up(unpolled, untried)
                return True
            work.send_polls(unpolled)
            work.send_items(untried)
            self.next_recovery = 0.0  # a lease that ran out may be why: look at once
        return False

    def _give_up(self, unpolled: list[SourceConfig], untried: int) -> None:
        self.work.abandoned = [s.name for s in unpolled]
        log.warning(
            "stopped waiting: %d source(s) not polled and %d item(s) not taken by any worker"
            " after %d tries; do the workers' newsdesk.toml files list the same sources?",
            len(unpolled),
            untried,
            GIVE_UP_AFTER,
        )

    def _no_worker_warning(self) -> None:
        store = self.work.store
        if store.workers(NO_WORKER_WARNING) or store.leased_count():
            self.idle_since = time.monotonic()
        elif not self.warned and time.monotonic() - self.idle_since > NO_WORKER_WARNING:
            log.warning(
                "no worker has been seen for %d s: start one with `newsdesk worker --site %s`",
                NO_WORKER_WARNING,
                self.work.site.root,
            )
            self.warned = True


def _outage(exc: Exception) -> str | None:
    """What is unreachable, when ``exc`` says Redis or the state database is away."""
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    if isinstance(exc, RedisDown | RedisSlow):
        return f"the queue is unreachable ({exc})"
    fault = storage_error(exc)
    if fault is not None and not isinstance(exc, OSError):
        return f"the state store is unreachable ({fault})"
    return None


def _fill(report: RunReport, work: _Round, before: dict[str, SourceStatus]) -> None:
    """Per-source counts of this run: the differences in the store since it began."""
    started = work.started
    for now in work.store.source_status(work.names):
        row, then = report.source(now.name), before[now.name]
        if now.last_poll_at and now.last_poll_at >= started:
            row.status = now.last_status
            row.error = now.last_error
            row.seen = now.seen if not now.last_error else 0
        if now.name in work.abandoned:
            row.error = "no worker polled it: is the source in the workers' newsdesk.toml?"
        row.new = max(0, _registered(now) - _registered(then))
        row.published = max(0, now.published - then.published)
        row.skipped = max(0, now.skipped - then.skipped)
        row.failed = max(0, now.failed - then.failed)
        if row.failed:
            for url, reason in work.store.last_errors(now.name, row.failed):
                report.failures.append(Failure(now.name, url, reason, retry=False))


def _registered(status: SourceStatus) -> int:
    return status.new + status.published + status.failed + status.skipped + status.ready
