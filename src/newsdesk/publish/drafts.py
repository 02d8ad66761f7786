"""Drafts (``[posts] draft = true``): posts written with ``draft: true`` stay off the built
site until ``newsdesk approve`` removes that line; ``newsdesk reject`` deletes them and keeps
the item as a tombstone, so the story never comes back."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import load_config
from newsdesk.errors import NewsdeskError
from newsdesk.layout import Site
from newsdesk.publish.files import write_atomic
from newsdesk.store import StateStore, open_store, site_lock

DRAFT_LINE = "draft: true\n"
HEAD_BYTES = 8192
"""Front matter is read from a post's first bytes only: a listing of many posts stays fast."""


class DraftError(NewsdeskError):
    """A post named for approval or rejection is not a draft of this site."""


@dataclass(frozen=True, slots=True)
class Decided:
    """What ``approve`` or ``reject`` did: the items done, and those named but not drafts."""

    done: list[str]
    not_drafts: list[str]


def is_draft(post: Path) -> bool:
    """The post's front matter says ``draft: true``."""
    try:
        with post.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", "replace")
    except FileNotFoundError:
        return False
    end = head.find("\n---\n", 4)
    return head.startswith("---\n") and ("\n" + DRAFT_LINE) in head[: end + 1 if end > 0 else None]


def draft_ids(site: Site) -> list[str]:
    """The items whose main post is a draft, oldest file name first."""
    if not site.posts.is_dir():
        return []
    return sorted(p.stem for p in site.posts.glob("*.md") if "." not in p.stem and is_draft(p))


def approve(
    site_dir: Path, ids: Iterable[str] = (), *, source: str = "", every: bool = False
) -> Decided:
    """Publish drafts: their posts (and translations) lose the ``draft: true`` line."""
    return _decide(site_dir, ids, source, every, _approve_one)


def reject(
    site_dir: Path, ids: Iterable[str] = (), *, source: str = "", every: bool = False
) -> Decided:
    """Delete drafts (posts, translations, kept image); each item stays as a tombstone."""
    return _decide(site_dir, ids, source, every, _reject_one)


_Act = Callable[[Site, StateStore, str], None]


def _decide(site_dir: Path, ids: Iterable[str], source: str, every: bool, act: _Act) -> Decided:
    cfg = load_config(Path(site_dir))
    site = Site(Path(site_dir), cfg.posts.section)
    named = list(ids)
    if not named and not source and not every:
        raise DraftError("name the drafts: item ids, --source NAME or --all")
    with site_lock(site.state_dir), open_store(site, cfg.state.url) as store:
        drafts = set(draft_ids(site))
        chosen = [i for i in named if i in drafts]
        if every or source:
            chosen += sorted(
                i for i in drafts if i not in chosen and _from(store, i, source, every)
            )
        for item_id in chosen:
            act(site, store, item_id)
    return Decided(chosen, [i for i in named if i not in drafts])


def _from(store: StateStore, item_id: str, source: str, every: bool) -> bool:
    if every:
        return True
    item = store.item(item_id)
    return item is not None and item.source == source


def _approve_one(site: Site, store: StateStore, item_id: str) -> None:
    # Translations first, the main post last: a draft is whatever its main post says.
    files = site.post_files(item_id)
    main = site.post_path(item_id)
    for path in sorted(files, key=lambda p: p == main):
        text = path.read_bytes().decode("utf-8")
        end = text.find("\n---\n", 4)
        front, rest = text[: end + 1], text[end + 1 :]
        if ("\n" + DRAFT_LINE) in front:
            write_atomic(path, front.replace("\n" + DRAFT_LINE, "\n", 1) + rest)


def _reject_one(site: Site, store: StateStore, item_id: str) -> None:
    main = site.post_path(item_id)
    files = site.post_files(item_id) + site.thumbnail_files(item_id)
    for path in sorted(files, key=lambda p: p == main):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # the main post last: until it goes, the draft is whole
    store.mark_pruned(item_id, "rejected by the editor")
