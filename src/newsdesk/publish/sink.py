"""Where a finished post goes: straight into the site folder (one machine), or into the state
store's outbox, from which the site's one publisher writes it (a fleet of workers)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Protocol

from newsdesk.errors import NewsdeskError
from newsdesk.layout import Site
from newsdesk.publish.files import add_source_link
from newsdesk.publish.writer import write_file
from newsdesk.store import StateStore


class LeaseLost(NewsdeskError):
    """The item's reservation was taken back (its lease expired) before its posts were
    staged: another worker has it now."""


class PostSink(Protocol):
    """What the publish stage hands its finished posts to."""

    def publish(self, item_id: str, posts: list[tuple[Path, str | bytes]]) -> None:
        """Publish a reserved item's files (its image first, if it has one, then the
        translations, the main post last); when this returns the item is published or bound
        to be."""

    def add_link(self, item_id: str, twin_path: str, name: str, url: str) -> bool:
        """Add ``[name](url)`` to the post at ``twin_path`` (the same story from another
        source); False when that post is not there to link to."""


class SiteFolder:
    """Posts written to the site folder by this process, then recorded as published."""

    def __init__(self, site: Site, store: StateStore):
        self.site = site
        self.store = store

    def publish(self, item_id: str, posts: list[tuple[Path, str | bytes]]) -> None:
        """Write every file atomically, the main post last, then finish the item."""
        for path, text in posts:
            write_file(path, text)
        self.store.finish(item_id)

    def add_link(self, item_id: str, twin_path: str, name: str, url: str) -> bool:
        """Append the link to the twin's post when it is on disk."""
        post = self.site.root / twin_path
        if not post.exists():
            return False
        add_source_link(post, name, url)
        return True


class Outbox:
    """Posts kept in the state store for the site's publisher (``publish/outbox.py``)."""

    def __init__(self, site: Site, store: StateStore, owner: str):
        self.site = site
        self.store = store
        self.owner = owner

    def publish(self, item_id: str, posts: list[tuple[Path, str | bytes]]) -> None:
        """Stage the files under this worker's lease; LeaseLost when it was taken back."""
        staged, images = [], []
        for path, body in posts:
            if isinstance(body, bytes):
                images.append((self.site.relative(path), base64.b64encode(body).decode("ascii")))
            else:
                staged.append((self.site.relative(path), body))
        if not self.store.stage(item_id, self.owner, staged, images):
            raise LeaseLost(
                "the item's lease expired before its post was stored: left to the"
                " worker that holds it now"
            )

    def add_link(self, item_id: str, twin_path: str, name: str, url: str) -> bool:
        """Stage the link; the publisher adds it once the twin's post is on disk."""
        self.store.stage_link(item_id, twin_path, json.dumps({"source": name, "url": url}))
        return True
