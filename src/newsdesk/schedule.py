"""When a source may be polled again: what the server asked for, or backoff after failures."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

MAX_FRESHNESS = timedelta(hours=24)  # never trust a server to silence a feed for longer
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


def max_age(cache_control: str | None) -> int | None:
    """Seconds from ``Cache-Control: max-age`` (or s-maxage); None without one or no-cache."""
    if not cache_control or re.search(r"no-cache|no-store", cache_control, re.IGNORECASE):
        return None
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def next_poll_after_success(
    now: datetime, cache_control: str | None, ttl_minutes: str | int | None
) -> datetime | None:
    """The earliest next poll the feed asked for (max-age, RSS ttl), capped at a day."""
    seconds = [max_age(cache_control) or 0]
    if ttl_minutes is not None and str(ttl_minutes).strip().isdigit():
        seconds.append(int(str(ttl_minutes).strip()) * 60)
    wait = timedelta(seconds=max(seconds))
    return now + min(wait, MAX_FRESHNESS) if wait else None


def next_poll_after_failure(
    now: datetime, consecutive_failures: int, retry_after: float | None = None
) -> datetime:
    """Exponential backoff with jitter (1 min, 2 min, 4 min ... 6 h), or the server's
    Retry-After when it is longer; a failing source is never dropped, only slowed down."""
    exponent = max(0, consecutive_failures - 1)
    backoff: timedelta = min(FIRST_BACKOFF * 2.0**exponent, MAX_BACKOFF)
    backoff *= random.uniform(0.8, 1.2)
    if retry_after is not None:
        backoff = max(backoff, min(timedelta(seconds=retry_after), MAX_FRESHNESS))
    return now + backoff


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
