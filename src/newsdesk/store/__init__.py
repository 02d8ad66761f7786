"""Stage 5, store: the state database and the site lock."""

from newsdesk.store.db import (
    FAILED,
    NEW,
    PUBLISHED,
    SKIPPED,
    PendingItem,
    SourceState,
    SourceStatus,
    Store,
)
from newsdesk.store.lock import site_lock

__all__ = [
    "FAILED",
    "NEW",
    "PUBLISHED",
    "SKIPPED",
    "PendingItem",
    "SourceState",
    "SourceStatus",
    "Store",
    "site_lock",
]
