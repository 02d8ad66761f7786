"""Feed dates: RFC 822, ISO 8601, and zone-less ``YYYY-MM-DD HH:MM:SS`` (investing.com).

The parsers return an aware datetime or None; a date without a zone is read in the source's
``feed_timezone``. ``has_time``/``has_offset`` say what a date string gives, and
``settle_day`` turns a day without a time into a timestamp without inventing midnight.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

_ZONELESS = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$"
)
_YEAR_RANGE = range(1970, 2201)
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
_OFFSET_AT_END = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|GMT|UTC|UT)$", re.IGNORECASE)
# RFC 822 dates written with local month names (pt, es, fr, de, it, nl), as some feeds do.
_MONTHS = {
    "jan": ("janv", "ene", "gen", "jän"),
    "feb": ("fev", "fév", "févr", "febr"),
    "mar": ("mär", "märz", "mars", "maart", "marz"),
    "apr": ("abr", "avr", "avril", "aprile"),
    "may": ("mai", "mayo", "maio", "mag", "mei"),
    "jun": ("juin", "giu", "juni"),
    "jul": ("juil", "lug", "juli"),
    "aug": ("ago", "août", "aout", "agosto"),
    "sep": ("set", "sept"),
    "oct": ("out", "okt", "ott"),
    "nov": ("novembre",),
    "dec": ("dez", "dic", "déc", "dezember", "dic."),
}
_LOCAL_MONTH = {alias: english for english, aliases in _MONTHS.items() for alias in aliases}
_RFC822_PARTS = re.compile(r"^\s*(?:[^\W\d]+\.?,\s*)?(\d{1,2})\s+([^\W\d]+)\.?\s+(.*)$")


def _sane(value: datetime) -> datetime | None:
    return value if value.year in _YEAR_RANGE else None


def parse_date(raw: str | None, zone: tzinfo = UTC) -> datetime | None:
    """Parse a feed date string; zone-less values are read in ``zone``."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    match = _ZONELESS.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return _sane(datetime(year, month, day, hour, minute, second, tzinfo=zone))
        except (ValueError, OverflowError):
            return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        value = None
    if value is None:
        try:
            value = parsedate_to_datetime(_english_month(text))
        except (TypeError, ValueError, IndexError, OverflowError):  # a year of 20 digits
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return _sane(value)


def from_struct(parsed: time.struct_time | None) -> datetime | None:
    """A UTC ``struct_time`` as feedparser gives it, as an aware datetime."""
    if parsed is None:
        return None
    try:
        return _sane(datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC))
    except (OverflowError, ValueError, OSError):
        return None


def _english_month(text: str) -> str:
    """``Seg, 24 Set 2018 19:42:40 -0300`` -> ``24 sep 2018 19:42:40 -0300``."""
    match = _RFC822_PARTS.match(text)
    if not match:
        return text
    day, month, rest = match.groups()
    month = _LOCAL_MONTH.get(month.lower(), month)
    return f"{day} {month} {rest}"


def has_time(raw: str | None) -> bool:
    """True when a date string gives a time of day, not only a day."""
    return bool(raw and _TIME_OF_DAY.search(raw))


def has_offset(raw: str | None) -> bool:
    """True when a date string ends with its UTC offset or zone (``+02:00``, ``Z``, ``GMT``)."""
    return bool(raw and _OFFSET_AT_END.search(raw.strip()))


def settle_day(day: datetime, seen: datetime) -> datetime:
    """A timestamp for a page that gives only its publication day, without inventing midnight.

    The time it was first seen when that falls on the same day (in the day's zone); else noon
    of that day, which stays on the same calendar day wherever the site's readers are, where
    midnight UTC is the day before in the Americas.
    """
    zone = day.tzinfo or UTC
    local_seen = seen.astimezone(zone)
    if local_seen.date() == day.date():
        return local_seen
    return datetime(day.year, day.month, day.day, 12, tzinfo=zone)
