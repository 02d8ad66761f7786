"""The site's publisher: the posts workers left in the state store's outbox, written to the
site folder atomically and exactly once (a post rewritten after a crash has the same bytes),
then recorded as published."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime
from itertools import groupby
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from newsdesk.enrich.image import ImageRefused, check_image
from newsdesk.errors import NewsdeskError
from newsdesk.layout import Site
from newsdesk.publish.files import add_source_link, write_atomic
from newsdesk.publish.post import DATE_FORMAT
from newsdesk.publish.revise import NotAPost, front_values, split_post
from newsdesk.publish.writer import write_file
from newsdesk.report import PublishedPost
from newsdesk.runtime import owner_is_gone
from newsdesk.store import OutboxEntry, StateStore

log = logging.getLogger("newsdesk")


PUBLISHER = "publisher"
"""The setting naming the one site folder that writes this state's posts."""


class PublisherConflict(NewsdeskError):
    """Another site folder writes this state store's posts."""


def site_identity(site: Site) -> str:
    """This site folder's identity: a random id kept in ``.newsdesk/site-id`` (made on first
    use), then where the folder is, for messages."""
    path = site.state_dir / "site-id"
    try:
        token = path.read_text(encoding="utf-8").split()[0]
    except (FileNotFoundError, IndexError):
        token = uuid.uuid4().hex
        write_atomic(path, token + "\n")
    return f"{token} {socket.gethostname()}:{site.root.resolve()}"


def claim_publishing(site: Site, store: StateStore, *, take_over: bool = False) -> None:
    """Make sure that this site folder is the one that writes the store's posts (the first
    folder to ask becomes it); PublisherConflict when another one is, unless ``take_over``."""
    mine = site_identity(site)
    if take_over:
        store.change_setting(PUBLISHER, mine)
        return
    theirs = store.setting(PUBLISHER, mine)
    if theirs.split()[0] != mine.split()[0]:
        where = theirs.partition(" ")[2] or "another site folder"
        raise PublisherConflict(
            f"the posts of this state store are written by the site folder at {where}; run"
            " there (a worker machine needs only `newsdesk worker`), or pass --take-over to"
            " make this folder the one that writes them"
        )


def recover(site: Site, store: StateStore) -> None:
    """Take back what killed runs and workers left: the leases of processes gone from this
    machine, and reservations whose lease expired. A reserved post whose file is on disk was
    written (writes are atomic): it is published; one without a file is new again."""
    store.expire_leases(owner for owner in store.lease_owners() if owner_is_gone(owner))
    for item in store.stale_reservations():
        # The recorded path counts, even under a section renamed since; only existence is
        # asked, and only inside the content folder.
        post = (_inside_content(site, item.path) if item.path else None) or site.post_path(item.id)
        if post.exists():
            store.finish(item.id)
        else:
            store.unreserve(item.id)


def write_staged(site: Site, store: StateStore, *, batch: int = 100) -> list[str]:
    """Write every staged post and link to ``site``, and finish each item; returns the
    items whose posts were written (not those that only added a link)."""
    written: list[str] = []
    while entries := store.outbox(batch):
        for item_id, group in groupby(entries, key=lambda entry: entry.item_id):
            kinds = write_item(site, group)
            store.finish(item_id)
            if "post" in kinds:
                written.append(item_id)
    return written


def written_post(
    site: Site, store: StateStore, item_id: str, timezone: str
) -> PublishedPost | None:
    """A post the publisher wrote, as a notification describes it: read back from its file
    (title, date, summary, tags) and the store (source, URL, path); None when it is gone."""
    item = store.item(item_id)
    if item is None or not item.path:
        return None
    try:
        front = front_values(split_post((site.root / item.path).read_text("utf-8")).front)
    except (OSError, UnicodeDecodeError, NotAPost):
        return None
    try:
        local = datetime.strptime(str(front.get("date", "")), DATE_FORMAT)
        date = local.replace(tzinfo=ZoneInfo(timezone)).isoformat()
    except ValueError:
        date = str(front.get("date", ""))
    tags = front.get("tags")
    return PublishedPost(
        title=str(front.get("title", item.title)),
        url=item.final_url or item.url,
        path=item.path,
        source=item.source,
        date=date,
        summary=str(front.get("summary", "")),
        tags=tuple(_term(str(t)) for t in tags) if isinstance(tags, list) else (),
    )


def _term(name: str) -> str:
    """A category or tag as it was before ``term_name`` spelled it for a safe URL."""
    return re.sub(
        r"~(\d{1,7})~",
        lambda m: chr(int(m.group(1))) if int(m.group(1)) < 0x110000 else m.group(0),
        name,
    )


def write_item(site: Site, entries: Iterable[OutboxEntry]) -> set[str]:
    """Write one item's files in their order; returns {"post"} when a post was written. An entry
    that is not a post of this site, or a link that cannot be read, is left out (and said)."""
    kinds: set[str] = set()
    for entry in entries:
        if entry.kind == "image":
            _write_image(site, entry)
            continue
        path = _post_path(site, entry.path)
        if path is None:
            log.error(
                "outbox entry refused: %r is not a post path of this site",
                entry.path,
                extra={"url": entry.item_id},
            )
        elif entry.kind == "post":
            write_file(path, entry.body)
            kinds.add("post")
        elif entry.kind == "link" and path.exists():
            try:
                link = json.loads(entry.body)
                add_source_link(path, str(link["source"]), str(link["url"]))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("outbox link refused: %s", exc, extra={"url": entry.item_id})
    return kinds


def _write_image(site: Site, entry: OutboxEntry) -> None:
    """Write a staged lead image, when its path is one of the site's thumbnails and its body
    is a whole JPEG or PNG; else leave it out (and say so): the post then names a file that
    is missing, which the theme shows as no image."""
    name = PurePosixPath(entry.path)
    expected = site.relative(site.thumbnails / name.name)
    if entry.path != expected or not _IMAGE_NAME.match(name.name):
        log.error(
            "outbox entry refused: %r is not an image path of this site",
            entry.path,
            extra={"url": entry.item_id},
        )
        return
    try:
        data = base64.b64decode(entry.body, validate=True)
        check_image(data)  # a build must never meet a file Hugo cannot decode
    except (ValueError, ImageRefused) as exc:
        log.error("outbox image refused: %s", exc, extra={"url": entry.item_id})
        return
    write_file(site.root / entry.path, data)


_IMAGE_NAME = re.compile(r"^[0-9a-zA-Z]+\.(?:jpg|png)$")
_POST_NAME = re.compile(r"^[0-9a-zA-Z]+(?:\.[A-Za-z0-9-]+)?\.md$")


def _post_path(site: Site, relative: str) -> Path | None:
    """The post file ``relative`` names in the site's posts folder, or None when it names
    anything else (the store is shared with other machines: trust no path it gives)."""
    path = _inside_content(site, relative)
    if path is None or path.parent != site.posts or not _POST_NAME.match(path.name):
        return None
    return path


def _inside_content(site: Site, relative: str) -> Path | None:
    """The ``.md`` file ``relative`` names under the site's content folder, or None."""
    if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
        return None
    path = site.root / relative
    return path if path.suffix == ".md" and site.content in path.parents else None
