"""What every part of the SQL store shares: the connection, transactions, time, reasons."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from newsdesk.xmltext import xml_safe

MAX_REASON = 1000  # characters of an error kept per item or source


class Cursor(Protocol):
    """What the store reads from a statement's result (DB-API)."""

    @property
    def description(self) -> Any:
        """The result's columns; ``[0]`` of each is its name."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """The remaining rows."""

    def fetchmany(self, size: int = ..., /) -> list[Any]:
        """Up to ``size`` more rows."""

    def __iter__(self) -> Iterator[Any]:
        """The remaining rows, one by one."""


class Database(Protocol):
    """A connection the SQL runs on: ``?`` placeholders, autocommit unless a ``BEGIN``."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor:
        """Run one statement."""

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object:
        """Run one statement once per parameter row."""


def utc_now(offset: float = 0.0) -> str:
    """The current time (plus ``offset`` seconds) as ISO 8601 UTC text, the format of every
    timestamp in the store; such texts sort as the times do."""
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat(timespec="microseconds")


def stored_reason(text: str | None) -> str | None:
    """An error or reason as stored: XML-safe (it may quote a server) and of bounded size."""
    if text is None:
        return None
    text = xml_safe(text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def marks(values: Sequence[object]) -> str:
    """``?, ?, ...`` for an ``IN (...)`` list; ``NULL`` (matches nothing) for none."""
    return ", ".join("?" * len(values)) or "NULL"


class Connected:
    """A part of the store: one serialized connection, shared by all parts.

    A write transaction takes the backend's write lock first (``_BEGIN``), so what it reads
    cannot change before it writes: SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's ``BEGIN`` and
    an advisory lock.
    """

    _db: Database
    _BEGIN: tuple[str, ...] = ("BEGIN IMMEDIATE",)

    @contextmanager
    def _transaction(self) -> Iterator[Database]:
        """BEGIN ... COMMIT, or ROLLBACK on error."""
        db = self._db
        first, *rest = self._BEGIN
        db.execute(first)
        try:
            for statement in rest:
                db.execute(statement)
            yield db
        except BaseException:
            self._rollback()
            raise
        try:
            db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """End a failed transaction; its own failure (no transaction left, a lost
        connection) would only hide the error that matters."""
        with suppress(Exception):
            self._db.execute("ROLLBACK")
