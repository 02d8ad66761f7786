"""Stage 5, store: the state behind the ``StateStore`` protocol, and the site lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsdesk.layout import Site
from newsdesk.store.lock import site_lock
from newsdesk.store.protocol import StateStore
from newsdesk.store.records import (
    Conflict,
    ItemRecord,
    ItemStatus,
    PendingItem,
    PollRecord,
    Publication,
    SourceState,
    SourceStatus,
)
from newsdesk.store.sqlite import SQLiteStore, sqlite_snapshot

NEW, PUBLISHING, PUBLISHED = ItemStatus.NEW, ItemStatus.PUBLISHING, ItemStatus.PUBLISHED
FAILED, SKIPPED, PRUNED = ItemStatus.FAILED, ItemStatus.SKIPPED, ItemStatus.PRUNED


def _state_db(site: Site | Path | str) -> Path:
    return (site if isinstance(site, Site) else Site(Path(site))).state_db


def open_store(site: Site | Path | str) -> SQLiteStore:
    """The state store of a site (its ``.newsdesk/state.db``), migrated; close it after use
    (it is a context manager)."""
    return SQLiteStore(_state_db(site))


@contextmanager
def snapshot_store(site: Site | Path | str) -> Iterator[StateStore]:
    """A throwaway copy of a site's state, for a dry run: the live state is only read."""
    with sqlite_snapshot(_state_db(site)) as store:
        yield store


__all__ = [
    "FAILED",
    "NEW",
    "PRUNED",
    "PUBLISHED",
    "PUBLISHING",
    "SKIPPED",
    "Conflict",
    "ItemRecord",
    "ItemStatus",
    "PendingItem",
    "PollRecord",
    "Publication",
    "SQLiteStore",
    "SourceState",
    "SourceStatus",
    "StateStore",
    "open_store",
    "site_lock",
    "snapshot_store",
]
