"""Past one machine: work shared by ``newsdesk worker`` processes through a Redis queue
(Dramatiq), state in the shared store, posts written by the site's one publisher.

Nothing here is imported unless ``[queue] url`` is set: the embedded default needs neither
Redis nor Dramatiq.

- ``broker.py``: the Dramatiq broker and the two actors (poll a source, process an item).
- ``tasks.py``: what a worker process does for each message.
- ``politeness.py``: per-host limits and robots.txt shared by the whole fleet, in Redis.
- ``worker.py``: ``newsdesk worker``: processes and threads serving the queue.
- ``dispatch.py``: ``newsdesk run`` with a queue: enqueue what is due, wait, publish.
"""

from __future__ import annotations

from newsdesk.errors import ConfigError


def require_fleet() -> None:
    """Raise a ConfigError naming the install command when Dramatiq or Redis is missing."""
    try:
        import dramatiq  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"[queue] needs {exc.name}: pip install 'newsdesk[fleet]'") from None
