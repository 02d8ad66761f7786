"""Publishing: a reservation (URL, story, path, fingerprint) in one transaction, then the
finish once the post is on disk (or staged in the outbox, then written); pruning."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.store.minhash import bands, decode, encode, similarity
from newsdesk.store.records import Conflict, ItemRecord, ItemStatus, Publication
from newsdesk.store.sql.base import Connected, Database, utc_now
from newsdesk.store.sql.items import ITEM_COLUMNS, item_record

PUBLISHING, PUBLISHED = ItemStatus.PUBLISHING.value, ItemStatus.PUBLISHED.value
READY = ItemStatus.READY.value


def _same_story(db: Database, item_id: str, sig: list[int], threshold: float) -> Conflict | None:
    """A published, staged or reserved item, other than ``item_id``, whose text is at least
    ``threshold`` similar (MinHash/LSH). Only a reserved twin is pending: a staged one is
    published for sure."""
    keys = bands(sig)
    if not keys:
        return None
    # One query for every band (an index lookup each), in band order as before.
    pairs = " OR ".join("(f.band = ? AND f.value = ?)" for _ in keys)
    rows = db.execute(
        "SELECT f.band, f.item_id, i.fingerprint, i.path, i.status FROM fingerprints f"
        f" JOIN items i ON i.id = f.item_id WHERE ({pairs}) AND i.status IN (?, ?, ?)"
        " ORDER BY f.band, f.item_id",
        (*(v for key in keys for v in key), PUBLISHED, PUBLISHING, READY),
    ).fetchall()
    checked: set[str] = {item_id}
    for _band, twin, stored, path, status in rows:
        if twin in checked or not stored:
            continue
        checked.add(twin)
        if similarity(decode(stored), sig) >= threshold:
            return Conflict("story", str(twin), path, pending=status == PUBLISHING)
    return None


class PublishingSQL(Connected):
    """Reservations, finishes and tombstones."""

    def reserve(self, item_id: str, publication: Publication) -> Conflict | None:
        """Record the final URL as the item's alias, then return the item that already owns
        that URL or that story, or reserve the post; one transaction."""
        pub = publication
        with self._transaction() as db:
            db.execute(
                "INSERT INTO aliases (url, item_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                (pub.final_url, item_id),
            )
            owner = db.execute(
                "SELECT item_id FROM aliases WHERE url = ?", (pub.final_url,)
            ).fetchone()
            if owner[0] != item_id:
                return Conflict("url", str(owner[0]))
            if pub.fingerprint:
                twin = _same_story(db, item_id, pub.fingerprint, pub.threshold)
                if twin is not None:
                    return twin
            db.execute(
                """UPDATE items SET status = ?, reason = NULL, path = ?, final_url = ?,
                       words = ?, fingerprint = ?, updated_at = ? WHERE id = ?""",
                (
                    PUBLISHING,
                    pub.path,
                    pub.final_url,
                    pub.words,
                    encode(pub.fingerprint) if pub.fingerprint else None,
                    utc_now(),
                    item_id,
                ),
            )
            db.executemany(
                "INSERT INTO fingerprints (band, value, item_id) VALUES (?, ?, ?)"
                " ON CONFLICT (band, value, item_id) DO NOTHING",
                [(band, value, item_id) for band, value in bands(pub.fingerprint or [])],
            )
        return None

    def finish(self, item_id: str) -> None:
        """The reserved or staged post is on disk: the item is published for good, and its
        outbox entries are gone (a skipped item's links included); one transaction."""
        now = utc_now()
        with self._transaction() as db:
            db.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))
            db.execute(
                "UPDATE items SET status = ?, published_at = ?, updated_at = ?,"
                " lease_until = NULL WHERE id = ? AND status IN (?, ?)",
                (PUBLISHED, now, now, item_id, PUBLISHING, READY),
            )

    def unreserve(self, item_id: str) -> None:
        """A reservation whose post never reached the disk: the item is new again."""
        with self._transaction() as db:
            db.execute(
                "UPDATE items SET status = ?, path = NULL, fingerprint = NULL,"
                " lease_until = NULL, updated_at = ? WHERE id = ? AND status = ?",
                (ItemStatus.NEW.value, utc_now(), item_id, PUBLISHING),
            )
            db.execute("DELETE FROM fingerprints WHERE item_id = ?", (item_id,))
            # A post staged by a worker whose reservation was then taken back is not written.
            db.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))

    def stale_reservations(self) -> list[ItemRecord]:
        """Reserved items whose lease expired (their owner died before finishing)."""
        rows = self._db.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE status = ?"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY id",
            (PUBLISHING, utc_now()),
        )
        return [item_record(row) for row in rows]

    def published_before(self, cutoff: datetime) -> list[ItemRecord]:
        """Items first published before ``cutoff`` (for pruning)."""
        rows = self._db.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE status = ? AND published_at < ? ORDER BY id",
            (PUBLISHED, cutoff.astimezone(UTC).isoformat(timespec="microseconds")),
        )
        return [item_record(row) for row in rows]

    def mark_pruned(self, item_id: str, reason: str = "pruned by retention") -> None:
        """The post was deleted; the item stays as a tombstone so its URL never returns."""
        with self._transaction() as db:
            db.execute(
                "UPDATE items SET status = ?, reason = ?, updated_at = ? WHERE id = ?",
                (ItemStatus.PRUNED.value, reason, utc_now(), item_id),
            )
            db.execute("DELETE FROM fingerprints WHERE item_id = ?", (item_id,))
            db.execute("DELETE FROM kept_pages WHERE item_id = ?", (item_id,))
            db.execute("DELETE FROM pending_translations WHERE item_id = ?", (item_id,))
