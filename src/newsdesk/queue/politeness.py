"""Politeness across a fleet: every worker's requests to one host share one Redis-held gate
(at most ``per_host`` at once, request starts ``min_delay`` apart, a Retry-After honoured by
all), and robots.txt is fetched by one worker per origin while the others wait for its answer.

Each decision is one Lua script on Redis's own clock, so workers on machines whose clocks
differ still space their requests correctly.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from redis.asyncio import Redis

from newsdesk.config import FetchConfig
from newsdesk.fetch.gate import HostGate

# KEYS: slots (sorted set token -> expiry ms), next start (ms), cool-down end (ms).
# ARGV: token, per_host, hold ms, min_delay ms.
# Returns 0 when a slot was taken, else how many ms to wait before asking again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local start = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'),
                       tonumber(redis.call('GET', KEYS[3]) or '0'))
if start > now then return start - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
local delay = tonumber(ARGV[4])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""

# KEYS: cool-down end. ARGV: seconds from now (ms).
_COOL_DOWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]))
end
return until_
"""

# KEYS: the lock. ARGV: its token. Deletes the lock only when it is still ours.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

FULL_WAIT = 0.02
"""Seconds before asking again when the host's slots are all taken (a slot is freed within a
request's time; asking often costs one Redis round trip)."""


class Fleet:
    """The Redis keys one site's workers share, under ``newsdesk:<queue name>:``."""

    def __init__(self, client: Redis, prefix: str):
        self.client = client
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._cool_down = client.register_script(_COOL_DOWN)
        self._unlock = client.register_script(_UNLOCK)

    def key(self, *parts: str) -> str:
        """A key of this site's namespace."""
        return ":".join((self.prefix, *parts))

    def gate(self, host: str, cfg: FetchConfig, slots: asyncio.Semaphore) -> HostGate:
        """The fleet-wide gate of ``host`` (a ``Fetcher`` gate factory)."""
        return SharedHostGate(self, host, cfg, slots)

    @asynccontextmanager
    async def robots_lock(self, origin: str) -> AsyncIterator[None]:
        """Held by one worker of the fleet at a time per origin, while it looks robots.txt
        up in the store and fetches it when the store has no fresh copy."""
        key, token = self.key("robots", origin), secrets.token_hex(8)
        wait = FULL_WAIT
        while not await self.client.set(key, token, nx=True, px=60_000):
            await asyncio.sleep(wait)  # another worker is fetching it: its answer is near
            wait = min(wait * 2, 0.5)
        try:
            yield
        finally:
            await self._unlock(keys=[key], args=[token])


class SharedHostGate(HostGate):
    """A ``HostGate`` whose limits hold across every worker of the fleet: the local slots
    first (this process's share), then a slot and a start time from Redis."""

    def __init__(self, fleet: Fleet, host: str, cfg: FetchConfig, slots: asyncio.Semaphore):
        super().__init__(cfg.per_host, cfg.min_delay, shared=slots)
        self._fleet = fleet
        self._per_host = cfg.per_host
        # A slot outlives a worker killed mid-request by this much: every request (its
        # redirects included) ends within ``timeout``.
        self._hold_ms = int((cfg.timeout + 30) * 1000)
        # One hash tag per host: the script's three keys live on one Redis Cluster node.
        self._keys = [fleet.key("host", f"{{{host}}}", part) for part in ("slots", "next", "cool")]
        self._tokens: list[str] = []

    def cool_down(self, seconds: float) -> None:
        """Start no request to this host from any worker for ``seconds`` (held in Redis:
        this gate's own entry never looks at the local cool-down)."""
        task = asyncio.ensure_future(
            self._fleet._cool_down(keys=[self._keys[2]], args=[max(1, int(seconds * 1000))])
        )
        task.add_done_callback(lambda done: done.exception())  # a lost cool-down is harmless

    async def __aenter__(self) -> SharedHostGate:
        # This process's share of the host first; then, holding one of the client's slots,
        # the fleet's turn. A turn that is not due yet gives the client's slot back while it
        # waits, so a host being waited out never blocks requests to other hosts; a request
        # starts right after its turn was granted, so starts stay ``min_delay`` apart.
        await self._slots.acquire()
        token = secrets.token_hex(8)
        try:
            while True:
                await self._shared.acquire()
                try:
                    wait = int(
                        await self._fleet._acquire(
                            keys=self._keys,
                            args=[token, self._per_host, self._hold_ms, int(self.min_delay * 1000)],
                        )
                    )
                except BaseException:
                    self._shared.release()
                    raise
                if wait == 0:
                    break
                self._shared.release()
                await asyncio.sleep(FULL_WAIT if wait < 0 else wait / 1000)  # politeness spacing
        except BaseException:
            self._slots.release()
            raise
        self._tokens.append(token)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tokens:  # any of this process's slots on the host: they are alike
                await self._fleet.client.zrem(self._keys[0], self._tokens.pop())
        finally:
            self._shared.release()
            self._slots.release()
