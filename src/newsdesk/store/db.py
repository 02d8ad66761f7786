"""The state database: sources, items and the URLs they are known by.

All SQL lives in this module and ``migrations.py``. Statements use only portable SQL so that a
PostgreSQL backend can implement the same ``Store`` methods without touching the stages.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdesk.errors import storage_error
from newsdesk.models import FeedEntry
from newsdesk.sources.dates import parse_date
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.minhash import bands, decode, encode, similarity
from newsdesk.xmltext import xml_safe

NEW, PUBLISHED, FAILED, SKIPPED = "new", "published", "failed", "skipped"
PRUNED = "pruned"  # a tombstone: the post was removed, the URL is never imported again


MAX_REASON = 1000  # characters of an error kept per item or source


def _reason(text: str | None) -> str | None:
    """An error or reason as stored: XML-safe (it may quote a server) and of bounded size."""
    if text is None:
        return None
    text = xml_safe(text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def utc_now() -> str:
    """The current time as ISO 8601 UTC text, the format of every timestamp in the store."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class PendingItem:
    """An item registered but not yet published or given up."""

    id: str
    url: str
    attempts: int
    entry: FeedEntry


@dataclass(frozen=True, slots=True)
class SourceState:
    """What polling a source needs to remember between runs."""

    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What ``newsdesk status`` shows for one source."""

    name: str
    url: str
    last_poll_at: str | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_poll_at: str | None
    seen: int
    new: int
    published: int
    failed: int
    skipped: int


def _entry_json(entry: FeedEntry) -> str:
    data = asdict(entry)
    data["published"] = entry.published.isoformat() if entry.published else None
    return json.dumps(data, ensure_ascii=False)


def _entry_from_json(text: str) -> FeedEntry:
    data: dict[str, Any] = json.loads(text)
    data["published"] = parse_date(data.get("published"))
    data["authors"] = tuple(data.get("authors") or ())
    return FeedEntry(**data)


class Store:
    """State in a SQLite file; one instance per process. The pipeline's thread does all the
    work, except that translation threads read and write the translation cache (a cache write
    that lands inside a pipeline transaction commits or rolls back with it: harmless)."""

    def __init__(self, path: Path | str):
        self.path = path
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Serialized SQLite: translation threads may read and write the cache table.
            self.db = sqlite3.connect(
                path, isolation_level=None, timeout=30, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise storage_error(exc, Path(path)) or exc from None
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            self.db.close()
            raise storage_error(exc, Path(path)) or exc from None

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations"
            " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        for name, statements in MIGRATIONS:
            if name in done:
                continue
            with self.transaction():
                for statement in statements:
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now())
                )

    def migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY name")]

    def transaction(self) -> Any:
        """A context manager: BEGIN ... COMMIT, or ROLLBACK on error."""
        return _Transaction(self.db)

    # -- sources ----------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        """The conditional-GET validators, next poll time and failure count of a source."""
        row = self.db.execute(
            "SELECT etag, last_modified, next_poll_at, consecutive_failures FROM sources"
            " WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return SourceState()
        when = datetime.fromisoformat(row[2]) if row[2] else None
        return SourceState(row[0], row[1], when, row[3])

    def record_poll(
        self,
        name: str,
        url: str,
        *,
        status: int | None,
        error: str | None,
        seen: int = 0,
        new: int = 0,
        feed_title: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        next_poll_at: datetime | None = None,
        not_modified: bool = False,
    ) -> None:
        """Remember the outcome of polling a source.

        A failure keeps the last good counts and validators; a 304 keeps them too.
        """
        now = utc_now()
        keep = 1 if (error or not_modified) else 0
        next_at = (
            next_poll_at.astimezone(UTC).isoformat(timespec="seconds") if next_poll_at else None
        )
        self.db.execute(
            """INSERT INTO sources (name, url, feed_title, last_poll_at, last_ok_at, last_status,
                   last_error, last_seen, last_new, consecutive_failures, etag, last_modified,
                   next_poll_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET
                   url = excluded.url,
                   feed_title = COALESCE(excluded.feed_title, sources.feed_title),
                   last_poll_at = excluded.last_poll_at,
                   last_ok_at = COALESCE(excluded.last_ok_at, sources.last_ok_at),
                   last_status = excluded.last_status,
                   last_error = excluded.last_error,
                   last_seen = CASE WHEN ? = 1 THEN sources.last_seen
                                    ELSE excluded.last_seen END,
                   last_new = excluded.last_new,
                   consecutive_failures = CASE WHEN excluded.last_error IS NULL THEN 0
                                          ELSE sources.consecutive_failures + 1 END,
                   etag = CASE WHEN ? = 1 THEN sources.etag ELSE excluded.etag END,
                   last_modified = CASE WHEN ? = 1 THEN sources.last_modified
                                        ELSE excluded.last_modified END,
                   next_poll_at = excluded.next_poll_at""",
            (
                name,
                url,
                feed_title,
                now,
                None if error else now,
                status,
                _reason(error),
                seen,
                new,
                1 if error else 0,
                etag,
                last_modified,
                next_at,
                keep,
                keep,
                keep,
            ),
        )

    # -- robots.txt -------------------------------------------------------------------------

    def robots(self, origin: str, max_age: float) -> tuple[int | None, str | None] | None:
        """The stored robots.txt (status, text) of an origin if younger than ``max_age`` s."""
        row = self.db.execute(
            "SELECT fetched_at, status, body FROM robots WHERE origin = ?", (origin,)
        ).fetchone()
        if row is None:
            return None
        age = datetime.now(UTC) - datetime.fromisoformat(row[0])
        return (row[1], row[2]) if age.total_seconds() < max_age else None

    def save_robots(self, origin: str, status: int | None, text: str | None) -> None:
        """Store an origin's robots.txt answer."""
        self.db.execute(
            """INSERT INTO robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)
               ON CONFLICT (origin) DO UPDATE SET fetched_at = excluded.fetched_at,
                   status = excluded.status, body = excluded.body""",
            (origin, utc_now(), status, text),
        )

    # -- items ------------------------------------------------------------------------------

    def known(self, url: str) -> bool:
        """True when a canonical URL belongs to an item already (from any source)."""
        row = self.db.execute("SELECT 1 FROM aliases WHERE url = ?", (url,)).fetchone()
        return row is not None

    def register(self, item_id: str, url: str, entry: FeedEntry) -> bool:
        """Record a feed entry as a new item; False when it is already known.

        Items are identified by their canonical URL. The guid only recognises an item whose
        link changed: the same guid with the same title is the same story. Some feeds give
        one guid to every entry; trusting the guid alone would lose all but the first.
        """
        with self.transaction():
            if self.known(url):
                return False
            if entry.guid and entry.title:
                row = self.db.execute(
                    "SELECT 1 FROM items WHERE source = ? AND guid = ? AND title = ?",
                    (entry.source, entry.guid, entry.title),
                ).fetchone()
                if row is not None:
                    return False
            if self.db.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone():
                return False
            now = utc_now()
            self.db.execute(
                """INSERT INTO items (id, url, source, guid, title, status, attempts, entry,
                       first_seen_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)""",
                (
                    item_id,
                    url,
                    entry.source,
                    entry.guid,
                    entry.title,
                    NEW,
                    _entry_json(entry),
                    now,
                    now,
                ),
            )
            self.db.execute("INSERT INTO aliases (url, item_id) VALUES (?, ?)", (url, item_id))
        return True

    def pending(
        self, max_attempts: int, sources: list[str] | None = None, page: int = 500
    ) -> Iterator[PendingItem]:
        """Items still to publish (new, fewer than ``max_attempts`` failures), oldest first,
        of ``sources`` only when given.

        Streamed a page at a time (keyset pagination), so memory does not grow with the
        backlog, and items updated while iterating are not seen twice.
        """
        where, args = self._pending_where(max_attempts, sources)
        after = ("", "")
        while True:
            rows = self.db.execute(
                "SELECT id, url, attempts, entry, first_seen_at FROM items WHERE "
                + where
                + " AND (first_seen_at > ? OR (first_seen_at = ? AND id > ?))"
                " ORDER BY first_seen_at, id LIMIT ?",
                (*args, after[0], after[0], after[1], page),
            ).fetchall()
            if not rows:
                return
            for item_id, url, attempts, entry, _ in rows:
                try:
                    decoded = _entry_from_json(entry)
                except (ValueError, TypeError, KeyError) as exc:  # a hand-edited row, say
                    reason = f"the stored feed entry cannot be read ({exc})"
                    self.mark_failed(item_id, reason, retry=False, max_attempts=1)
                    continue
                yield PendingItem(item_id, url, attempts, decoded)
            after = (rows[-1][4], rows[-1][0])

    def pending_count(self, max_attempts: int, sources: list[str] | None = None) -> int:
        """How many items wait to be published (of ``sources`` only when given)."""
        where, args = self._pending_where(max_attempts, sources)
        row = self.db.execute("SELECT COUNT(*) FROM items WHERE " + where, args).fetchone()
        return int(row[0])

    @staticmethod
    def _pending_where(
        max_attempts: int, sources: list[str] | None
    ) -> tuple[str, tuple[object, ...]]:
        where = "status = ? AND attempts < ?"
        args: tuple[object, ...] = (NEW, max_attempts)
        if sources is not None:
            marks = ", ".join("?" * len(sources)) or "NULL"  # IN (NULL) matches nothing
            where += f" AND source IN ({marks})"
            args += tuple(sources)
        return where, args

    def add_alias(self, url: str, item_id: str) -> str | None:
        """Record that ``item_id`` is also known by ``url``; returns the id of another item
        that already owns the URL (a duplicate), else None."""
        row = self.db.execute("SELECT item_id FROM aliases WHERE url = ?", (url,)).fetchone()
        if row is not None:
            return None if row[0] == item_id else str(row[0])
        self.db.execute(
            "INSERT INTO aliases (url, item_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
            (url, item_id),
        )
        return None

    def mark_published(
        self, item_id: str, *, path: str, final_url: str, words: int | None = None
    ) -> None:
        """The post file is on disk: the item is done for good."""
        now = utc_now()
        self.db.execute(
            """UPDATE items SET status = ?, reason = NULL, path = ?, final_url = ?,
                   updated_at = ?, published_at = ?, words = ? WHERE id = ?""",
            (PUBLISHED, path, final_url, now, now, words, item_id),
        )

    def near_duplicate(self, sig: list[int], threshold: float) -> str | None:
        """A published item whose text is at least ``threshold`` similar (MinHash/LSH)."""
        checked: set[str] = set()
        for band, value in bands(sig):
            for item_id, stored in self.db.execute(
                "SELECT f.item_id, i.fingerprint FROM fingerprints f JOIN items i"
                " ON i.id = f.item_id WHERE f.band = ? AND f.value = ? AND i.status = ?",
                (band, value, PUBLISHED),
            ):
                if item_id in checked or not stored:
                    continue
                checked.add(item_id)
                if similarity(decode(stored), sig) >= threshold:
                    return str(item_id)
        return None

    def save_fingerprint(self, item_id: str, sig: list[int]) -> None:
        """Remember an item's MinHash signature for later near-duplicate lookups."""
        with self.transaction():
            self.db.execute("UPDATE items SET fingerprint = ? WHERE id = ?", (encode(sig), item_id))
            for band, value in bands(sig):
                self.db.execute(
                    "INSERT INTO fingerprints (band, value, item_id) VALUES (?, ?, ?)"
                    " ON CONFLICT (band, value, item_id) DO NOTHING",
                    (band, value, item_id),
                )

    def cached_translation(self, key: str) -> str | None:
        """A translation made before, if any."""
        row = self.db.execute("SELECT text FROM translations WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def save_translation(self, key: str, text: str) -> None:
        """Keep a translation so that it is never paid for twice."""
        self.db.execute(
            "INSERT INTO translations (key, text, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (key, text, utc_now()),
        )

    def published_before(self, cutoff: datetime) -> list[dict[str, Any]]:
        """Published items first published before ``cutoff`` (for pruning)."""
        cursor = self.db.execute(
            "SELECT id, url, path FROM items WHERE status = ? AND published_at < ?",
            (PUBLISHED, cutoff.astimezone(UTC).isoformat(timespec="microseconds")),
        )
        return [{"id": r[0], "url": r[1], "path": r[2]} for r in cursor.fetchall()]

    def mark_pruned(self, item_id: str) -> None:
        """The post was deleted; the item stays as a tombstone so its URL never returns."""
        with self.transaction():
            self.db.execute(
                "UPDATE items SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
                (PRUNED, "pruned by retention", utc_now(), item_id),
            )
            self.db.execute("DELETE FROM fingerprints WHERE item_id = ?", (item_id,))

    def shrinking_sources(
        self, names: list[str], recent: int = 10, before: int = 50, ratio: float = 0.4
    ) -> dict[str, tuple[int, int]]:
        """Sources whose recent posts are much shorter than before (a site rule that broke):
        name -> (median words before, median words now)."""
        flagged: dict[str, tuple[int, int]] = {}
        for name in names:
            words = [
                row[0]
                for row in self.db.execute(
                    "SELECT words FROM items WHERE source = ? AND status = ? AND words IS NOT NULL"
                    " ORDER BY published_at DESC, id DESC LIMIT ?",
                    (name, PUBLISHED, recent + before),
                )
            ]
            now, earlier = sorted(words[:recent]), sorted(words[recent:])
            if len(now) < recent or len(earlier) < recent:
                continue
            median_now, median_before = now[len(now) // 2], earlier[len(earlier) // 2]
            if median_now < ratio * median_before:
                flagged[name] = (median_before, median_now)
        return flagged

    def mark_failed(self, item_id: str, reason: str, *, retry: bool, max_attempts: int) -> str:
        """Count a failed attempt. A retryable failure leaves the item new until
        ``max_attempts`` is reached; returns the item's status afterwards."""
        row = self.db.execute("SELECT attempts FROM items WHERE id = ?", (item_id,)).fetchone()
        attempts = (row[0] if row else 0) + 1
        status = NEW if retry and attempts < max_attempts else FAILED
        self.db.execute(
            "UPDATE items SET status = ?, reason = ?, attempts = ?, updated_at = ? WHERE id = ?",
            (status, _reason(reason), attempts, utc_now(), item_id),
        )
        return status

    def mark_skipped(self, item_id: str, reason: str) -> None:
        """The item is deliberately not published (a duplicate, a filter)."""
        self.db.execute(
            "UPDATE items SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
            (SKIPPED, _reason(reason), utc_now(), item_id),
        )

    def item(self, item_id: str) -> dict[str, Any] | None:
        """One item's row as a dict (for tests and diagnostics)."""
        cursor = self.db.execute("SELECT * FROM items WHERE id = ?", (item_id,))
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def items(self, status: str | None = None) -> list[dict[str, Any]]:
        """All items, optionally of one status (for tests and diagnostics)."""
        sql = "SELECT * FROM items" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        cursor = self.db.execute(sql, (status,) if status else ())
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- reporting --------------------------------------------------------------------------

    def source_status(self, names: list[str]) -> list[SourceStatus]:
        """Per-source health and item counts, in the order of ``names``."""
        counts: dict[tuple[str, str], int] = {
            (source, status): n
            for source, status, n in self.db.execute(
                "SELECT source, status, COUNT(*) FROM items GROUP BY source, status"
            )
        }
        rows = {
            row[0]: row
            for row in self.db.execute(
                "SELECT name, url, last_poll_at, last_status, last_error, consecutive_failures,"
                " last_seen, next_poll_at FROM sources"
            )
        }
        out = []
        for name in names:
            row = rows.get(name, (name, "", None, None, None, 0, 0, None))
            out.append(
                SourceStatus(
                    name=name,
                    url=row[1],
                    last_poll_at=row[2],
                    last_status=row[3],
                    last_error=row[4],
                    consecutive_failures=row[5],
                    next_poll_at=row[7],
                    seen=row[6],
                    new=counts.get((name, NEW), 0),
                    published=counts.get((name, PUBLISHED), 0),
                    failed=counts.get((name, FAILED), 0),
                    skipped=counts.get((name, SKIPPED), 0),
                )
            )
        return out

    def last_errors(self, source: str, limit: int = 5) -> list[tuple[str, str]]:
        """The most recent failed items of a source as (url, reason)."""
        return [
            (url, reason or "")
            for url, reason in self.db.execute(
                "SELECT url, reason FROM items WHERE source = ? AND status = ?"
                " ORDER BY updated_at DESC LIMIT ?",
                (source, FAILED, limit),
            )
        ]


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
