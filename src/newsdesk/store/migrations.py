"""Schema migrations, applied in order and recorded in ``migrations`` (llm's m001_... style).

The SQL is portable (SQLite and PostgreSQL): TEXT timestamps in ISO 8601 UTC, no
AUTOINCREMENT, no SQLite-only syntax. PostgreSQL reads ``TEXT`` as ``TEXT COLLATE "C"`` (texts
sort by their bytes, as in SQLite) and ``INTEGER`` as ``BIGINT`` (``postgres.py``).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "m001_initial",
        [
            """CREATE TABLE sources (
                name TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                feed_title TEXT,
                last_poll_at TEXT,
                last_ok_at TEXT,
                last_status INTEGER,
                last_error TEXT,
                last_seen INTEGER NOT NULL DEFAULT 0,
                last_new INTEGER NOT NULL DEFAULT 0,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                etag TEXT,
                last_modified TEXT
            )""",
            """CREATE TABLE items (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                source TEXT NOT NULL,
                guid TEXT,
                title TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL,
                reason TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                entry TEXT NOT NULL,
                final_url TEXT,
                path TEXT,
                first_seen_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                published_at TEXT
            )""",
            "CREATE INDEX items_status ON items (status)",
            "CREATE INDEX items_source_guid ON items (source, guid)",
            """CREATE TABLE aliases (
                url TEXT PRIMARY KEY,
                item_id TEXT NOT NULL
            )""",
        ],
    ),
    (
        "m002_polling",
        [
            # When a source may be polled again: Cache-Control max-age, RSS <ttl>, Retry-After
            # or the backoff after failures.
            "ALTER TABLE sources ADD COLUMN next_poll_at TEXT",
            """CREATE TABLE robots (
                origin TEXT PRIMARY KEY,
                fetched_at TEXT NOT NULL,
                status INTEGER,
                body TEXT
            )""",
        ],
    ),
    (
        "m003_words",
        [
            # Words in each published post, to notice a source whose extraction collapsed.
            "ALTER TABLE items ADD COLUMN words INTEGER",
        ],
    ),
    (
        "m004_fingerprints",
        [
            # MinHash signature of each published text, and its LSH bands for finding the
            # same story from another source with an index lookup.
            "ALTER TABLE items ADD COLUMN fingerprint TEXT",
            """CREATE TABLE fingerprints (
                band INTEGER NOT NULL,
                value INTEGER NOT NULL,
                item_id TEXT NOT NULL,
                PRIMARY KEY (band, value, item_id)
            )""",
        ],
    ),
    (
        "m005_translations",
        [
            # Machine translations, keyed by a hash of backend, model, languages and text.
            """CREATE TABLE translations (
                key TEXT PRIMARY KEY,
                text TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
        ],
    ),
    (
        "m006_leases",
        [
            # Items are leased to one worker at a time (owner "host:pid:token", expiry), so
            # several processes can share one store.
            "ALTER TABLE items ADD COLUMN lease_owner TEXT",
            "ALTER TABLE items ADD COLUMN lease_until TEXT",
            "CREATE INDEX items_pending ON items (status, first_seen_at, id)",
        ],
    ),
    (
        "m007_queue",
        [
            # Workers stage finished items' post files (and links for same-story duplicates)
            # here; the site's one publisher writes them and finishes the items.
            """CREATE TABLE outbox (
                item_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                path TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (item_id, seq)
            )""",
            # Each worker's heartbeat, for ``status`` and the queue's progress.
            """CREATE TABLE workers (
                name TEXT PRIMARY KEY,
                started_at TEXT NOT NULL,
                seen_at TEXT NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX items_lease ON items (lease_until)",
        ],
    ),
    (
        "m008_rounds",
        [
            # When an item was last tried and given back (a passing failure, or a twin still
            # being published): a fleet does not try it again in the same run.
            "ALTER TABLE items ADD COLUMN tried_at TEXT",
            # Settings of the state itself, such as which site folder publishes its posts.
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
        ],
    ),
    (
        "m009_revisions",
        [
            # Each published page's HTML, compressed ([store] keep_html): reextract --offline
            # reads it instead of the network.
            """CREATE TABLE kept_pages (
                item_id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                fetched_at TEXT NOT NULL,
                html BLOB NOT NULL
            )""",
            # Translations still to write for published posts: the backend failed (retried by
            # later runs), or the post's text changed (reextract). ``state``: waiting,
            # given_up or done; ``failures`` counts every failed try, ever.
            """CREATE TABLE pending_translations (
                item_id TEXT NOT NULL,
                language TEXT NOT NULL,
                article TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                failed_at TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (item_id, language)
            )""",
            "CREATE INDEX pending_translations_state ON pending_translations (state)",
        ],
    ),
    (
        "m010_sitemaps",
        [
            # Each child file of a source's sitemap index: its lastmod and validators, so a
            # poll fetches only the files that changed, conditionally.
            """CREATE TABLE sitemap_files (
                source TEXT NOT NULL,
                url TEXT NOT NULL,
                lastmod TEXT,
                etag TEXT,
                last_modified TEXT,
                checked_at TEXT NOT NULL,
                PRIMARY KEY (source, url)
            )""",
        ],
    ),
]
