"""Publication dates of a page: as JSON-LD, meta tags and ``<time>`` elements give them, and
as pages print them (``Oct 27, 2023 05:30AM ET``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from newsdesk.dates import has_offset, has_time, parse_date
from newsdesk.extraction.blocks import text_of
from newsdesk.text import squash

_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "og:published_time",
)
_ZONES = {
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "gmt": "UTC",
    "utc": "UTC",
    "bst": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
}
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_US_NUMERIC = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?\s*([A-Za-z]{2,4})?"
)
_US_WORDS = re.compile(
    r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})\s*"
    r"([AaPp][Mm])?\s*([A-Za-z]{2,4})?)?"
)


def visible_date(text: str) -> datetime | None:
    """Parse dates as pages print them: ``Published 02/08/2025, 04:17 AM ET``,
    ``Oct 27, 2023 05:30AM ET``, ``November 19, 2026 at 3:40 PM``, or ISO 8601."""
    text = squash(text)
    iso = parse_date(text)
    if iso is not None:
        return iso
    numeric = _US_NUMERIC.search(text)
    if numeric:
        month, day, year, hour, minute, ampm, zone = numeric.groups()
        return _assemble(int(year), int(month), int(day), hour, minute, ampm, zone)
    words = _US_WORDS.search(text)
    if words and words.group(1).lower()[:3] in _MONTH_NAMES:
        name, day, year, hour, minute, ampm, zone = words.groups()
        month = _MONTH_NAMES.index(name.lower()[:3]) + 1
        return _assemble(int(year), month, int(day), hour, minute, ampm, zone)
    return None


def _assemble(
    year: int,
    month: int,
    day: int,
    hour: str | None,
    minute: str | None,
    ampm: str | None,
    zone: str | None,
) -> datetime | None:
    tz = ZoneInfo(_ZONES.get((zone or "").lower(), "UTC"))
    h = int(hour or 0)
    if ampm:
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), tzinfo=tz)
    except (ValueError, OverflowError):
        return None


_UPDATED = re.compile(r"updat|modif|edited|aktualisiert|geändert", re.IGNORECASE)
_PUBLISHED = re.compile(r"publi|pubdate|posted|created|veröffentlicht", re.IGNORECASE)
_ZONE_WORD = re.compile(rf"\b(?:{'|'.join(_ZONES)})\b", re.IGNORECASE)


def _time_dates(tree: etree._Element) -> list[str]:
    """The ``datetime`` of the page's ``<time>`` elements that date the publication: those
    marked published first, never those marked updated or modified. A value without an
    offset whose visible text names the zone (``04:01 PM EDT``) is given that zone."""
    marked: list[str] = []
    plain: list[str] = []
    for element in tree.iterfind(".//time"):
        raw = (element.get("datetime") or "").strip()
        if not raw:
            continue
        labels = " ".join(
            element.get(name) or "" for name in ("itemprop", "class", "id", "property", "name")
        )
        if _UPDATED.search(labels) and not _PUBLISHED.search(labels):
            continue
        if has_time(raw) and not has_offset(raw):
            shown = squash(text_of(element))
            zoned = visible_date(shown) if _ZONE_WORD.search(shown) else None
            value = parse_date(raw)
            if (
                zoned is not None
                and value is not None
                and zoned.replace(tzinfo=None) == value.replace(tzinfo=None, second=0)
            ):
                raw = zoned.replace(second=value.second).isoformat()
        (marked if _PUBLISHED.search(labels) else plain).append(raw)
    return marked + plain


def page_date(
    tree: etree._Element, ld: dict[str, Any], meta: dict[str, str]
) -> tuple[datetime | None, bool]:
    """The publication date and whether it has a time of day.

    JSON-LD first, then meta tags, then ``<time datetime>``; the first date found wins, and
    later sources only complete it: a time of day for a date that gives only the day (never
    midnight), an offset for a time that has none.
    """
    raws = [str(ld.get("datePublished") or "")]
    raws += [meta.get(key) or "" for key in _DATE_META]
    raws += _time_dates(tree)
    found = [(value, raw) for raw in raws if (value := parse_date(raw)) is not None]
    if not found:
        return None, True
    best, best_raw = found[0]
    if not has_time(best_raw):
        best, best_raw = next(
            ((v, r) for v, r in found if has_time(r) and v.date() == best.date()), (best, best_raw)
        )
        if not has_time(best_raw):
            return best, False
    if not has_offset(best_raw):
        wall = best.replace(tzinfo=None, second=0, microsecond=0)
        best = next(
            (
                v
                for v, r in found
                if has_offset(r) and v.replace(tzinfo=None, second=0, microsecond=0) == wall
            ),
            best,
        )
    return best, True
