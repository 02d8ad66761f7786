"""State URLs: where a site's state lives (``[state] url`` or ``--state``).

``""`` or ``sqlite:///.newsdesk/state.db`` is the default SQLite file in the site's folder;
``sqlite:///relative/path.db`` is relative to the site's root, ``sqlite:////abs/path.db``
absolute; ``postgresql://user:password@host:port/db`` (or ``postgres://``) is a PostgreSQL
database.
"""

from __future__ import annotations

from pathlib import Path

from newsdesk.config.scale import DEFAULT_STATE_URL
from newsdesk.errors import ConfigError, redact_url
from newsdesk.layout import Site

_SQLITE = "sqlite:///"
_POSTGRES = ("postgresql://", "postgres://")


class StateURLError(ConfigError):
    """A state URL newsdesk cannot use."""


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database."""
    return url.startswith(_POSTGRES)


def sqlite_path(site: Site, url: str) -> Path:
    """The SQLite file a ``sqlite:///`` state URL (or ``""``) names for ``site``."""
    if not url:
        return site.state_db
    if not url.startswith(_SQLITE) or len(url) == len(_SQLITE):
        raise StateURLError(
            f"cannot use the state URL {describe_state_url(url)!r}: give "
            f"{DEFAULT_STATE_URL} (the default), sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or postgresql://user:password@host:port/database"
        )
    rest = url[len(_SQLITE) :]
    path = Path(rest)
    return path if path.is_absolute() else site.root / path


def state_location(site: Site, url: str) -> Path | str:
    """What storage errors name: the SQLite file, or the database's URL (redacted when
    shown)."""
    return url if is_postgres_url(url) else sqlite_path(site, url)


def describe_state_url(url: str) -> str:
    """The state URL for messages: the default spelled out, a password never shown."""
    return redact_url(url) if url else DEFAULT_STATE_URL
