"""Errors newsdesk raises, each with one job.

NewsdeskError                 base class: anything newsdesk reports to a user
├── ConfigError               newsdesk.toml is missing, unreadable or invalid (exit code 2)
├── SiteLockedError           another run holds the site's lock
├── StorageError              the machine, not the input: disk full, read-only folder,
│                             unreadable or damaged state database (stops the run)
├── Fail                      a stage could not do its work on an item or a source;
│   │                         ``retry``: worth trying again in a later run
│   ├── FetchError            an HTTP request failed (status, timeout, size, type);
│   │   │                     ``retry`` is true for timeouts, resets, 5xx and 429
│   │   └── AddressRefused    (fetch/guard.py) a third-party URL leads inside the network
│   ├── FeedError             a response is not a feed newsdesk can read
│   └── ExtractionFailed      neither the page nor the feed gave any text
└── Skip                      an item is deliberately not published (reason in the message)

A stage takes a record and returns the next one, or raises ``Skip`` or ``Fail`` (think
scrapy's ``DropItem``).

Everything else a source or an item raises is a bug on that unit's input: it is recorded
against the unit and the run goes on (runtime.py). A ``StorageError`` is the exception: no
other unit could do better, so the run stops with the message and the state as it was.
"""

from __future__ import annotations

import errno
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class NewsdeskError(Exception):
    """Base class of every error newsdesk reports to a user."""


class ConfigError(NewsdeskError):
    """The site's configuration cannot be used; the message names the key."""


class SiteLockedError(NewsdeskError):
    """Another newsdesk process is working on the same site."""


class StorageError(NewsdeskError):
    """The site's files or state cannot be read or written; the message says what to do."""


class Unreachable(StorageError):
    """The state database or the queue is away for now (a restart, the network): waited out
    and tried again, never counted against an item."""


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
_STORAGE_ERRNOS = _FULL | _NOT_WRITABLE | {errno.EIO, errno.EMFILE, errno.ENFILE}


def storage_error(exc: BaseException, state_db: Path | str | None = None) -> StorageError | None:
    """``exc`` as a StorageError when the disk or the state database is at fault, else None.

    Args:
        exc: what was raised.
        state_db: the state database (a SQLite file's path, or the state URL), named in the
            message for the database's errors; a URL's password never is.
    """
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in _FULL:
            return StorageError(
                f"no room to write{where}: {exc.strerror}; free some space and run again "
                "(nothing was lost: unwritten items stay pending)"
            )
        if exc.errno in _NOT_WRITABLE:
            return StorageError(
                f"cannot write to the site{where}: {exc.strerror}; "
                "check the folder's permissions and that it is not mounted read-only"
            )
        return StorageError(f"{exc.strerror}{where}")
    if isinstance(exc, sqlite3.Error):
        return _sqlite_error(exc, state_db)
    if _is_psycopg(exc):
        return _postgres_error(exc, state_db)
    if _is_redis(exc):
        return Unreachable(f"cannot reach the queue: {exc}; it is tried again")
    return None


def redact_url(url: str) -> str:
    """``url`` with its password (in the user part or a ``password=`` parameter) as ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a state URL that cannot be parsed)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if colon else f"{user}@{hostport}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide (and sqlite:////abs stays as written)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


_PG_AWAY = ("08", "57P", "53", "58", "40001", "40P01")
"""SQLSTATEs of a server that is away, busy or out of resources (connection exceptions,
shutdowns, insufficient resources, system errors, serialization failures and deadlocks)."""


def _is_redis(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("redis")}
    return bool(names & {"ConnectionError", "TimeoutError", "BusyLoadingError"})


def _is_psycopg(exc: BaseException) -> bool:
    # psycopg is imported only for a PostgreSQL state: its errors are known by their module.
    return any(cls.__module__.split(".")[0] == "psycopg" for cls in type(exc).__mro__)


def _postgres_error(exc: BaseException, state_db: Path | str | None) -> StorageError | None:
    names = {cls.__name__ for cls in type(exc).__mro__}
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if "InterfaceError" not in names and not (
        "OperationalError" in names and (not sqlstate or sqlstate.startswith(_PG_AWAY))
    ):
        # A constraint, a statement, or a value too big for an index (54000): that item's
        # or entry's problem, not the database's state.
        return None
    url = str(state_db) if state_db else ""
    where = f"at {redact_url(url)}" if "://" in url else "(PostgreSQL)"
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        detail = detail.replace(password, "***")
    if getattr(exc, "sqlstate", None) == "53100":
        return StorageError(
            f"the state database {where} has no room left ({detail}); free some space on its "
            "server and run again (nothing was lost: unwritten items stay pending)"
        )
    return Unreachable(
        f"cannot reach the state database {where}: {detail}; it is retried on the next "
        "try (nothing was lost: unfinished items stay pending)"
    )


def _sqlite_error(exc: sqlite3.Error, state_db: Path | str | None) -> StorageError | None:
    db = str(state_db) if state_db else "the state database"
    text = str(exc)
    lowered = text.lower()
    if "disk is full" in lowered:
        return StorageError(
            f"the disk is full ({db}): free some space and run again; nothing was lost"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StorageError(
            f"cannot write {db}: the file or its folder is read-only; "
            "check permissions and that it is not mounted read-only"
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return StorageError(
            f"{db} is damaged ({text}); newsdesk has not changed it. Restore it from a "
            f"backup, or recover what SQLite can: sqlite3 {db} .recover | sqlite3 recovered.db, "
            "then put recovered.db in its place. Moving it aside starts afresh: every item "
            "in the feeds is then new again."
        )
    if "unable to open" in lowered:
        return StorageError(f"cannot open {db} ({text}); check that it is a readable file")
    if "disk i/o" in lowered:
        return StorageError(f"cannot read or write {db} ({text}): the disk may be full or failing")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in lowered:
        return StorageError(f"{db} stayed locked by another process ({text})")
    return None


class Fail(NewsdeskError):
    """A stage could not do its work; ``retry`` says whether a later run may succeed."""

    def __init__(self, message: str, *, retry: bool = False):
        super().__init__(message)
        self.retry = retry


class FetchError(Fail):
    """An HTTP request failed.

    ``transient`` (``retry``) is true for failures worth retrying later (timeouts, resets,
    5xx, 429); ``retry_after`` is the server's Retry-After in seconds, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message, retry=transient)
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """A passing failure: worth trying again later."""
        return self.retry


class FeedError(Fail):
    """A response could not be read as RSS, Atom, RDF or JSON Feed."""

    status: int | None = None
    """The HTTP status of the response that was not a feed."""


class Skip(NewsdeskError):
    """An item is not published; the message says why (scrapy's ``DropItem``)."""


class ExtractionFailed(Fail):
    """Neither the article page nor the feed entry yielded any text."""
