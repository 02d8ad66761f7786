"""``newsdesk prune``: remove old posts and keep tombstones so they never come back."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.layout import Site
from newsdesk.store import open_store, site_lock


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune removed."""

    posts: int
    files: int


def prune(
    site_dir: Path,
    older_than: float,
    cfg: Config | None = None,
    *,
    dry_run: bool = False,
    wait: float | None = None,
) -> PruneReport:
    """Delete posts (and their translations) published more than ``older_than`` seconds ago.

    The items stay in the state database as tombstones, so the same URLs are never imported
    again, from any source.
    """
    cfg = cfg or load_config(Path(site_dir))
    site = Site(Path(site_dir), cfg.posts.section)
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
    posts = files = 0
    with site_lock(site.state_dir, wait=wait), open_store(site, cfg.state.url) as store:
        for item in store.published_before(cutoff):
            victims = site.post_files(item.id) + site.thumbnail_files(item.id)
            posts += 1
            files += len(victims)
            if dry_run:
                continue
            for path in victims:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            store.mark_pruned(item.id)
    return PruneReport(posts, files)
