"""JSON Feed 1.0/1.1 (https://jsonfeed.org), which feedparser 6 does not read."""

from __future__ import annotations

import json
from datetime import tzinfo
from html import escape
from typing import Any

from newsdesk.dates import parse_date
from newsdesk.errors import FeedError
from newsdesk.models import FeedEntry
from newsdesk.text import plain_text


def looks_like_json(content: bytes, content_type: str = "") -> bool:
    """True when the body is probably JSON rather than XML."""
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head == b"{" or "json" in content_type.lower()


def _people(owner: dict[str, Any]) -> list[Any]:
    """``authors`` (1.1) or ``author`` (1.0) of an item or the feed, whatever their type."""
    people = owner.get("authors")
    if isinstance(people, list) and people:
        return people
    return [owner["author"]] if owner.get("author") else []


def _authors(item: dict[str, Any], feed: dict[str, Any]) -> tuple[str, ...]:
    people = _people(item) or _people(feed)
    names = (p.get("name", "") for p in people if isinstance(p, dict))
    return tuple(n.strip() for n in names if isinstance(n, str) and n.strip())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_json_feed(content: bytes, source: str, zone: tzinfo) -> tuple[str, list[FeedEntry], int]:
    """Parse a JSON Feed into its title, its entries and the number of items that could not
    be read; raise FeedError if it is not one."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except RecursionError:
        raise FeedError("not a JSON Feed: the JSON is nested too deeply") from None
    except ValueError as exc:  # invalid UTF-8 or JSON, a number too long to read
        raise FeedError(f"not a JSON Feed: invalid JSON ({str(exc)[:200]})") from None
    if not isinstance(doc, dict) or not _text(doc.get("version")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("not a JSON Feed: the 'version' key is missing or unknown")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("not a JSON Feed: 'items' is not a list")
    entries = []
    unreadable = 0
    for item in items:
        try:
            entries.append(_entry(item, doc, source, zone))
        except Exception:  # noqa: BLE001 - one odd item must not cost the others
            unreadable += 1
    return plain_text(_text(doc.get("title"))), entries, unreadable


def _entry(item: Any, doc: dict[str, Any], source: str, zone: tzinfo) -> FeedEntry:
    if not isinstance(item, dict):
        raise TypeError(f"an item is a {type(item).__name__}, not an object")
    guid = item.get("id")
    return FeedEntry(
        source=source,
        link=_text(item.get("url")) or _text(item.get("external_url")),
        guid=str(guid) if isinstance(guid, str | int) and str(guid) else None,
        title=plain_text(_text(item.get("title"))),
        published=parse_date(_text(item.get("date_published")), zone)
        or parse_date(_text(item.get("date_modified")), zone),
        authors=_authors(item, doc),
        content_html=_text(item.get("content_html"))
        or _escape(_text(item.get("content_text")))
        or _escape(_text(item.get("summary"))),
        image=_text(item.get("image")) or _text(item.get("banner_image")) or None,
    )


def _escape(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
