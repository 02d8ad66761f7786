"""What every part of the SQLite store shares: the connection, transactions, time, reasons."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from newsdesk.xmltext import xml_safe

MAX_REASON = 1000  # characters of an error kept per item or source


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


def marks(values: list[str]) -> str:
    """``?, ?, ...`` for an ``IN (...)`` list; ``NULL`` (matches nothing) for none."""
    return ", ".join("?" * len(values)) or "NULL"


class Connected:
    """A part of the store: one serialized connection, shared by all parts."""

    _db: sqlite3.Connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: the write lock is taken first,
        so what the transaction reads cannot change before it writes."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
