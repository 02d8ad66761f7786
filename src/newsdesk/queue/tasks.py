"""What a worker process does for each message: poll one source, or take one pending item
through the stages and leave its posts in the store's outbox for the site's publisher.

The parts a process shares between its tasks (the store connection, the HTTP client, the
fleet's politeness gates, robots.txt answers) are made on Dramatiq's event loop at the first
task. Each task gets its own lease owner and its own ``RunContext``; the heartbeat renews the
leases of the tasks in flight, so a task that waits long for its host's turn keeps its item.
A failure of the state store or the queue ends the task with an error, which Dramatiq
retries with backoff, and the worker lives on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from datetime import datetime
from functools import partial

from redis.asyncio import Redis

from newsdesk.config import Config
from newsdesk.extraction.pool import ExtractionPool
from newsdesk.fetch import Fetcher
from newsdesk.fetch.robots import Robots, RobotsRules
from newsdesk.items import item_unit
from newsdesk.layout import Site
from newsdesk.polling import poll_unit
from newsdesk.publish.sink import Outbox
from newsdesk.queue.broker import Actors
from newsdesk.queue.politeness import Fleet
from newsdesk.report import RunReport
from newsdesk.runtime import Quiet, RunContext, RunOptions, lease_owner
from newsdesk.store import StateStore, open_store

log = logging.getLogger("newsdesk")

ROBOTS_MAX_AGE = 24 * 3600.0
ROBOTS_REFRESH = 600.0
"""A process forgets its robots.txt answers this often: stored ones are read again from the
store, and one that failed (a 5xx) is asked again, as a new run would."""


class WorkerRuntime:
    """One worker process's shared parts and its two tasks."""

    def __init__(self, site: Site, cfg: Config):
        self.site = site
        self.cfg = cfg
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.actors: Actors | None = None
        self.done = 0
        self.in_flight: set[str] = set()
        """Lease owners of the tasks running now (their leases are renewed)."""
        self._ready = asyncio.Lock()
        self._parts: tuple[StateStore, Fetcher, Fleet, ExtractionPool] | None = None
        self._robots: tuple[float, Robots] | None = None
        self._beat: asyncio.Task[None] | None = None

    async def _get(self) -> tuple[StateStore, Fetcher, Fleet, ExtractionPool]:
        async with self._ready:
            if self._parts is None:
                store = open_store(self.site, self.cfg.state.url)
                fleet = Fleet(Redis.from_url(self.cfg.queue.url), f"newsdesk:{self.cfg.queue.name}")
                fetcher = Fetcher(self.cfg.fetch, gates=fleet.gate)
                # One extracting thread per process: a fleet gets its CPUs from processes.
                pool = ExtractionPool(1, lambda: 0)
                self._parts = (store, fetcher, fleet, pool)
            return self._parts

    async def start(self) -> None:
        """Start saying that this worker is alive (``newsdesk status`` lists it)."""
        self._beat = asyncio.ensure_future(self._heartbeats())

    async def _heartbeats(self) -> None:
        while True:
            try:
                store = (await self._get())[0]
                store.heartbeat(self.name, self.done)
                store.renew_leases(self.in_flight, self.cfg.queue.lease)
            except Exception as exc:  # noqa: BLE001 - a missed beat is no reason to stop
                log.debug("heartbeat missed: %s", exc)
            await asyncio.sleep(self.cfg.queue.heartbeat)

    def _robots_for(self, store: StateStore, fetcher: Fetcher, fleet: Fleet) -> Robots:
        """This process's robots.txt answers, made anew every ``ROBOTS_REFRESH`` s."""
        if self._robots is None or time.monotonic() - self._robots[0] > ROBOTS_REFRESH:

            async def load(origin: str) -> RobotsRules | None:
                stored = store.robots(origin, ROBOTS_MAX_AGE)
                return RobotsRules(*stored) if stored else None

            def save(origin: str, rules: RobotsRules) -> None:
                store.save_robots(origin, rules.status, rules.text)

            self._robots = (time.monotonic(), Robots(fetcher, load, save, fleet.robots_lock))
        return self._robots[1]

    async def _context(self) -> RunContext:
        store, fetcher, fleet, pool = await self._get()
        owner = lease_owner()
        return RunContext(
            site=self.site,
            cfg=self.cfg,
            store=store,
            fetcher=fetcher,
            robots=self._robots_for(store, fetcher, fleet),
            report=RunReport(),
            progress=Quiet(),
            options=RunOptions(force=True),
            sink=Outbox(self.site, store, owner),
            owner=owner,
            pool=pool,
        )

    async def poll(self, name: str, polled_before: str, since: str = "") -> None:
        """Poll source ``name`` unless it was polled since the message was sent (its last
        poll is no longer ``polled_before``: a message sent twice); each new item gets a
        message of its own, for the run that began at ``since``."""
        ctx = await self._context()
        try:
            source = self.cfg.source(name)
        except KeyError:
            log.warning("no source called %r in this worker's configuration", name)
            return
        polled = ctx.store.source_state(name).last_poll_at
        if (polled.isoformat() if polled else "") != polled_before:
            return
        await poll_unit(ctx, source, partial(self._announce, since))
        self._end(ctx)

    def _announce(self, since: str, new: int) -> None:
        assert self.actors is not None
        for _ in range(new):
            self.actors.process.send(since)

    async def process(self, since: str = "") -> None:
        """Claim the oldest pending item (not tried in this run since ``since``) and take it
        through the stages."""
        ctx = await self._context()
        claimed = ctx.store.claim(
            ctx.owner,
            limit=1,
            lease_seconds=self.cfg.queue.lease,
            max_attempts=self.cfg.fetch.max_attempts,
            sources=[source.name for source in self.cfg.sources if source.enabled],
            since=datetime.fromisoformat(since) if since else None,
        )
        if not claimed:
            return
        self.in_flight.add(ctx.owner)
        try:
            await item_unit(ctx, claimed[0])
        finally:
            self.in_flight.discard(ctx.owner)
            self.done += 1
        self._end(ctx)

    def _end(self, ctx: RunContext) -> None:
        """A task whose store or queue failed raises, to be retried; its leases are let go."""
        if ctx.fault is not None:
            with contextlib.suppress(Exception):
                ctx.store.expire_leases([ctx.owner])
            raise ctx.fault

    async def close(self) -> None:
        """Let go of the connections."""
        if self._beat is not None:
            self._beat.cancel()
        if self._parts is not None:
            store, fetcher, fleet, pool = self._parts
            pool.close()
            await fetcher.__aexit__(None, None, None)
            await fleet.client.aclose()
            store.close()
