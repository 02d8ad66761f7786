"""``newsdesk status``: what the state says about each source, read in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.layout import Site
from newsdesk.store import SourceStatus, open_store


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """Per-source health, each source's latest failed items, and sources whose text shrank."""

    sources: list[SourceStatus]
    failures: dict[str, list[tuple[str, str]]]
    """source -> [(url, reason)], most recent first."""
    shrinking: dict[str, tuple[int, int]]
    """source -> (median words before, median words now)."""


def site_status(site_dir: Path, cfg: Config | None = None, *, errors: int = 3) -> SiteStatus:
    """Read the status of every configured source from the site's state."""
    cfg = cfg or load_config(Path(site_dir))
    names = [s.name for s in cfg.sources]
    with open_store(Site(Path(site_dir), cfg.posts.section)) as store:
        return SiteStatus(
            sources=store.source_status(names),
            failures={name: store.last_errors(name, errors) for name in names},
            shrinking=store.shrinking_sources(names),
        )
