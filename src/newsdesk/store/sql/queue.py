"""The work queue's side of the store: staged posts (the outbox), worker heartbeats, counts.

Workers on many machines finish items into the outbox (``stage``); the site's one publisher
process writes the staged files and then ``finish``-es each item.
"""

from __future__ import annotations

from collections.abc import Iterable

from newsdesk.store.records import ItemStatus, OutboxEntry, WorkerSeen
from newsdesk.store.sql.base import Connected, marks, utc_now

PUBLISHING, READY = ItemStatus.PUBLISHING.value, ItemStatus.READY.value


class QueueSQL(Connected):
    """Outbox, heartbeats and the counts a queue's progress is watched by."""

    def stage(
        self,
        item_id: str,
        owner: str,
        posts: list[tuple[str, str]],
        images: list[tuple[str, str]] | None = None,
    ) -> bool:
        """Stage a reserved item's images (path, base64) and post files (path, body) in
        writing order, and make the item ``READY``; one transaction. False, and nothing
        changes, unless the item is still reserved by ``owner`` (its reservation was not
        taken back meanwhile)."""
        with self._transaction() as db:
            staged = db.execute(
                "UPDATE items SET status = ?, lease_until = NULL, updated_at = ?"
                " WHERE id = ? AND status = ? AND lease_owner = ? RETURNING id",
                (READY, utc_now(), item_id, PUBLISHING, owner),
            ).fetchone()
            if staged is None:
                return False
            db.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))
            entries = [("image", *image) for image in images or ()]
            entries += [("post", *post) for post in posts]
            db.executemany(
                "INSERT INTO outbox (item_id, seq, kind, path, body) VALUES (?, ?, ?, ?, ?)",
                [(item_id, seq, *entry) for seq, entry in enumerate(entries)],
            )
        return True

    def stage_link(self, item_id: str, path: str, body: str) -> None:
        """Stage another source's link (``body``, JSON) for the post at ``path``, on behalf of
        ``item_id`` (skipped as the same story as that post's item)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO outbox (item_id, seq, kind, path, body)"
                " SELECT ?, COALESCE(MAX(seq) + 1, 0), 'link', ?, ? FROM outbox WHERE item_id = ?",
                (item_id, path, body, item_id),
            )

    def outbox(self, limit: int = 500) -> list[OutboxEntry]:
        """Staged entries of up to ``limit`` items, each item's together and in order. Items
        with posts come before items with links only, so a link's post is written first."""
        rows = self._db.execute(
            "SELECT o.item_id, o.seq, o.kind, o.path, o.body FROM outbox o JOIN ("
            "  SELECT item_id, MIN(CASE WHEN kind = 'post' THEN 0 ELSE 1 END) AS links_only"
            "  FROM outbox GROUP BY item_id ORDER BY links_only, item_id LIMIT ?"
            ") g ON g.item_id = o.item_id ORDER BY g.links_only, o.item_id, o.seq",
            (limit,),
        )
        return [OutboxEntry(*row) for row in rows]

    def heartbeat(self, name: str, done: int) -> None:
        """A worker is alive and has done ``done`` items since it started."""
        now = utc_now()
        self._db.execute(
            "INSERT INTO workers (name, started_at, seen_at, done) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at, done = excluded.done",
            (name, now, now, done),
        )

    def workers(self, within_seconds: float) -> list[WorkerSeen]:
        """Workers seen in the last ``within_seconds`` seconds, by name."""
        rows = self._db.execute(
            "SELECT name, started_at, seen_at, done FROM workers WHERE seen_at > ? ORDER BY name",
            (utc_now(-within_seconds),),
        )
        return [WorkerSeen(*row) for row in rows]

    def leased_count(self) -> int:
        """Items leased now (being worked on)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM items WHERE lease_until > ?", (utc_now(),)
        ).fetchone()
        return int(row[0])

    def ready_count(self) -> int:
        """Items staged, waiting for the publisher."""
        row = self._db.execute("SELECT COUNT(*) FROM items WHERE status = ?", (READY,)).fetchone()
        return int(row[0])

    def renew_leases(self, owners: Iterable[str], lease_seconds: float) -> int:
        """Extend the live leases of ``owners`` (a worker's tasks in flight) by
        ``lease_seconds`` from now; returns how many items were renewed."""
        held = list(owners)
        if not held:
            return 0
        rows = self._db.execute(
            "UPDATE items SET lease_until = ?"
            f" WHERE lease_owner IN ({marks(held)}) AND lease_until > ? RETURNING id",
            (utc_now(lease_seconds), *held, utc_now()),
        ).fetchall()
        return len(rows)

    def setting(self, key: str, default: str) -> str:
        """The stored value of a setting of the state; ``default`` is stored (and returned)
        when there is none, in one statement, so the first process to ask decides."""
        self._db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, default),
        )
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def change_setting(self, key: str, value: str) -> None:
        """Set a setting of the state."""
        self._db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
