"""Items: registration, leases, outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from newsdesk.models import FeedEntry
from newsdesk.store.entries import entry_from_json, entry_to_json
from newsdesk.store.records import ItemRecord, ItemStatus, PendingItem
from newsdesk.store.sql.base import Connected, marks, stored_reason, utc_now

NEW, FAILED = ItemStatus.NEW.value, ItemStatus.FAILED.value
ITEM_COLUMNS = (
    "id, url, source, title, status, reason, attempts, guid, final_url, path, words,"
    " first_seen_at, updated_at, published_at, lease_owner, lease_until"
)


def item_record(row: Sequence[Any]) -> ItemRecord:
    """An ``ITEM_COLUMNS`` row as a record."""
    values = list(row)
    values[4] = ItemStatus(values[4])
    return ItemRecord(*values)


def _pending_where(
    max_attempts: int, sources: list[str] | None, since: datetime | None = None
) -> tuple[str, list[object]]:
    where = "status = ? AND attempts < ?"
    args: list[object] = [NEW, max_attempts]
    if sources is not None:
        where += f" AND source IN ({marks(sources)})"
        args += sources
    if since is not None:
        where += " AND (tried_at IS NULL OR tried_at < ?)"
        args.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
    return where, args


class ItemsSQL(Connected):
    """Registration of feed entries, leases on pending items, and their outcomes."""

    def register(self, item_id: str, url: str, entry: FeedEntry) -> bool:
        """Record a feed entry as a new item; False when it is already known.

        Items are identified by their canonical URL. The guid only recognises an item whose
        link changed: the same guid with the same title is the same story. Some feeds give
        one guid to every entry; trusting the guid alone would lose all but the first.
        """
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM aliases WHERE url = ?", (url,)).fetchone():
                return False
            if entry.guid and entry.title:
                row = db.execute(
                    "SELECT 1 FROM items WHERE source = ? AND guid = ? AND title = ?",
                    (entry.source, entry.guid, entry.title),
                ).fetchone()
                if row is not None:
                    return False
            now = utc_now()
            added = db.execute(
                """INSERT INTO items (id, url, source, guid, title, status, attempts, entry,
                       first_seen_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id""",
                (
                    item_id,
                    url,
                    entry.source,
                    entry.guid,
                    entry.title,
                    NEW,
                    entry_to_json(entry),
                    now,
                    now,
                ),
            ).fetchone()
            if added is None:
                return False
            db.execute("INSERT INTO aliases (url, item_id) VALUES (?, ?)", (url, item_id))
        return True

    def pending_count(
        self, max_attempts: int, sources: list[str] | None = None, since: datetime | None = None
    ) -> int:
        """How many items wait to be published (of ``sources`` only, and not tried and given
        back at or after ``since``, when given)."""
        where, args = _pending_where(max_attempts, sources, since)
        row = self._db.execute("SELECT COUNT(*) FROM items WHERE " + where, args).fetchone()
        return int(row[0])

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
        """Lease up to ``limit`` pending items to ``owner``, oldest first; see StateStore."""
        where, args = _pending_where(max_attempts, sources, since)
        where += (
            " AND (lease_until IS NULL OR lease_until < ?)"
            " AND (lease_owner IS NULL OR lease_owner != ?)"
        )
        args += [utc_now(), owner]
        with self._transaction() as db:
            # The conditions are checked again on each row updated: PostgreSQL does not
            # re-run the subquery for a row that a single-statement write changed meanwhile.
            rows = db.execute(
                "UPDATE items SET lease_owner = ?, lease_until = ? WHERE id IN ("
                f" SELECT id FROM items WHERE {where} ORDER BY first_seen_at, id LIMIT ?)"
                f" AND {where} RETURNING id, url, attempts, entry, first_seen_at",
                (owner, utc_now(lease_seconds), *args, limit, *args),
            ).fetchall()
        claimed = []
        for item_id, url, attempts, entry, _first_seen in sorted(rows, key=lambda r: (r[4], r[0])):
            try:
                decoded = entry_from_json(entry)
            except (ValueError, TypeError, KeyError) as exc:  # a hand-edited row, say
                reason = f"the stored feed entry cannot be read ({exc})"
                self.mark_failed(item_id, reason, retry=False, max_attempts=1)
                continue
            claimed.append(PendingItem(item_id, url, attempts, decoded))
        return claimed

    def mark_failed(
        self, item_id: str, reason: str, *, retry: bool, max_attempts: int
    ) -> ItemStatus:
        """Count a failed try and release the lease; the item stays new until
        ``max_attempts`` tries when ``retry``; returns its status afterwards."""
        row = self._db.execute(
            """UPDATE items SET attempts = attempts + 1,
                   status = CASE WHEN ? AND attempts + 1 < ? THEN ? ELSE ? END,
                   reason = ?, updated_at = ?, tried_at = ?, lease_until = NULL
               WHERE id = ? AND status = ? RETURNING status""",
            (
                retry,
                max_attempts,
                NEW,
                FAILED,
                stored_reason(reason),
                (now := utc_now()),
                now,
                item_id,
                NEW,
            ),
        ).fetchone()
        return ItemStatus(row[0]) if row else self._status(item_id)

    def _status(self, item_id: str) -> ItemStatus:
        row = self._db.execute("SELECT status FROM items WHERE id = ?", (item_id,)).fetchone()
        return ItemStatus(row[0]) if row else ItemStatus.FAILED

    def mark_skipped(self, item_id: str, reason: str) -> None:
        """The item is deliberately not published (a duplicate, a filter)."""
        self._db.execute(
            "UPDATE items SET status = ?, reason = ?, updated_at = ?, lease_until = NULL"
            " WHERE id = ? AND status = ?",
            (ItemStatus.SKIPPED.value, stored_reason(reason), utc_now(), item_id, NEW),
        )

    def release(self, item_id: str) -> None:
        """Give a claimed item back untried: no attempt is counted, and its owner does not
        claim it again (a later run does)."""
        self._db.execute(
            "UPDATE items SET lease_until = NULL, tried_at = ? WHERE id = ? AND status = ?",
            (utc_now(), item_id, NEW),
        )

    def lease_owners(self) -> set[str]:
        """Owners holding leases now."""
        rows = self._db.execute(
            "SELECT DISTINCT lease_owner FROM items WHERE lease_until > ?", (utc_now(),)
        )
        return {row[0] for row in rows if row[0]}

    def expire_leases(self, owners: Iterable[str]) -> None:
        """End the leases of owners known to be gone (a killed run on this machine)."""
        # A pending item is free at once; a reservation gets an expired lease, which is what
        # makes it a stale reservation for recovery.
        # One transaction, as the claims: rows updated in another order could deadlock.
        gone = list(owners)
        with self._transaction() as db:
            db.execute(
                "UPDATE items SET lease_until = CASE WHEN status = ? THEN ? END"
                f" WHERE lease_owner IN ({marks(gone)}) AND lease_until IS NOT NULL",
                (ItemStatus.PUBLISHING.value, utc_now(-1), *gone),
            )

    def item(self, item_id: str) -> ItemRecord | None:
        """One item."""
        row = self._db.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        return item_record(row) if row else None

    def items(self, status: ItemStatus | None = None) -> list[ItemRecord]:
        """All items (of one status), by id."""
        where = " WHERE status = ?" if status else ""
        rows = self._db.execute(
            f"SELECT {ITEM_COLUMNS} FROM items{where} ORDER BY id",
            (str(status),) if status else (),
        )
        return [item_record(row) for row in rows]
