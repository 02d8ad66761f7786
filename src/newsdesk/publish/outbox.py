"""The site's publisher: the posts workers left in the state store's outbox, written to the
site folder atomically and exactly once (a post rewritten after a crash has the same bytes),
then recorded as published."""

from __future__ import annotations

import json
import logging
from itertools import groupby
from pathlib import Path

from newsdesk.layout import Site
from newsdesk.publish.files import add_source_link
from newsdesk.publish.writer import write_file
from newsdesk.runtime import owner_is_gone
from newsdesk.store import OutboxEntry, StateStore

log = logging.getLogger("newsdesk")


def recover(site: Site, store: StateStore) -> None:
    """Take back what killed runs and workers left: the leases of processes gone from this
    machine, and reservations whose lease expired. A reserved post whose file is on disk was
    written (writes are atomic): it is published; one without a file is new again."""
    store.expire_leases(owner for owner in store.lease_owners() if owner_is_gone(owner))
    for item in store.stale_reservations():
        post = site.root / item.path if item.path else site.post_path(item.id)
        if post.exists():
            store.finish(item.id)
        else:
            store.unreserve(item.id)


def write_staged(site: Site, store: StateStore, *, batch: int = 500) -> int:
    """Write every staged post and link to ``site``; returns the items published."""
    published = 0
    while entries := store.outbox(batch):
        for item_id, group in groupby(entries, key=lambda entry: entry.item_id):
            if _write_item(site, list(group)):
                published += 1
            store.finish(item_id)
    return published


def _write_item(site: Site, entries: list[OutboxEntry]) -> bool:
    """Write one item's files in their order; True when it had a post."""
    posts = 0
    for entry in entries:
        path = _inside_content(site, entry.path)
        if path is None:
            log.error(
                "outbox entry refused: %r is not a post path of this site",
                entry.path,
                extra={"url": entry.item_id},
            )
            continue
        if entry.kind == "post":
            write_file(path, entry.body)
            posts += 1
        elif entry.kind == "link" and path.exists():
            link = json.loads(entry.body)
            add_source_link(path, str(link["source"]), str(link["url"]))
    return posts > 0


def _inside_content(site: Site, relative: str) -> Path | None:
    """The file ``relative`` names under the site's content folder, or None when it points
    anywhere else (the store is shared with other machines: trust no path it gives)."""
    if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
        return None
    path = site.root / relative
    content = site.content.resolve()
    try:
        path.resolve().relative_to(content)
    except ValueError:
        return None
    return path if path.suffix == ".md" else None
