"""Copying a site's state from one store to another (``newsdesk migrate --to URL``)."""

from __future__ import annotations

from newsdesk.store.protocol import StateStore
from newsdesk.store.sql.tables import STATE_TABLES, StateNotEmptyError


def copy_state(source: StateStore, target: StateStore) -> dict[str, int]:
    """Copy every table of ``source``'s state (not its applied migrations: each store has
    its own) into ``target``, in one transaction on the target; returns the rows per table.

    Raises:
        StateNotEmptyError: ``target`` already holds items or sources; nothing is copied.
    """
    for table in ("items", "sources"):
        _columns, rows = target.dump_table(table)
        if next(rows, None) is not None:
            raise StateNotEmptyError(
                f"the target state already holds {table}; copy into an empty database only"
            )
    return target.load_tables((name, *source.dump_table(name)) for name in STATE_TABLES)


__all__ = ["StateNotEmptyError", "copy_state"]
