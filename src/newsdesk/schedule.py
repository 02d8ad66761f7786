"""When a source may be polled again: what the server asked for, or backoff after failures."""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, datetime, timedelta

from newsdesk.numbers import bounded_int

MAX_FRESHNESS = timedelta(hours=24)  # never trust a server to silence a feed for longer
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?([0-9]+)", re.IGNORECASE)
_CAP = int(MAX_FRESHNESS.total_seconds())


def max_age(cache_control: str | None) -> int | None:
    """Seconds from ``Cache-Control: max-age`` (or s-maxage), at most a day; None without one
    or with no-cache."""
    if not cache_control or re.search(r"no-cache|no-store", cache_control, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(cache_control)
    return bounded_int(match.group(1), _CAP) if match else None


def next_poll_after_success(
    now: datetime, cache_control: str | None, ttl_minutes: str | int | None
) -> datetime | None:
    """The earliest next poll the feed asked for (max-age, RSS ttl), capped at a day."""
    seconds = [max_age(cache_control) or 0]
    ttl = bounded_int(str(ttl_minutes), _CAP // 60) if ttl_minutes is not None else None
    if ttl is not None:
        seconds.append(ttl * 60)
    wait = timedelta(seconds=max(seconds))
    return now + min(wait, MAX_FRESHNESS) if wait else None


def next_poll_after_failure(
    now: datetime, consecutive_failures: int, retry_after: float | None = None
) -> datetime:
    """Exponential backoff with jitter (1 min, 2 min, 4 min ... 6 h), or the server's
    Retry-After when it is longer (at most a day); a failing source is never dropped, only
    slowed down, however many times it failed."""
    exponent = min(max(0, consecutive_failures - 1), 20)  # 2**20 minutes is past the cap
    backoff: timedelta = min(FIRST_BACKOFF * 2**exponent, MAX_BACKOFF)
    backoff *= random.uniform(0.8, 1.2)
    if retry_after is not None and math.isfinite(retry_after):
        wait = min(max(retry_after, 0.0), MAX_FRESHNESS.total_seconds())
        backoff = max(backoff, timedelta(seconds=wait))
    return now + backoff


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
