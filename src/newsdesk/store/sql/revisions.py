"""What lets a published post be made again: its page's HTML kept compressed
(``reextract --offline``), and the translations still to write for it (the backend failed, or
its text changed)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from newsdesk.models import FeedEntry
from newsdesk.store.entries import entry_from_json
from newsdesk.store.minhash import bands, encode
from newsdesk.store.records import ItemStatus, KeptPage, TranslationBacklog, TranslationDue
from newsdesk.store.sql.base import Connected, marks, stored_reason, utc_now

WAITING, GIVEN_UP, DONE = "waiting", "given_up", "done"
COMPRESSION = 6  # zlib's default: nearly its best ratio on HTML, several times faster than 9


class RevisionsSQL(Connected):
    """Kept pages, revised posts and the translation backlog."""

    def entry(self, item_id: str) -> FeedEntry | None:
        """The feed entry ``item_id`` was registered with (None: unknown, or unreadable)."""
        row = self._db.execute("SELECT entry FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        try:
            return entry_from_json(str(row[0]))
        except (ValueError, TypeError, KeyError):
            return None

    def revise(self, item_id: str, words: int, fingerprint: list[int] | None) -> None:
        """A published post's text was made again: its words, and its fingerprint unless
        None (or empty: a text too short to have one), follow the new text; one
        transaction."""
        with self._transaction() as db:
            db.execute(
                "UPDATE items SET words = ?, updated_at = ? WHERE id = ? AND status = ?",
                (words, utc_now(), item_id, ItemStatus.PUBLISHED.value),
            )
            if not fingerprint:
                return
            db.execute(
                "UPDATE items SET fingerprint = ? WHERE id = ? AND status = ?",
                (encode(fingerprint), item_id, ItemStatus.PUBLISHED.value),
            )
            db.execute("DELETE FROM fingerprints WHERE item_id = ?", (item_id,))
            db.executemany(
                "INSERT INTO fingerprints (band, value, item_id) VALUES (?, ?, ?)"
                " ON CONFLICT (band, value, item_id) DO NOTHING",
                [(band, value, item_id) for band, value in bands(fingerprint)],
            )

    def keep_page(self, item_id: str, url: str, html: str) -> None:
        """Keep the page ``html`` of ``item_id`` (fetched from ``url``), replacing any kept
        before."""
        data = zlib.compress(html.encode("utf-8", "surrogatepass"), COMPRESSION)
        self._db.execute(
            "INSERT INTO kept_pages (item_id, url, fetched_at, html) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (item_id) DO UPDATE SET url = excluded.url,"
            " fetched_at = excluded.fetched_at, html = excluded.html",
            (item_id, url, utc_now(), data),
        )

    def kept_page(self, item_id: str) -> KeptPage | None:
        """The page kept for ``item_id``, if any."""
        row = self._db.execute(
            "SELECT url, html, fetched_at FROM kept_pages WHERE item_id = ?", (item_id,)
        ).fetchone()
        if row is None:
            return None
        html = zlib.decompress(bytes(row[1])).decode("utf-8", "surrogatepass")
        return KeptPage(str(row[0]), html, str(row[2]))

    def want_translation(self, item_id: str, language: str, article: str) -> None:
        """``item_id`` needs its ``language`` translation (re)written from ``article``: it
        waits for the next run with no tries counted (the failures so far stay counted)."""
        self._db.execute(
            "INSERT INTO pending_translations (item_id, language, article, state, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id, language) DO UPDATE SET"
            " article = excluded.article, state = excluded.state, attempts = 0,"
            " updated_at = excluded.updated_at",
            (item_id, language, article, WAITING, utc_now()),
        )

    def translations_due(
        self,
        languages: list[str],
        max_attempts: int,
        limit: int = 100,
        *,
        before: datetime | None = None,
    ) -> list[TranslationDue]:
        """Waiting translations into ``languages`` with fewer than ``max_attempts`` tries,
        least recently tried first; with ``before``, only those wanted or tried before it
        (not what this run just recorded)."""
        cutoff = before.astimezone(UTC).isoformat(timespec="microseconds") if before else "~"
        rows = self._db.execute(
            "SELECT item_id, language, article, attempts FROM pending_translations"
            f" WHERE state = ? AND attempts < ? AND language IN ({marks(languages)})"
            " AND updated_at < ? ORDER BY updated_at, item_id, language LIMIT ?",
            (WAITING, max_attempts, *languages, cutoff, limit),
        )
        return [TranslationDue(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    def translation_failed(
        self, item_id: str, language: str, error: str, *, retry: bool, max_attempts: int
    ) -> bool:
        """Count a failed try; the translation is given up when not ``retry`` or at
        ``max_attempts`` tries. Returns whether it still waits."""
        now = utc_now()
        with self._transaction() as db:
            db.execute(
                "UPDATE pending_translations SET attempts = attempts + 1,"
                " failures = failures + 1, last_error = ?, failed_at = ?, updated_at = ?,"
                " state = CASE WHEN ? OR attempts + 1 >= ? THEN ? ELSE state END"
                " WHERE item_id = ? AND language = ?",
                (
                    stored_reason(error),
                    now,
                    now,
                    not retry,
                    max_attempts,
                    GIVEN_UP,
                    item_id,
                    language,
                ),
            )
            row = db.execute(
                "SELECT state FROM pending_translations WHERE item_id = ? AND language = ?",
                (item_id, language),
            ).fetchone()
        return row is not None and row[0] == WAITING

    def translation_done(self, item_id: str, language: str) -> None:
        """The translation is written (or no longer wanted); its failures stay counted."""
        self._db.execute(
            "UPDATE pending_translations SET state = ?, article = '', updated_at = ?"
            " WHERE item_id = ? AND language = ?",
            (DONE, utc_now(), item_id, language),
        )

    def waiting_translations(self, item_id: str) -> list[str]:
        """The languages ``item_id``'s translations wait in, sorted."""
        rows = self._db.execute(
            "SELECT language FROM pending_translations WHERE item_id = ? AND state = ?"
            " ORDER BY language",
            (item_id, WAITING),
        )
        return [str(row[0]) for row in rows]

    def retry_given_up_translations(self) -> int:
        """Every translation given up waits again, with no tries counted (the backend's
        configuration changed); returns how many."""
        with self._transaction() as db:
            count = db.execute(
                "SELECT COUNT(*) FROM pending_translations WHERE state = ?", (GIVEN_UP,)
            ).fetchone()[0]
            # updated_at is left as it was: they wait in the order they failed, and a run
            # that revives them takes them at once.
            db.execute(
                "UPDATE pending_translations SET state = ?, attempts = 0 WHERE state = ?",
                (WAITING, GIVEN_UP),
            )
        return int(count)

    def translation_backlog(self) -> TranslationBacklog:
        """Translations waiting and given up, and the backend's failed tries."""
        counts = self._db.execute(
            "SELECT state, COUNT(*), SUM(failures) FROM pending_translations GROUP BY state"
        ).fetchall()
        last = self._db.execute(
            "SELECT last_error, failed_at FROM pending_translations"
            " WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT 1"
        ).fetchone()
        by_state = {str(state): int(n) for state, n, _ in counts}
        return TranslationBacklog(
            waiting=by_state.get(WAITING, 0),
            given_up=by_state.get(GIVEN_UP, 0),
            failures=sum(int(f or 0) for _, _, f in counts),
            last_error=str(last[0]) if last else None,
            last_failed_at=str(last[1]) if last else None,
        )
