"""``StateStore``: what the stages and the orchestrator need from the state, and nothing more.

SQLite (``sqlite.py``) is the embedded default, PostgreSQL (``postgres.py``) the shared one
for workers on many machines; both run the SQL in ``sql/``. Any backend that satisfies this
protocol and passes the contract suite (``tests/test_store_contract.py``) can replace them.
Every method is one atomic statement or one transaction: no caller reads a value to write it
back, so several processes may share one store. Items are *leased*: ``claim`` gives each item
to one owner until the lease expires or an outcome releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, Self

from newsdesk.models import FeedEntry
from newsdesk.store.records import (
    Conflict,
    DayActivity,
    ItemRecord,
    ItemStatus,
    KeptPage,
    OutboxEntry,
    PendingItem,
    PollRecord,
    Publication,
    SitemapFile,
    SourceState,
    SourceStatus,
    TranslationBacklog,
    TranslationDue,
    WorkerSeen,
)


class StateStore(Protocol):
    """The state of one site: sources, items, their URLs and fingerprints, caches."""

    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Self:
        """The store itself; ``with`` closes it."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""

    def migrations(self) -> list[str]:
        """Names of the applied schema migrations, in order."""

    # -- sources ----------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        """A source's validators, schedule and failure count (empty for an unknown source)."""

    def record_poll(self, name: str, poll: PollRecord) -> None:
        """A poll succeeded (or said 304): reset the failures, keep the validators it sent.
        A 304 keeps the last counts and validators."""

    def record_poll_failure(
        self,
        name: str,
        url: str,
        *,
        status: int | None,
        error: str,
        next_poll: Callable[[int], datetime],
    ) -> int:
        """A poll failed: count it and schedule the next one at ``next_poll(failures)``, in
        one transaction; returns the consecutive failures."""

    def robots(self, origin: str, max_age: float) -> tuple[int | None, str | None] | None:
        """The stored robots.txt (status, text) of an origin if younger than ``max_age`` s."""

    def save_robots(self, origin: str, status: int | None, text: str | None) -> None:
        """Store an origin's robots.txt answer."""

    def sitemap_files(self, source: str) -> dict[str, SitemapFile]:
        """The child files of ``source``'s sitemap index as last read, by URL."""

    def save_sitemap_file(self, source: str, file: SitemapFile) -> None:
        """Remember how a child file of ``source``'s sitemap index was last read (its
        ``lastmod`` and validators), replacing what was known."""

    def cached_translation(self, key: str) -> str | None:
        """A translation made before, if any."""

    def save_translation(self, key: str, text: str) -> None:
        """Keep a translation so that it is never paid for twice."""

    # -- items ------------------------------------------------------------------------------

    def register(self, item_id: str, url: str, entry: FeedEntry) -> bool:
        """Record a feed entry as a new item; False when its URL (or its guid with the same
        title, from the same source) is already known."""

    def pending_count(
        self, max_attempts: int, sources: list[str] | None = None, since: datetime | None = None
    ) -> int:
        """How many items wait to be published (of ``sources`` only when given; with
        ``since``, not counting those tried and given back at or after it)."""

    def claim(
        self,
        owner: str,
        *,
        limit: int,
        lease_seconds: float,
        max_attempts: int,
        sources: list[str] | None = None,
        since: datetime | None = None,
    ) -> list[PendingItem]:
        """Lease up to ``limit`` pending items to ``owner``, oldest first. An item leased to
        someone else is not given until its lease expires; an item ``owner`` released is not
        given to ``owner`` again (it is retried by a later run, under another owner); with
        ``since``, an item tried and given back (failed for a passing reason, or released)
        at or after ``since`` is not given to anyone: a fleet's run tries each item once."""

    def mark_failed(
        self, item_id: str, reason: str, *, retry: bool, max_attempts: int
    ) -> ItemStatus:
        """Count a failed try of a new item and release the lease: it stays new until
        ``max_attempts`` tries when ``retry``; returns its status afterwards. An item no
        longer new (published meanwhile, say) is left as it is."""

    def mark_skipped(self, item_id: str, reason: str) -> None:
        """The new item is deliberately not published (a duplicate, a filter)."""

    def release(self, item_id: str) -> None:
        """Give a claimed item back untried: no attempt is counted, and its owner does not
        claim it again (a later run does)."""

    def reserve(self, item_id: str, publication: Publication) -> Conflict | None:
        """In one transaction: record the final URL as the item's alias, then either return
        the item that already owns that URL or that story, or record the publication (path,
        URL, words, fingerprint) and mark the item ``PUBLISHING``. A published, reserved or
        staged item with the same story is a conflict; ``Conflict.pending`` only for a
        reserved one (a staged one is published for sure)."""

    def finish(self, item_id: str) -> None:
        """The reserved or staged (``READY``) post is on disk: in one transaction, the item
        is published for good and its outbox entries are deleted (a skipped item's links
        too)."""

    def unreserve(self, item_id: str) -> None:
        """A reservation whose post never reached the disk: the item is new again, and its
        fingerprint no longer counts."""

    def lease_owners(self) -> set[str]:
        """Owners holding leases now."""

    def expire_leases(self, owners: Iterable[str]) -> None:
        """End the leases of owners known to be gone (a killed run on this machine)."""

    def stale_reservations(self) -> list[ItemRecord]:
        """Reserved items whose lease expired: their owner died between reserving and
        finishing. Each is finished or unreserved by whoever finds it."""

    def item(self, item_id: str) -> ItemRecord | None:
        """One item."""

    def items(self, status: ItemStatus | None = None) -> list[ItemRecord]:
        """All items (of one status), by id."""

    def published_before(self, cutoff: datetime) -> list[ItemRecord]:
        """Items first published before ``cutoff`` (for pruning)."""

    def mark_pruned(self, item_id: str, reason: str = "pruned by retention") -> None:
        """The post was deleted (``reason``: by retention, or a rejected draft); the item
        stays as a tombstone so its URL never returns. Its kept page and waiting
        translations go with the post."""

    # -- revisions: posts made again, translations caught up ------------------------------

    def entry(self, item_id: str) -> FeedEntry | None:
        """The feed entry ``item_id`` was registered with (None: unknown, or unreadable)."""

    def revise(self, item_id: str, words: int, fingerprint: list[int] | None) -> None:
        """A published post's text was made again (``reextract``): its words, and its
        fingerprint unless None, follow the new text; one transaction."""

    def keep_page(self, item_id: str, url: str, html: str) -> None:
        """Keep the page ``html`` of a published item, compressed (``[store] keep_html``),
        replacing any kept before."""

    def kept_page(self, item_id: str) -> KeptPage | None:
        """The page kept for ``item_id``, if any."""

    def want_translation(self, item_id: str, language: str, article: str) -> None:
        """``item_id`` needs its ``language`` translation (re)written from ``article`` (JSON,
        ``store/articles.py``): it waits for the next run with no tries counted; the
        failures counted before stay counted."""

    def translations_due(
        self,
        languages: list[str],
        max_attempts: int,
        limit: int = 100,
        *,
        before: datetime | None = None,
    ) -> list[TranslationDue]:
        """Waiting translations into ``languages`` with fewer than ``max_attempts`` tries,
        least recently tried first; with ``before``, only those wanted or tried before it
        (not what this run just recorded)."""

    def translation_failed(
        self, item_id: str, language: str, error: str, *, retry: bool, max_attempts: int
    ) -> bool:
        """Count a failed try; the translation is given up when not ``retry`` or at
        ``max_attempts`` tries. Returns whether it still waits."""

    def translation_done(self, item_id: str, language: str) -> None:
        """The translation is written, or no longer wanted; its failures stay counted."""

    def waiting_translations(self, item_id: str) -> list[str]:
        """The languages ``item_id``'s translations wait in, sorted."""

    def retry_given_up_translations(self) -> int:
        """Every translation given up waits again, with no tries counted (the backend's
        configuration changed); returns how many."""

    def translation_backlog(self) -> TranslationBacklog:
        """Translations waiting and given up, and the backend's failed tries."""

    # -- reporting --------------------------------------------------------------------------

    def source_status(self, names: list[str]) -> list[SourceStatus]:
        """Per-source health and item counts, in the order of ``names``."""

    def last_errors(self, source: str, limit: int = 5) -> list[tuple[str, str]]:
        """The most recent failed items of a source as (url, reason)."""

    def shrinking_sources(
        self, names: list[str], recent: int = 10, before: int = 50, ratio: float = 0.4
    ) -> dict[str, tuple[int, int]]:
        """Sources whose recent posts are much shorter than before (a site rule that broke):
        name -> (median words before, median words now)."""

    def daily_activity(self, names: list[str], since: datetime) -> list[DayActivity]:
        """Per source of ``names`` and UTC day from ``since`` on: posts published (with their
        words) and items given up; days with neither are left out. Sorted by source, day."""

    def last_success(self, names: list[str]) -> dict[str, str | None]:
        """When each source's feed was last read without an error (ISO 8601, or None)."""

    # -- the queue --------------------------------------------------------------------------

    def stage(
        self,
        item_id: str,
        owner: str,
        posts: list[tuple[str, str]],
        images: list[tuple[str, str]] | None = None,
    ) -> bool:
        """A worker finished a reserved item: in one transaction, keep its post files as
        (path relative to the site, text) outbox entries of kind "post" in writing order
        (its main post last), after its ``images`` (path, base64 of the file) as entries of
        kind "image", and make it ``READY``. Only while it is still reserved by ``owner``:
        otherwise (the reservation was taken back) False, and nothing changes."""

    def stage_link(self, item_id: str, path: str, body: str) -> None:
        """Keep a "link" outbox entry for ``item_id`` (skipped as the same story): ``body``
        (JSON ``{"source": ..., "url": ...}``) is a link to add to the post at ``path``."""

    def outbox(self, limit: int = 500) -> list[OutboxEntry]:
        """Staged entries of up to ``limit`` items (never part of an item's), each item's
        together in their order; items with posts before items with links only."""

    def heartbeat(self, name: str, done: int) -> None:
        """Worker ``name`` is alive and has done ``done`` items since it started."""

    def workers(self, within_seconds: float) -> list[WorkerSeen]:
        """Workers seen in the last ``within_seconds`` seconds, by name."""

    def leased_count(self) -> int:
        """Items whose lease has not expired (being worked on)."""

    def ready_count(self) -> int:
        """``READY`` items: staged, waiting for the publisher."""

    def renew_leases(self, owners: Iterable[str], lease_seconds: float) -> int:
        """Extend the live leases of ``owners`` (tasks still working) by ``lease_seconds``
        from now; returns how many items were renewed."""

    def setting(self, key: str, default: str) -> str:
        """A setting of the state; the first process to ask stores ``default``."""

    def change_setting(self, key: str, value: str) -> None:
        """Set a setting of the state."""

    # -- copying ----------------------------------------------------------------------------

    def dump_table(self, name: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """The column names and the rows of one table of the state (``copy.STATE_TABLES``),
        in primary-key order; a table the schema does not have yet reads as empty."""

    def load_tables(
        self, tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
    ) -> dict[str, int]:
        """Insert (table, columns, rows) in one transaction; returns the rows per table.
        Refuses (``StateNotEmptyError``) a store that already holds items or sources."""
