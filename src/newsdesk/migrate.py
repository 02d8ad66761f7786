"""``newsdesk migrate``: a site's state copied from its store into another (SQLite to
PostgreSQL when a site grows into a fleet, or back), under the site lock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from newsdesk.config import Config, StateConfig, load_config
from newsdesk.errors import ConfigError
from newsdesk.layout import Site
from newsdesk.store import describe_state_url, open_store, site_lock
from newsdesk.store.copy import copy_state


@dataclass(frozen=True, slots=True)
class Migrated:
    """What was copied, and where to (the URL without its password)."""

    target: str
    rows: dict[str, int]


def migrate_state(
    site_dir: Path, to: str, cfg: Config | None = None, *, wait: float | None = 0
) -> Migrated:
    """Copy every table of the site's state into the empty store at ``to``; the site's own
    store is only read. The site's config is not changed: point ``[state] url`` at ``to``."""
    cfg = cfg or load_config(Path(site_dir))
    if not to.strip():
        raise ConfigError("--to: give the store to copy into, e.g. postgresql://user@host/db")
    try:
        target_url = StateConfig(url=to).url
    except ValidationError as exc:
        raise ConfigError(f"--to: {exc.errors()[0]['msg']}") from None
    if target_url == cfg.state.url:
        raise ConfigError("--to names the store the site already uses: nothing to copy")
    site = Site(Path(site_dir), cfg.posts.section)
    with (
        site_lock(site.state_dir, wait=wait),
        open_store(site, cfg.state.url) as source,
        open_store(site, target_url) as target,
    ):
        rows = copy_state(source, target)
    return Migrated(describe_state_url(target_url), rows)
