"""``[state]``, ``[store]`` and ``[queue]``: where the state lives, what it keeps and, past one
machine, the work queue.

With the defaults everything stays embedded: state in SQLite under the site's ``.newsdesk``
folder and all work done in the ``run`` or ``watch`` process, with no server to set up.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from newsdesk.config.durations import Duration
from newsdesk.config.fields import Model

DEFAULT_STATE_URL = "sqlite:///.newsdesk/state.db"
_STATE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")
_QUEUE_SCHEMES = ("redis://", "rediss://", "unix://")


class StateConfig(Model):
    """``[state]``: the state store."""

    url: str = DEFAULT_STATE_URL
    """``sqlite:///relative/to/site.db`` (``sqlite:////absolute.db``) or
    ``postgresql://user:password@host:port/database`` (shared by a fleet of workers)."""

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(_STATE_SCHEMES):
            raise ValueError(
                "expected sqlite:///path/to/state.db or postgresql://user:password@host/db,"
                f" got {value.split('@')[-1]!r}"
            )
        return value


class StoreConfig(Model):
    """``[store]``: what the state store keeps beyond what publishing needs."""

    keep_html: bool = False
    """Keep each published page's HTML, compressed, so ``newsdesk reextract --offline``
    needs no network (about 32 KB per post on real news pages; see the README)."""


class QueueConfig(Model):
    """``[queue]``: a Redis broker shared by ``newsdesk worker`` processes (empty: no queue,
    ``run`` and ``watch`` do all the work themselves)."""

    url: str = ""
    """``redis://host:port/N`` (one database number per site)."""
    name: str = Field(default="newsdesk", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Queue name; sites sharing one Redis database need different names."""
    lease: Duration = Field(default=900.0, ge=1)
    """How long a worker holds an item; a worker that died loses its items after this."""
    heartbeat: Duration = Field(default=10.0, ge=0.1)
    """How often a worker says it is alive (``newsdesk status`` lists those seen lately)."""

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(_QUEUE_SCHEMES):
            raise ValueError(
                "expected redis://host:port/N (or rediss://, unix://), or nothing for no queue,"
                f" got {value.split('@')[-1]!r}"
            )
        return value
