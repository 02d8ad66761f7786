"""The store's SQL, shared by every SQL backend (SQLite, PostgreSQL).

Each mixin holds the statements of one concern and runs them on ``self._db``, a small
DB-API-like connection (``base.Database``). The SQL is portable: ``?`` placeholders, ISO 8601
UTC text timestamps (which sort as the times do), ``ON CONFLICT`` and ``RETURNING``. A backend
supplies the connection and how a write transaction begins.
"""
