"""The ``StateStore`` in PostgreSQL, for workers on many machines sharing one site's state.

It runs the same SQL as SQLite (``sql/``) through ``PGConnection``, which rewrites the
``?`` placeholders and reconnects when the server was restarted. Write transactions take one
advisory lock right after ``BEGIN``, so they are serialized as SQLite's ``BEGIN IMMEDIATE``
serializes them: a claim, a reservation or a registration reads and writes with no other
write in between, whichever process it comes from. This module is the only one that imports
psycopg; ``open_store`` imports it for a ``postgresql://`` state URL only.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import psycopg

from newsdesk.errors import ConfigError, redact_url, storage_error
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.sql.base import Cursor, utc_now
from newsdesk.store.sql.items import ItemsSQL
from newsdesk.store.sql.publishing import PublishingSQL
from newsdesk.store.sql.queue import QueueSQL
from newsdesk.store.sql.reports import ReportsSQL
from newsdesk.store.sql.revisions import RevisionsSQL
from newsdesk.store.sql.sources import SourcesSQL
from newsdesk.store.sql.tables import TablesSQL

CONNECT_TIMEOUT = 5  # seconds
WRITE_LOCK = 0x6E657773  # the advisory lock of every write transaction ("news")


@lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """``sql`` with psycopg's placeholders: ``?`` outside string literals becomes ``%s``,
    a literal ``%`` becomes ``%%``."""
    out: list[str] = []
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


def pg_ddl(statement: str) -> str:
    """A migration statement for PostgreSQL: texts compare and sort by their bytes, as in
    SQLite, whatever the database's locale; integers have SQLite's 64 bits; bytes are
    ``BYTEA``."""
    statement = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)
    statement = re.sub(r"\bBLOB\b", "BYTEA", statement)
    return re.sub(r"\bINTEGER\b", "BIGINT", statement)


class _NoRows:
    """The result of a ROLLBACK on a connection already lost."""

    description = None

    def fetchone(self) -> Any:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def fetchmany(self, size: int = 1, /) -> list[Any]:
        return []

    def __iter__(self) -> Any:
        return iter(())


class PGConnection:
    """A psycopg connection in autocommit mode (transactions are explicit ``BEGIN``s) that
    takes the store's ``?`` placeholders. A lost connection fails the call that finds it
    lost; the next call outside a transaction connects again."""

    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._closed = False
        self._in_transaction = False
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="newsdesk",
        )

    def _live(self) -> psycopg.Connection[tuple[Any, ...]]:
        conn = self._conn
        if not (conn.closed or conn.broken):
            return conn
        if self._closed:
            raise psycopg.OperationalError("the state store was closed")
        if self._in_transaction:
            raise psycopg.OperationalError("the connection was lost during a transaction")
        with self._lock:
            if self._conn.closed or self._conn.broken:
                self._conn.close()
                self._conn = self._connect()
            return self._conn

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        """Run one statement (``?`` placeholders)."""
        if sql in ("COMMIT", "ROLLBACK"):
            self._in_transaction = False
            if self._conn.closed or self._conn.broken:
                if sql == "ROLLBACK":
                    return _NoRows()  # the server ended the transaction with the connection
                raise psycopg.OperationalError("the connection was lost before COMMIT")
        conn = self._live()
        cursor = conn.execute(pg_sql(sql), params) if params else conn.execute(sql)
        if sql.startswith("BEGIN"):
            self._in_transaction = True
        return cursor

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object:
        """Run one statement once per parameter row."""
        with self._live().cursor() as cursor:
            cursor.executemany(pg_sql(sql), params)
        return None

    def close(self) -> None:
        """Close the connection for good."""
        self._closed = True
        self._conn.close()


class PostgresStore(
    SourcesSQL, ItemsSQL, PublishingSQL, QueueSQL, ReportsSQL, RevisionsSQL, TablesSQL
):
    """State in a PostgreSQL database (one database per site), shared by any number of
    processes on any number of machines."""

    _db: PGConnection
    # One round trip: both statements in one simple query.
    _BEGIN = (f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})",)

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        try:
            self._db = PGConnection(url)
        except psycopg.Error as exc:
            raise storage_error(exc, url) or _refused(exc, url) from None
        try:
            if migrate:
                self._migrate()
        except psycopg.Error as exc:
            self._db.close()
            raise storage_error(exc, url) or exc from None

    def __repr__(self) -> str:
        return f"PostgresStore({redact_url(self.url)!r})"

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _applied(self) -> set[str]:
        if not self._has_table("migrations"):
            return set()
        return {row[0] for row in self._db.execute("SELECT name FROM migrations")}

    def _migrate(self) -> None:
        """Apply what is missing, in one transaction under the write lock: processes that
        start together wait for the first one's migrations, then find nothing to do."""
        if {name for name, _ in MIGRATIONS} <= self._applied():
            return
        with self._transaction() as db:
            db.execute(
                pg_ddl(
                    "CREATE TABLE IF NOT EXISTS migrations"
                    " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
            )
            done = self._applied()
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for statement in statements:
                    db.execute(pg_ddl(statement))
                db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now())
                )

    def _has_table(self, name: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?",
            (name,),
        ).fetchone()
        return row is not None


def _refused(exc: psycopg.Error, url: str) -> ConfigError:
    """A URL libpq will not use (a bad parameter, say), said without its password."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    secrets = [p for p in (_password(url),) if p]
    for secret in secrets:
        detail = detail.replace(secret, "***")
    return ConfigError(f"[state] url {redact_url(url)} cannot be used: {detail}")


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None
