"""The Dramatiq broker of a site's queue and its two actors.

A message is acknowledged only once its task has finished, so a worker killed mid-task
leaves its message to be delivered again (after the broker's heartbeat timeout); a task that
raises (the state database unreachable, say) is retried with backoff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from newsdesk.config import QueueConfig

HEARTBEAT_TIMEOUT_MS = 20_000
"""A worker silent this long is dead: its unacknowledged messages go back on the queue."""
MAINTENANCE_CHANCE = 100_000
"""Out of a million broker commands, how many also look for dead workers' messages (Dramatiq's
default, 1,000, leaves them stranded for many minutes on a quiet queue)."""
RETRY = {"max_retries": 20, "min_backoff": 500, "max_backoff": 30_000}


@dataclass(frozen=True)
class Actors:
    """The site's actors: ``poll.send(name, polled_before, since)`` and
    ``process.send(since)``."""

    broker: RedisBroker
    poll: dramatiq.Actor[Any, Any]
    process: dramatiq.Actor[Any, Any]
    queue: str

    def depth(self) -> int:
        """Messages queued, delayed for a retry, or being worked on."""
        return int(self.broker.do_qsize(self.queue))

    def close(self) -> None:
        """Close the broker's connections."""
        self.broker.close()
        self.broker.client.connection_pool.disconnect()


PollTask = Callable[[str, str, str], Awaitable[None]]
"""(source name, its last poll time when the message was sent ("" for never), when the run
began (passed on to the items the poll finds))."""
ProcessTask = Callable[[str], Awaitable[None]]
"""(when the run began: items tried and given back since are left for the next run)."""


async def _not_here(*args: object) -> None:
    raise RuntimeError("this process only enqueues; tasks run in `newsdesk worker`")


def connect(
    cfg: QueueConfig,
    *,
    poll: PollTask = _not_here,
    process: ProcessTask = _not_here,
    time_limit_s: float = 3600.0,
) -> Actors:
    """The broker of ``[queue]`` and its actors; a worker passes the tasks to run."""
    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=cfg.url,
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
        socket_timeout=30,
        socket_connect_timeout=5,
        health_check_interval=30,
    )
    broker.add_middleware(AsyncIO())
    options: dict[str, Any] = {**RETRY, "time_limit": int(time_limit_s * 1000)}

    async def poll_source(name: str, polled_before: str, since: str = "") -> None:
        await poll(name, polled_before, since)

    async def process_item(since: str = "") -> None:
        await process(since)

    def declare(name: str) -> Any:  # each its own decorator: Dramatiq's keeps the first name
        return dramatiq.actor(queue_name=cfg.name, broker=broker, actor_name=name, **options)

    return Actors(
        broker,
        declare("newsdesk_poll")(poll_source),
        declare("newsdesk_item")(process_item),
        cfg.name,
    )
