"""Per-host politeness: at most N requests at once, a minimum delay between request starts,
and a cool-down when a host says Retry-After."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType


class HostGate:
    """Admission control for one host; use as ``async with gate:`` around a request."""

    def __init__(self, concurrency: int, min_delay: float, shared: asyncio.Semaphore | None = None):
        self._slots = asyncio.Semaphore(concurrency)
        # The client's slots for all hosts, taken only once this host may start, so that a
        # host waiting out its delay never holds a slot another host could use.
        self._shared = shared or asyncio.Semaphore(concurrency)
        self.min_delay = min_delay
        self._next_start = 0.0
        self._not_before = 0.0

    def cool_down(self, seconds: float) -> None:
        """Start no request to this host for ``seconds`` (a 429/503 Retry-After)."""
        self._not_before = max(self._not_before, time.monotonic() + seconds)

    async def __aenter__(self) -> HostGate:
        await self._slots.acquire()
        try:
            while True:
                now = time.monotonic()
                start = max(self._next_start, self._not_before)
                if start > now:
                    await asyncio.sleep(start - now)  # politeness spacing, not synchronisation
                    continue
                await self._shared.acquire()
                if max(self._next_start, self._not_before) <= time.monotonic():
                    break
                self._shared.release()  # another request to this host started meanwhile
            self._next_start = time.monotonic() + self.min_delay
        except BaseException:
            self._slots.release()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._shared.release()
        self._slots.release()
