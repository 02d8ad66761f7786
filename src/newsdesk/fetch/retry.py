"""Trying a request again: exponential backoff with jitter, the server's ``Retry-After``, and
the loop that retries transient failures at the host's pace."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.fetch.gate import HostGate
from newsdesk.numbers import bounded_int

MAX_RETRY_AFTER = 7 * 86400  # a longer Retry-After is read as a week

T = TypeVar("T")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), at most a week."""
    if not value:
        return None
    seconds = bounded_int(value, MAX_RETRY_AFTER)
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        ahead = float(when.timestamp()) - time.time()
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(0.0, ahead), MAX_RETRY_AFTER) if math.isfinite(ahead) else None


def backoff(cfg: FetchConfig, attempt: int) -> float:
    """Seconds to wait after failed try number ``attempt`` (from 0): ``[fetch].backoff``
    doubling each time, plus up to as much again of jitter, at most ``max_retry_wait``."""
    base = cfg.backoff * 2.0**attempt
    return min(base + random.uniform(0, base), cfg.max_retry_wait)


async def with_retries(
    attempt_once: Callable[[], Awaitable[T]], gate: HostGate, cfg: FetchConfig, tries: int
) -> T:
    """Await ``attempt_once()`` inside ``gate`` up to ``tries`` times, waiting between tries;
    only a transient FetchError is tried again, and never after a wait longer than
    ``[fetch].max_retry_wait``. A ``Retry-After`` also cools the host's gate down."""
    for attempt in range(tries):
        try:
            async with gate:  # the host's turn, then one of the client's slots
                return await attempt_once()
        except FetchError as exc:
            if exc.retry_after is not None:
                gate.cool_down(min(exc.retry_after, cfg.max_retry_wait))
            last = attempt == tries - 1
            wait = exc.retry_after if exc.retry_after is not None else backoff(cfg, attempt)
            if not exc.transient or last or wait > cfg.max_retry_wait:
                raise
        await asyncio.sleep(wait)  # backoff between tries of one request
    raise AssertionError("unreachable")
