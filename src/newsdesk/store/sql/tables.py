"""Whole tables out of and into a store, for copying a site's state to another backend."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from newsdesk.errors import NewsdeskError
from newsdesk.store.sql.base import Connected

# Every table of the state and its primary key (what a dump is ordered and paged by), in an
# order that loads cleanly; ``migrations`` is each store's own.
STATE_TABLES: dict[str, tuple[str, ...]] = {
    "sources": ("name",),
    "items": ("id",),
    "aliases": ("url",),
    "robots": ("origin",),
    "fingerprints": ("band", "value", "item_id"),
    "translations": ("key",),
    "outbox": ("item_id", "seq"),
    "workers": ("name",),
    "settings": ("key",),
    "kept_pages": ("item_id",),
    "pending_translations": ("item_id", "language"),
    "sitemap_files": ("source", "url"),
}
PAGE = 1000
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class StateNotEmptyError(NewsdeskError):
    """A state copy was asked to overwrite a store that already holds a site's state."""


def _table(name: str) -> tuple[str, ...]:
    if name not in STATE_TABLES:
        raise ValueError(f"not a table of the state: {name!r}")
    return STATE_TABLES[name]


class TablesSQL(Connected):
    """Dumps and loads of whole tables."""

    def migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        return [row[0] for row in self._db.execute("SELECT name FROM migrations ORDER BY name")]

    def _has_table(self, name: str) -> bool:
        """Whether the schema has the table (a store not migrated lacks some)."""
        raise NotImplementedError

    def dump_table(self, name: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """A table's column names and its rows, read page by page in primary-key order.
        A table the schema does not have yet reads as empty, without columns."""
        key = _table(name)
        if not self._has_table(name):
            return [], iter(())
        columns = [col[0] for col in self._db.execute(f"SELECT * FROM {name} LIMIT 0").description]
        return columns, self._pages(name, columns, key)

    def _pages(
        self, name: str, columns: list[str], key: tuple[str, ...]
    ) -> Iterator[tuple[Any, ...]]:
        order = ", ".join(key)
        places = [columns.index(k) for k in key]
        after: list[Any] | None = None
        while True:
            where = f"WHERE ({order}) > ({', '.join('?' * len(key))})" if after else ""
            rows = self._db.execute(
                f"SELECT * FROM {name} {where} ORDER BY {order} LIMIT ?", (*(after or ()), PAGE)
            ).fetchall()
            yield from (tuple(row) for row in rows)
            if len(rows) < PAGE:
                return
            after = [rows[-1][i] for i in places]

    def load_tables(
        self, tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
    ) -> dict[str, int]:
        """Insert (table, columns, rows) in one transaction; returns the rows per table.
        Refuses (``StateNotEmptyError``) a store that already holds items or sources."""
        counts: dict[str, int] = {}
        with self._transaction() as db:
            for table in ("items", "sources"):
                if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    raise StateNotEmptyError(
                        f"the target state already holds {table}; copy into an empty database only"
                    )
            for name, columns, rows in tables:
                _table(name)
                if not all(_NAME.fullmatch(column) for column in columns):
                    raise ValueError(f"not column names of {name}: {columns!r}")
                counts[name] = 0
                if not columns:
                    continue
                insert = (
                    f"INSERT INTO {name} ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' * len(columns))})"
                )
                batches = iter(rows)
                while batch := list(islice(batches, PAGE)):
                    db.executemany(insert, batch)
                    counts[name] += len(batch)
        return counts
