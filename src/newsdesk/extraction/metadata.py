"""Page metadata: JSON-LD, meta tags, and visible dates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree

from newsdesk.dates import has_offset, has_time, parse_date
from newsdesk.extraction.blocks import text_of
from newsdesk.extraction.titles import choose_title
from newsdesk.text import plain_text, squash
from newsdesk.urls import is_http_url

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "report",
    "webpage",
}
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


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Metadata found in a page's head and structured data."""

    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime | None = None
    date_has_time: bool = True
    image: str = ""
    description: str = ""
    language: str = ""


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"):
            if key in node:
                yield from _walk_jsonld(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    kinds = node.get("@type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {str(k).lower() for k in kinds}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    if isinstance(value, dict):
        return _names(value.get("name", ""))
    return []


def _image_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return next((u for u in map(_image_url, value) if u), "")
    if isinstance(value, dict):
        return _image_url(value.get("url") or value.get("contentUrl") or "")
    return ""


def json_ld_article(tree: etree._Element) -> dict[str, Any]:
    """The first Article-like JSON-LD object in the page (empty when there is none)."""
    best: dict[str, Any] = {}
    for script in tree.iterfind(".//script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):  # not JSON, a number too long, nested too deep
            continue
        for node in _walk_jsonld(data):
            kinds = _types(node)
            if kinds & _ARTICLE_TYPES and (node.get("headline") or node.get("datePublished")):
                if "webpage" not in kinds:
                    return node
                best = best or node
    return best


def _meta(tree: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in found:
            found[key] = content.strip()
    return found


def _clean_authors(names: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        name = squash(re.sub(r"^(by|von|par|por|di)\s+", "", plain_text(name), flags=re.I))
        if name and not is_http_url(name) and len(name) < 120 and name not in out:
            out.append(name)
    return tuple(out)


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


def page_language(tree: etree._Element, meta: dict[str, str]) -> str:
    """The language the page declares (``<html lang>``, content-language, og:locale)."""
    root = tree.getroottree().getroot()
    for value in (
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        meta.get("content-language"),
        meta.get("og:locale"),
        meta.get("language"),
    ):
        if value:
            code = re.split(r"[-_]", value.strip())[0].lower()
            if re.fullmatch(r"[a-z]{2,3}", code):
                return code
    return ""


def page_metadata(tree: etree._Element, url: str = "") -> PageMeta:
    """Collect title, authors, date, lead image, description and language from a page."""
    ld = json_ld_article(tree)
    meta = _meta(tree)
    head_title = tree.find(".//title")
    meta_titles = [
        plain_text(str(ld.get("headline") or "")),
        plain_text(meta.get("og:title") or ""),
        plain_text(meta.get("twitter:title") or ""),
        squash(text_of(head_title)) if head_title is not None else "",
    ]
    publisher = ld.get("publisher")
    site_names = [meta.get("og:site_name") or "", meta.get("application-name") or ""]
    site_names += _names(publisher)
    title = choose_title(tree, meta_titles, site_names, url)
    date, date_has_time = page_date(tree, ld, meta)
    authors = _clean_authors(_names(ld.get("author")))
    if not authors:
        authors = _clean_authors(
            [
                meta[k]
                for k in ("author", "article:author", "parsely-author", "byl", "dc.creator")
                if k in meta
            ]
        )
    image = _image_url(ld.get("image")) or meta.get("og:image") or meta.get("twitter:image") or ""
    description = plain_text(
        meta.get("og:description") or meta.get("description") or str(ld.get("description") or "")
    )
    return PageMeta(
        title=title,
        authors=authors,
        date=date,
        date_has_time=date_has_time,
        image=urljoin(url, image) if image and url else image,
        description=description,
        language=page_language(tree, meta) or str(ld.get("inLanguage") or "")[:2].lower(),
    )
