"""``newsdesk run`` with a queue: enqueue what is due, wait while the fleet works, write the
finished posts to the site folder as they arrive, and report per source from the store.

The store, not Redis, is the record of what is left to do: a message lost with a Redis
restart is sent again as soon as the queue is empty and the work it stood for is not done
(a source not polled since the run began, an item not tried in this run). No clock of
another machine is compared with this one's: a source counts as polled once its last poll
time differs from the one read before its message was sent, and the items a run tries are
told apart by the store's own marks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from newsdesk.config import Config, SourceConfig
from newsdesk.errors import Unreachable, storage_error
from newsdesk.layout import Site
from newsdesk.publish.outbox import claim_publishing, recover, write_staged, written_post
from newsdesk.publish.translations import catch_up_now
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
"""Say so when no worker has been seen for this long while work waits."""
GIVE_UP_AFTER = 5
"""Times the work left is sent again, with no progress between, before the run stops
waiting for it (no worker can do it: its source is missing from the workers' config)."""
WARN_AGAIN = 60.0
"""While the queue or the store stays away, say so again this often."""


@dataclass
class _Round:
    """What one run enqueued, and what it needs to know that it is done."""

    site: Site
    cfg: Config
    store: StateStore
    actors: Actors
    sources: list[SourceConfig]
    due: list[SourceConfig]
    started: datetime
    polled_before: dict[str, str] = field(default_factory=dict)
    """Each due source's last poll time (ISO text, "" for never) before this run."""
    waiting: list[SourceConfig] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    """Items whose posts this run wrote (for the ``published`` notification)."""

    def __post_init__(self) -> None:
        self.waiting = list(self.due)
        for source in self.due:
            polled = self.store.source_state(source.name).last_poll_at
            self.polled_before[source.name] = polled.isoformat() if polled else ""

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def unpolled(self) -> list[SourceConfig]:
        """Due sources not polled since the run began (each asked until it was)."""
        self.waiting = [s for s in self.waiting if not self._polled(s.name)]
        return self.waiting

    def _polled(self, name: str) -> bool:
        polled = self.store.source_state(name).last_poll_at
        return (polled.isoformat() if polled else "") != self.polled_before[name]

    def left(self) -> int:
        """Items pending that no one has tried in this run."""
        return self.store.pending_count(self.cfg.fetch.max_attempts, self.names, self.started)

    def send_polls(self, sources: list[SourceConfig]) -> None:
        since = self.started.isoformat()
        for source in sources:
            self.actors.poll.send(source.name, self.polled_before[source.name], since)

    def send_items(self, count: int) -> None:
        since = self.started.isoformat()
        for _ in range(count):
            self.actors.process.send(since)


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
    claim_publishing(site, store, take_over=options.take_over)
    before = {s.name: s for s in store.source_status([s.name for s in sources])}
    recover(site, store)
    written = write_staged(site, store)
    now = utcnow()
    due = []
    for source in sources:
        state = store.source_state(source.name).for_url(source.url)
        if not options.poll:
            continue  # only the items already pending
        if not options.force and state.next_poll_at and state.next_poll_at > now:
            report.source(source.name).not_due = state.next_poll_at
        else:
            due.append(source)
    actors = connect(cfg.queue)
    try:
        work = _Round(site, cfg, store, actors, sources, due, now, written=written)
        try:
            work.send_polls(due)
            # What the queue already holds stands for pending items too (a --no-wait run
            # before this one): only the rest gets a message.
            work.send_items(max(0, work.left() - actors.depth()))
        except Exception as exc:
            raise storage_error(exc) or exc from None
        progress.sources_started(len(due))
        if options.drain:
            _wait(work, options, progress)
            work.written += write_staged(site, store)
            if cfg.translate.to and not options.stop.is_set():
                report.translations = catch_up_now(
                    site, cfg, store, before=now, stop=options.stop.is_set
                )
    finally:
        actors.close()
    _fill(report, work, before)
    if cfg.notify:  # read back only for the ``published`` notification
        report.posts = [
            post
            for item_id in dict.fromkeys(work.written)
            if (post := written_post(site, store, item_id, cfg.site.timezone)) is not None
        ]
    return report


def _wait(work: _Round, options: RunOptions, progress: Progress) -> None:
    """Until the queue is empty, every due source was polled, no item is leased and none
    waits untried; meanwhile posts are written as workers finish them. Redis or the state
    database being away for a while is waited out, as the workers wait it out."""
    watch = _Watch(work, progress)
    outage: str | None = None
    said = 0.0
    while not options.stop.is_set():
        try:
            if watch.done():
                return
            if outage is not None:
                log.warning("reached again: %s", outage)
                outage = None
        except Exception as exc:
            fault = storage_error(exc)
            if not isinstance(fault, Unreachable):
                raise
            if outage is None or time.monotonic() - said > WARN_AGAIN:
                log.warning("waiting: %s", fault)
                said = time.monotonic()
            outage = str(fault)
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
        self.next_look = 0.0
        self.left: tuple[int, int] | None = None

    def done(self) -> bool:
        work, store = self.work, self.work.store
        work.written += write_staged(work.site, store)
        empty = work.actors.depth() == 0
        if not empty and time.monotonic() < self.next_look:
            return False  # the fleet is busy: the rest can wait for the next look
        recover(work.site, store)
        self._no_worker_warning()
        self.next_look = time.monotonic() + RECOVER_EVERY
        unpolled = work.unpolled()
        for _ in range(len(work.due) - len(unpolled) - self.polled):
            self.progress.source_done("")
        self.polled = len(work.due) - len(unpolled)
        if not empty or store.leased_count():
            return False
        left = work.left()
        if not unpolled and not left:
            return True
        # The queue is empty but work is left: its messages were lost (Redis restarted
        # without persistence, say). The store knows what it was: send it again.
        now_left = (len(unpolled), left)
        self.resent = self.resent + 1 if self.left is None or now_left >= self.left else 1
        self.left = now_left
        if self.resent > GIVE_UP_AFTER:
            self._give_up(unpolled, left)
            return True
        work.send_polls(unpolled)
        work.send_items(left)
        self.next_look = 0.0
        return False

    def _give_up(self, unpolled: list[SourceConfig], left: int) -> None:
        self.work.abandoned = [s.name for s in unpolled]
        log.warning(
            "stopped waiting: %d source(s) not polled and %d item(s) not taken by any worker"
            " after %d tries; do the workers' newsdesk.toml files list the same sources?",
            len(unpolled),
            left,
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


def _fill(report: RunReport, work: _Round, before: dict[str, SourceStatus]) -> None:
    """Per-source counts of this run: the differences in the store since it began."""
    polled = {s.name for s in work.due} - {s.name for s in work.waiting}
    for now in work.store.source_status(work.names):
        row, then = report.source(now.name), before[now.name]
        if now.name in polled:
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
