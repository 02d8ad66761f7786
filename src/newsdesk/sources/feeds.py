"""Read a feed body (RSS 0.9x/1.0/2.0, Atom, RDF or JSON Feed) into FeedEntry records."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser

from newsdesk.errors import FeedError
from newsdesk.models import FeedEntry
from newsdesk.sources.dates import from_struct, parse_date
from newsdesk.sources.jsonfeed import looks_like_json, parse_json_feed
from newsdesk.sources.text import plain_text
from newsdesk.urls import is_http_url


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and the entries that carry a usable http(s) link."""

    title: str
    entries: list[FeedEntry]
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    ttl: str | None = None


def _unwrap_redirect(link: str) -> str:
    """Google Alerts and similar wrap article links in ``/url?url=<article>``."""
    parts = urlsplit(link)
    host = parts.hostname or ""
    if parts.path == "/url" and (host.startswith("google.") or ".google." in host):
        query = parse_qs(parts.query)
        for key in ("url", "q"):
            if query.get(key) and is_http_url(query[key][0]):
                return query[key][0]
    return link


def _entry_link(entry: Any, base: str) -> str:
    link = entry.get("feedburner_origlink") or entry.get("link") or ""
    if not link:
        for candidate in entry.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link and is_http_url(entry.get("id", "")):
        link = entry["id"]
    return _unwrap_redirect(urljoin(base, link.strip())) if link else ""


def _entry_date(entry: Any, zone: tzinfo) -> Any:
    for key in ("published", "updated", "created"):
        value = parse_date(entry.get(key), zone)
        if value is not None:
            return value
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = from_struct(entry.get(key))
        if value is not None:
            return value
    return None


def _entry_image(entry: Any) -> str | None:
    for media in entry.get("media_content", []) + entry.get("media_thumbnail", []):
        url = media.get("url", "")
        if is_http_url(url) and media.get("medium", "image") == "image":
            return str(url)
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return str(link.get("href", "")) or None
    return None


def _entry_content(entry: Any) -> str:
    contents = [c.get("value", "") for c in entry.get("content", [])]
    best = max(contents, key=len, default="")
    summary = entry.get("summary", "") or ""
    return best if len(best) >= len(summary) else summary


def _entry_authors(entry: Any) -> tuple[str, ...]:
    names = [plain_text(a.get("name", "")) for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [plain_text(entry["author"])]
    return tuple(n for n in names if n)


def parse_feed(
    content: bytes, *, source: str, url: str, zone: tzinfo, content_type: str = ""
) -> ParsedFeed:
    """Parse a feed body; raise FeedError when it is not a feed at all.

    Args:
        content: the raw response body.
        source: the source name, stamped on every entry.
        url: the feed's URL, for resolving relative links.
        zone: time zone for dates that carry none.
        content_type: the response's Content-Type header (charset hints).
    """
    if looks_like_json(content, content_type):
        title, entries = parse_json_feed(content, source, zone)
        return _keep_linked(title, entries, url)
    parsed = feedparser.parse(
        content,
        response_headers={
            "content-type": content_type or "application/xml",
            "content-location": url,
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.get("version") and not parsed.entries:
        head = content.lstrip()[:512].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise FeedError("not a feed: the URL returned an HTML page")
        reason = parsed.get("bozo_exception") or "no RSS, Atom, RDF or JSON Feed content"
        raise FeedError(f"not a feed: {reason}")
    entries = [
        FeedEntry(
            source=source,
            link=_entry_link(entry, url),
            guid=(entry.get("id") or "").strip() or None,
            title=plain_text(entry.get("title", "")),
            published=_entry_date(entry, zone),
            authors=_entry_authors(entry),
            content_html=_entry_content(entry),
            image=_entry_image(entry),
        )
        for entry in parsed.entries
    ]
    feed = _keep_linked(plain_text(parsed.feed.get("title", "")), entries, url)
    return replace(feed, ttl=parsed.feed.get("ttl"))


def _keep_linked(title: str, entries: list[FeedEntry], base: str) -> ParsedFeed:
    kept: list[FeedEntry] = []
    skipped = 0
    for entry in entries:
        link = urljoin(base, entry.link) if entry.link else ""
        if is_http_url(link):
            kept.append(entry if link == entry.link else _with_link(entry, link))
        else:
            skipped += 1
    warnings = [f"{skipped} item(s) without an http(s) link were ignored"] if skipped else []
    return ParsedFeed(title=title, entries=kept, skipped=skipped, warnings=warnings)


def _with_link(entry: FeedEntry, link: str) -> FeedEntry:
    return replace(entry, link=link)
