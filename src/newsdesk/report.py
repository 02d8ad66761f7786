"""What a run did, per source, for the summary table and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """What became of one item in a run."""

    PUBLISHED = "published"
    SKIPPED = "skipped"
    RETRY = "retry"  # failed for a passing reason: tried again by a later run
    FAILED = "failed"  # given up, with its reason


@dataclass(slots=True)
class SourceReport:
    """One source's outcome in one run."""

    name: str
    status: int | None = None
    error: str | None = None
    seen: int = 0
    new: int = 0
    published: int = 0
    failed: int = 0
    retry: int = 0
    skipped: int = 0
    from_feed: int = 0
    """Published with the feed's own text because the page failed (also in ``published``)."""
    not_due: datetime | None = None

    def count(self, outcome: Outcome) -> None:
        """Count one item's outcome."""
        if outcome is Outcome.PUBLISHED:
            self.published += 1
        elif outcome is Outcome.SKIPPED:
            self.skipped += 1
        elif outcome is Outcome.RETRY:
            self.retry += 1
        else:
            self.failed += 1


@dataclass(slots=True)
class Failure:
    """An item that did not become a post in this run, and why."""

    source: str
    url: str
    reason: str
    retry: bool


@dataclass(frozen=True, slots=True)
class PublishedPost:
    """A post a run wrote, as a notification describes it."""

    title: str
    url: str
    path: str
    source: str
    date: str
    summary: str
    tags: tuple[str, ...]


@dataclass(slots=True)
class Decision:
    """What happened to one item, for ``--dry-run`` and logs."""

    source: str
    url: str
    title: str
    outcome: str  # publish | skip | failed | retry | translate (a dry run's "would translate")
    detail: str  # the post path, or the reason


@dataclass(slots=True)
class CaughtUp:
    """Translations of earlier posts a run wrote (``publish/translations.py``), tries that
    failed, and how many still wait for a later run."""

    written: int = 0
    failed: int = 0
    waiting: int = 0


@dataclass(slots=True)
class RunReport:
    """The outcome of one ``newsdesk run``."""

    sources: dict[str, SourceReport] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    fallbacks: list[Failure] = field(default_factory=list)
    """Items published from the feed's text because their page failed, and why it failed."""
    posts: list[PublishedPost] = field(default_factory=list)
    """The posts written, for notifications (a fleet's workers report theirs elsewhere)."""
    decisions: list[Decision] = field(default_factory=list)
    translations: CaughtUp = field(default_factory=CaughtUp)
    """Translations of earlier posts caught up by this run."""

    def source(self, name: str) -> SourceReport:
        """The report of source ``name``, created on first use."""
        return self.sources.setdefault(name, SourceReport(name))

    @property
    def published(self) -> int:
        """Posts written in this run."""
        return sum(s.published for s in self.sources.values())

    @property
    def failed(self) -> int:
        """Items given up or left for a retry in this run."""
        return sum(s.failed + s.retry for s in self.sources.values())

    @property
    def source_errors(self) -> int:
        """Sources whose feed could not be polled."""
        return sum(1 for s in self.sources.values() if s.error)
