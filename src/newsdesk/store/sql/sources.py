"""Sources, robots.txt answers and the translation cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from newsdesk.store.records import PollRecord, SitemapFile, SourceState
from newsdesk.store.sql.base import Connected, stored_reason, utc_now


def _stored_time(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class SourcesSQL(Connected):
    """Polling state per source, robots.txt per origin, translations per text."""

    def source_state(self, name: str) -> SourceState:
        """A source's validators, schedule and failure count (empty for an unknown source)."""
        row = self._db.execute(
            "SELECT etag, last_modified, next_poll_at, consecutive_failures, last_poll_at, url"
            " FROM sources WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return SourceState()
        return SourceState(row[0], row[1], _time(row[2]), row[3], _time(row[4]), row[5])

    def record_poll(self, name: str, poll: PollRecord) -> None:
        """A poll succeeded (or said 304): reset the failures, keep the validators it sent.
        A 304 keeps the last counts and validators."""
        now = utc_now()
        keep = 1 if poll.not_modified else 0
        self._db.execute(
            """INSERT INTO sources (name, url, feed_title, last_poll_at, last_ok_at, last_status,
                   last_error, last_seen, last_new, consecutive_failures, etag, last_modified,
                   next_poll_at)
               VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, 0, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET
                   url = excluded.url,
                   feed_title = COALESCE(excluded.feed_title, sources.feed_title),
                   last_poll_at = excluded.last_poll_at,
                   last_ok_at = excluded.last_ok_at,
                   last_status = excluded.last_status,
                   last_error = NULL,
                   last_seen = CASE WHEN ? = 1 THEN sources.last_seen ELSE excluded.last_seen END,
                   last_new = excluded.last_new,
                   consecutive_failures = 0,
                   etag = CASE WHEN ? = 1 THEN sources.etag ELSE excluded.etag END,
                   last_modified = CASE WHEN ? = 1 THEN sources.last_modified
                                        ELSE excluded.last_modified END,
                   next_poll_at = excluded.next_poll_at""",
            (
                name,
                poll.url,
                poll.feed_title,
                now,
                now,
                poll.status,
                poll.seen,
                poll.new,
                poll.etag,
                poll.last_modified,
                _stored_time(poll.next_poll_at),
                keep,
                keep,
                keep,
            ),
        )

    def record_poll_failure(
        self,
        name: str,
        url: str,
        *,
        status: int | None,
        error: str,
        next_poll: Callable[[int], datetime],
    ) -> int:
        """A poll failed: count it and schedule the next one at ``next_poll(failures)``, in
        one transaction; returns the consecutive failures (counted afresh when the source's
        URL changed). Counts and validators stay."""
        with self._transaction() as db:
            row = db.execute(
                """INSERT INTO sources (name, url, last_poll_at, last_status, last_error,
                       consecutive_failures)
                   VALUES (?, ?, ?, ?, ?, 1)
                   ON CONFLICT (name) DO UPDATE SET
                       url = excluded.url,
                       last_poll_at = excluded.last_poll_at,
                       last_status = excluded.last_status,
                       last_error = excluded.last_error,
                       last_new = 0,
                       -- a source whose URL changed starts counting again (its old failures
                       -- were the old URL's); SET sees the row as it was
                       consecutive_failures = CASE WHEN sources.url = excluded.url
                           THEN sources.consecutive_failures + 1 ELSE 1 END
                   RETURNING consecutive_failures""",
                (name, url, utc_now(), status, stored_reason(error)),
            ).fetchone()
            failures = int(row[0])
            db.execute(
                "UPDATE sources SET next_poll_at = ? WHERE name = ?",
                (_stored_time(next_poll(failures)), name),
            )
        return failures

    def robots(self, origin: str, max_age: float) -> tuple[int | None, str | None] | None:
        """The stored robots.txt (status, text) of an origin if younger than ``max_age`` s."""
        row = self._db.execute(
            "SELECT status, body FROM robots WHERE origin = ? AND fetched_at > ?",
            (origin, utc_now(-max_age)),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def save_robots(self, origin: str, status: int | None, text: str | None) -> None:
        """Store an origin's robots.txt answer."""
        self._db.execute(
            """INSERT INTO robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)
               ON CONFLICT (origin) DO UPDATE SET fetched_at = excluded.fetched_at,
                   status = excluded.status, body = excluded.body""",
            (origin, utc_now(), status, text),
        )

    def cached_translation(self, key: str) -> str | None:
        """A translation made before, if any."""
        row = self._db.execute("SELECT text FROM translations WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def save_translation(self, key: str, text: str) -> None:
        """Keep a translation so that it is never paid for twice."""
        self._db.execute(
            "INSERT INTO translations (key, text, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (key, text, utc_now()),
        )

    def sitemap_files(self, source: str) -> dict[str, SitemapFile]:
        """The child files of ``source``'s sitemap index as last read, by URL."""
        rows = self._db.execute(
            "SELECT url, lastmod, etag, last_modified, checked_at FROM sitemap_files"
            " WHERE source = ?",
            (source,),
        )
        return {str(r[0]): SitemapFile(str(r[0]), r[1], r[2], r[3], r[4]) for r in rows}

    def save_sitemap_file(self, source: str, file: SitemapFile) -> None:
        """Remember how a child file of ``source``'s sitemap index was last read."""
        self._db.execute(
            "INSERT INTO sitemap_files (source, url, lastmod, etag, last_modified, checked_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, url) DO UPDATE SET"
            " lastmod = excluded.lastmod, etag = excluded.etag,"
            " last_modified = excluded.last_modified, checked_at = excluded.checked_at",
            (source, file.url, file.lastmod, file.etag, file.last_modified, utc_now()),
        )
