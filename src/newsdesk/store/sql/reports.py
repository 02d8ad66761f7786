"""What ``status`` and the run summary read from the store."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.store.records import DayActivity, ItemStatus, SourceStatus
from newsdesk.store.sql.base import Connected

NEW, PUBLISHED = ItemStatus.NEW.value, ItemStatus.PUBLISHED.value
FAILED, SKIPPED = ItemStatus.FAILED.value, ItemStatus.SKIPPED.value
READY = ItemStatus.READY.value


class ReportsSQL(Connected):
    """Per-source health, recent errors, collapsed extraction."""

    def source_status(self, names: list[str]) -> list[SourceStatus]:
        """Per-source health and item counts, in the order of ``names``."""
        counts: dict[tuple[str, str], int] = {
            (source, status): n
            for source, status, n in self._db.execute(
                "SELECT source, status, COUNT(*) FROM items GROUP BY source, status"
            )
        }
        rows = {
            row[0]: row
            for row in self._db.execute(
                "SELECT name, url, last_poll_at, last_status, last_error, consecutive_failures,"
                " last_seen, next_poll_at FROM sources"
            )
        }
        out = []
        for name in names:
            row = rows.get(name, (name, "", None, None, None, 0, 0, None))
            out.append(
                SourceStatus(
                    name=name,
                    url=row[1],
                    last_poll_at=row[2],
                    last_status=row[3],
                    last_error=row[4],
                    consecutive_failures=row[5],
                    next_poll_at=row[7],
                    seen=row[6],
                    new=counts.get((name, NEW), 0),
                    published=counts.get((name, PUBLISHED), 0),
                    failed=counts.get((name, FAILED), 0),
                    skipped=counts.get((name, SKIPPED), 0),
                    ready=counts.get((name, READY), 0),
                )
            )
        return out

    def daily_activity(self, names: list[str], since: datetime) -> list[DayActivity]:
        """Posts and failures per source and UTC day since ``since`` (see the protocol)."""
        start = since.astimezone(UTC).isoformat()
        wanted = set(names)
        posts: dict[tuple[str, str], list[int | None]] = {}
        for source, day, words in self._db.execute(
            "SELECT source, SUBSTR(published_at, 1, 10), words FROM items"
            " WHERE status = ? AND published_at >= ?",
            (PUBLISHED, start),
        ):
            posts.setdefault((source, day), []).append(words)
        failed: dict[tuple[str, str], int] = {
            (source, day): count
            for source, day, count in self._db.execute(
                "SELECT source, SUBSTR(updated_at, 1, 10), COUNT(*) FROM items WHERE status = ?"
                " AND updated_at >= ? GROUP BY source, SUBSTR(updated_at, 1, 10)",
                (FAILED, start),
            )
        }
        days = {
            (source, day): DayActivity(
                source,
                day,
                published=len(posts.get((source, day), [])),
                failed=failed.get((source, day), 0),
                words=tuple(w for w in posts.get((source, day), []) if w is not None),
            )
            for source, day in posts.keys() | failed.keys()
            if source in wanted
        }
        return [days[key] for key in sorted(days)]

    def last_success(self, names: list[str]) -> dict[str, str | None]:
        """When each source's feed was last read without an error."""
        found = dict(self._db.execute("SELECT name, last_ok_at FROM sources").fetchall())
        return {name: found.get(name) for name in names}

    def last_errors(self, source: str, limit: int = 5) -> list[tuple[str, str]]:
        """The most recent failed items of a source as (url, reason)."""
        return [
            (url, reason or "")
            for url, reason in self._db.execute(
                "SELECT url, reason FROM items WHERE source = ? AND status = ?"
                " ORDER BY updated_at DESC LIMIT ?",
                (source, FAILED, limit),
            )
        ]

    def shrinking_sources(
        self, names: list[str], recent: int = 10, before: int = 50, ratio: float = 0.4
    ) -> dict[str, tuple[int, int]]:
        """Sources whose recent posts are much shorter than before (a site rule that broke):
        name -> (median words before, median words now)."""
        flagged: dict[str, tuple[int, int]] = {}
        for name in names:
            words = [
                row[0]
                for row in self._db.execute(
                    "SELECT words FROM items WHERE source = ? AND status = ? AND words IS NOT NULL"
                    " ORDER BY published_at DESC, id DESC LIMIT ?",
                    (name, PUBLISHED, recent + before),
                )
            ]
            now, earlier = sorted(words[:recent]), sorted(words[recent:])
            if len(now) < recent or len(earlier) < recent:
                continue
            median_now, median_before = now[len(now) // 2], earlier[len(earlier) // 2]
            if median_now < ratio * median_before:
                flagged[name] = (median_before, median_now)
        return flagged
