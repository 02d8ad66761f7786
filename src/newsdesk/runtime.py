"""What one run shares between its units (sources polled, items processed), and how a unit's
failure is kept to that unit: recorded against it, while the run goes on."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from newsdesk.config import Config, SourceConfig
from newsdesk.errors import StorageError, storage_error
from newsdesk.fetch.guard import Trust, source_trust
from newsdesk.layout import Site
from newsdesk.report import Decision, Failure, Outcome, RunReport
from newsdesk.store import StateStore
from newsdesk.store.urls import state_location

if TYPE_CHECKING:
    from newsdesk.extraction.pool import ExtractionPool
    from newsdesk.fetch import Fetcher
    from newsdesk.fetch.robots import Robots
    from newsdesk.publish.sink import PostSink

log = logging.getLogger("newsdesk")


class Progress(Protocol):
    """What the pipeline tells a progress display."""

    def sources_started(self, total: int) -> None: ...
    def source_done(self, name: str) -> None: ...
    def items_started(self, total: int) -> None: ...
    def item_done(self, source: str, url: str, outcome: str) -> None: ...


class Quiet:
    """A progress display that shows nothing."""

    def sources_started(self, total: int) -> None:
        """Nothing."""

    def source_done(self, name: str) -> None:
        """Nothing."""

    def items_started(self, total: int) -> None:
        """Nothing."""

    def item_done(self, source: str, url: str, outcome: str) -> None:
        """Nothing."""


@dataclass(frozen=True)
class RunOptions:
    """What one run does beyond the defaults."""

    force: bool = False
    """Poll every source now, even those whose server asked for a pause."""
    only: frozenset[str] | None = None
    """Poll only these sources (None: every enabled source)."""
    fetch_articles: bool = True
    """False: poll and register new items, fetch no article (``newsdesk poll``)."""
    poll: bool = True
    """False: poll no source; only process the items already pending (``backfill``)."""
    not_before: datetime | None = None
    """Skip items whose source gave no date and whose page dates them before this (a
    backfill's window)."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set it to stop taking new items; items in flight are finished and recorded."""
    drain: bool = True
    """With a queue: wait until the workers have done what was enqueued, writing posts as
    they finish (False: enqueue, write what is already finished, and return)."""
    take_over: bool = False
    """Make this site folder the one that writes the state store's posts, even though
    another folder did until now (``run --take-over``)."""
    dry_run: bool = False
    """Decide everything, write nothing: state and posts go to a throwaway copy, and no
    translation is paid for."""
    on_fetch: Callable[[str, float], None] | None = None
    """Told the host and the seconds of every HTTP request the run makes (metrics)."""


def lease_owner() -> str:
    """A name for this run's leases: ``host:pid:token``, so that a run on the same machine
    can tell that the owner's process is gone."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_gone(owner: str) -> bool:
    """True when ``owner`` was a process on this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False


@dataclass
class RunContext:
    """One run's shared parts. Every unit reads it; only ``halt`` changes ``fault``."""

    site: Site
    cfg: Config
    store: StateStore
    fetcher: Fetcher
    robots: Robots
    report: RunReport
    progress: Progress
    options: RunOptions
    sink: PostSink
    """Where finished posts go: the site folder, or the store's outbox (workers)."""
    owner: str = field(default_factory=lease_owner)
    pool: ExtractionPool | None = None
    fault: StorageError | None = None
    """Set when the disk or the state database failed: no unit takes new work."""

    @property
    def state_location(self) -> Path | str:
        """What storage errors name: the SQLite file, or the state store's URL."""
        return state_location(self.site, self.cfg.state.url)

    def trust(self, source: SourceConfig) -> Trust:
        """Which of the source's requests may reach non-public addresses."""
        return source_trust(source, self.cfg.fetch)

    def halt(self, fault: StorageError) -> None:
        """Stop taking new work; the run ends with ``fault``."""
        if self.fault is None:
            log.error("stopping: %s", fault)
            self.fault = fault

    @property
    def stopping(self) -> bool:
        """True once the run takes no new work (a stop signal, or a storage fault)."""
        return self.fault is not None or self.options.stop.is_set()

    def unit_failed(self, exc: Exception, record: Callable[[], None]) -> None:
        """What a unit raised: the disk or the state database stops the run; anything else
        is recorded against the unit by ``record``."""
        fault = storage_error(exc, self.state_location)
        if fault is None:
            try:
                record()
                return
            except Exception as again:  # noqa: BLE001 - recording it failed too: say so, go on
                fault = storage_error(again, self.state_location)
                if fault is None:
                    log.error("could not record a failure: %r", again, exc_info=again)
                    return
        self.halt(fault)

    def count(self, source: str, url: str, outcome: Outcome, reason: str, title: str = "") -> None:
        """Count an item's outcome in the report, the log and the progress display."""
        self.report.source(source).count(outcome)
        decision = {Outcome.PUBLISHED: "publish", Outcome.SKIPPED: "skip"}.get(outcome, outcome)
        self.report.decisions.append(Decision(source, url, title, decision, reason))
        if outcome in (Outcome.FAILED, Outcome.RETRY):
            self.report.failures.append(Failure(source, url, reason, outcome is Outcome.RETRY))
        level = logging.WARNING if outcome in (Outcome.FAILED, Outcome.RETRY) else logging.INFO
        message = f"published {reason}" if outcome is Outcome.PUBLISHED else f"{outcome}: {reason}"
        log.log(level, "%s", message, extra={"source": source, "url": url})
        self.progress.item_done(source, url, outcome)

    def fell_back(self, source: str, url: str, reason: str) -> None:
        """A published item's page failed (``reason``): its post has the feed's own text."""
        self.report.source(source).from_feed += 1
        self.report.fallbacks.append(Failure(source, url, reason, retry=False))
        log.warning(
            "published from the feed's text: the page failed: %s",
            reason,
            extra={"source": source, "url": url},
        )


def unexpected_reason(exc: BaseException) -> str:
    """The reason recorded for a bug: the exception's type and message."""
    return f"unexpected error: {type(exc).__name__}: {exc}"
