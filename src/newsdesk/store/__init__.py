"""Stage 5, store: the state behind the ``StateStore`` protocol, and the site lock."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsdesk.layout import Site
from newsdesk.store.copy import copy_state
from newsdesk.store.lock import site_lock
from newsdesk.store.protocol import StateStore
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
from newsdesk.store.sqlite import SQLiteStore, sqlite_snapshot
from newsdesk.store.urls import StateURLError, describe_state_url, is_postgres_url, sqlite_path

NEW, PUBLISHING, PUBLISHED = ItemStatus.NEW, ItemStatus.PUBLISHING, ItemStatus.PUBLISHED
FAILED, SKIPPED, PRUNED = ItemStatus.FAILED, ItemStatus.SKIPPED, ItemStatus.PRUNED
READY = ItemStatus.READY


def _site(site: Site | Path | str) -> Site:
    return site if isinstance(site, Site) else Site(Path(site))


def open_store(site: Site | Path | str, url: str = "") -> StateStore:
    """The state store of a site, migrated; close it after use (it is a context manager).

    Args:
        site: the site (its folder), which relative ``sqlite:///`` URLs start from.
        url: the state URL (``urls.py``); ``""`` is the site's ``.newsdesk/state.db``.
            psycopg is imported for a ``postgresql://`` URL only.
    """
    if is_postgres_url(url):
        from newsdesk.store.postgres import PostgresStore

        return PostgresStore(url)
    return SQLiteStore(sqlite_path(_site(site), url))


@contextmanager
def snapshot_store(site: Site | Path | str, url: str = "") -> Iterator[StateStore]:
    """A throwaway copy of a site's state, for a dry run: the live state is only read (not
    even migrated). A PostgreSQL state is copied into a temporary SQLite file."""
    if not is_postgres_url(url):
        with sqlite_snapshot(sqlite_path(_site(site), url)) as store:
            yield store
        return
    from newsdesk.store.postgres import PostgresStore

    with (
        tempfile.TemporaryDirectory(prefix="newsdesk-snapshot-") as scratch,
        SQLiteStore(Path(scratch) / "state.db") as copy,
    ):
        with PostgresStore(url, migrate=False) as live:
            copy_state(live, copy)
        yield copy


__all__ = [
    "FAILED",
    "NEW",
    "PRUNED",
    "PUBLISHED",
    "PUBLISHING",
    "READY",
    "SKIPPED",
    "Conflict",
    "DayActivity",
    "ItemRecord",
    "ItemStatus",
    "KeptPage",
    "OutboxEntry",
    "PendingItem",
    "PollRecord",
    "Publication",
    "SQLiteStore",
    "SitemapFile",
    "SourceState",
    "SourceStatus",
    "StateStore",
    "StateURLError",
    "TranslationBacklog",
    "TranslationDue",
    "WorkerSeen",
    "copy_state",
    "describe_state_url",
    "open_store",
    "site_lock",
    "snapshot_store",
]
