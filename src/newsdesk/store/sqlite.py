"""The embedded ``StateStore``: one SQLite file (WAL), one connection per process.

The SQL is shared with the other backends (``sql/``); this module opens the file, migrates
it and makes throwaway copies of it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsdesk.errors import storage_error
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.sql.base import utc_now
from newsdesk.store.sql.items import ItemsSQL
from newsdesk.store.sql.publishing import PublishingSQL
from newsdesk.store.sql.queue import QueueSQL
from newsdesk.store.sql.reports import ReportsSQL
from newsdesk.store.sql.revisions import RevisionsSQL
from newsdesk.store.sql.sources import SourcesSQL
from newsdesk.store.sql.tables import TablesSQL


class SQLiteStore(
    SourcesSQL, ItemsSQL, PublishingSQL, QueueSQL, ReportsSQL, RevisionsSQL, TablesSQL
):
    """State in a SQLite file. Translation threads may share the connection with the
    pipeline's thread (serialized mode); every other call comes from the pipeline's thread."""

    _db: sqlite3.Connection

    def __init__(self, path: Path | str, *, migrate: bool = True):
        self.path = Path(path) if path != ":memory:" else path
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, isolation_level=None, timeout=30, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise storage_error(exc, Path(path)) or exc from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            if migrate:
                self._migrate()
        except (OSError, sqlite3.Error) as exc:
            self._db.close()
            raise storage_error(exc, Path(path)) or exc from None

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS migrations"
            " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in self._db.execute("SELECT name FROM migrations")}
        for name, statements in MIGRATIONS:
            if name in done:
                continue
            with self._transaction() as db:
                for statement in statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now())
                )

    def _has_table(self, name: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None


@contextmanager
def sqlite_snapshot(path: Path) -> Iterator[SQLiteStore]:
    """A throwaway copy of the store at ``path`` (empty when there is none), migrated on the
    copy: the file at ``path`` is opened read-only and never changed, not even migrated."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-snapshot-") as scratch:
        copy = Path(scratch) / "state.db"
        if path.exists():
            try:
                live = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                target = sqlite3.connect(copy)
                try:
                    live.backup(target)  # a consistent snapshot, WAL included
                finally:
                    target.close()
                    live.close()
            except (OSError, sqlite3.Error) as exc:
                raise storage_error(exc, path) or exc from None
        with SQLiteStore(copy) as store:
            yield store
