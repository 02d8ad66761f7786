"""Read a feed body (RSS 0.9x/1.0/2.0, Atom, RDF or JSON Feed) into FeedEntry records."""

from __future__ import annotations

import codecs
import logging
import re
import xml.parsers.expat
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import tzinfo
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser

from newsdesk.dates import from_struct, parse_date
from newsdesk.errors import FeedError
from newsdesk.models import FeedEntry
from newsdesk.sources.jsonfeed import looks_like_json, parse_json_feed
from newsdesk.text import plain_text
from newsdesk.urls import is_http_url
from newsdesk.xmltext import xml_safe

log = logging.getLogger("newsdesk")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and the entries that carry a usable http(s) link."""

    title: str
    entries: list[FeedEntry]
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    ttl: str | None = None
    archive: str | None = None
    """The feed's previous archive page (RFC 5005 ``prev-archive``), resolved, if it links
    one."""


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
        title, json_entries, unreadable = parse_json_feed(content, source, zone)
        return _keep_linked(title, json_entries, url, unreadable)
    content = _neutralise_charrefs(_as_utf8(content))
    if _attribute_bomb(content):
        raise FeedError(f"not a feed: an element has more than {MAX_ATTRIBUTES} attributes")
    try:
        parsed = feedparser.parse(
            content,
            response_headers={
                "content-type": content_type or "application/xml",
                "content-location": url,
            },
            sanitize_html=True,
            resolve_relative_uris=True,
        )
    except Exception as exc:  # noqa: BLE001 - feedparser giving up on hostile bytes is a reason
        raise FeedError(f"not a feed newsdesk can read ({type(exc).__name__}: {exc})") from None
    if not parsed.get("version") and not parsed.entries:
        head = content.lstrip()[:512].lower()
        if b"<html" in head or b"<!doctype html" in head:
            raise FeedError("not a feed: the URL returned an HTML page")
        reason = parsed.get("bozo_exception") or "no RSS, Atom, RDF or JSON Feed content"
        raise FeedError(f"not a feed: {reason}")
    entries: list[FeedEntry] = []
    unreadable = 0
    for entry in parsed.entries:
        try:
            entries.append(_feed_entry(entry, source, url, zone))
        except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the others
            unreadable += 1
            log.debug("entry could not be read: %r", exc, extra={"source": source, "url": url})
    feed = _keep_linked(plain_text(str(parsed.feed.get("title", ""))), entries, url, unreadable)
    ttl = parsed.feed.get("ttl")
    return replace(feed, ttl=ttl if isinstance(ttl, str) else None, archive=_archive(parsed, url))


def _archive(parsed: Any, base: str) -> str | None:
    """The ``prev-archive`` link of a paged feed archive (RFC 5005), if an http(s) one."""
    for link in parsed.feed.get("links", []) or []:
        if isinstance(link, dict) and link.get("rel") == "prev-archive":
            try:
                href = urljoin(base, str(link.get("href", "")))
            except ValueError:
                return None
            return href if is_http_url(href) else None
    return None


_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")


def _charref(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    if len(digits) > 9:
        return b"&#xFFFD;"
    code = int(digits[1:], 16) if digits[:1] in b"xX" else int(digits)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return b"&#xFFFD;"
    if 0x80 <= code <= 0x9F:  # as browsers read them: windows-1252 ("&#133;" is "...")
        try:
            return b"&#x%X;" % ord(bytes([code]).decode("cp1252"))
        except UnicodeDecodeError:
            return b""
    return match.group(0) if xml_safe(chr(code)) else b""


MAX_ATTRIBUTES = 1000
"""More attributes than this on one element is no feed (feedparser's strict parser spends
quadratic time on them: 40,000 attributes take minutes)."""


class _TooManyAttributes(Exception):
    pass


def _attribute_bomb(content: bytes) -> bool:
    """True when a well-formed document has an element with absurdly many attributes (expat
    reads it in linear time; a document it cannot read goes to feedparser's loose parser,
    which has no such cost)."""
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(attributes) > MAX_ATTRIBUTES:
            raise _TooManyAttributes

    parser.StartElementHandler = start
    try:
        parser.Parse(content, True)
    except _TooManyAttributes:
        return True
    except Exception:  # noqa: BLE001 - not well-formed, an unknown encoding: feedparser decides
        return False
    return False


_UNICODE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""")


def _as_utf8(content: bytes) -> bytes:
    """A UTF-16 or UTF-32 document as UTF-8, its declaration to match, so that the byte-level
    repairs below apply to it too."""
    for start, codec in _UNICODE_STARTS:
        if content.startswith(start):
            text = content.decode(codec, errors="replace").lstrip("\ufeff")
            return _XML_ENCODING.sub(r"\1utf-8", text, count=1).encode("utf-8")
    return content


def _neutralise_charrefs(content: bytes) -> bytes:
    """Character references to what no text may hold become what a browser would show: a
    lone surrogate or a code point past U+10FFFF is U+FFFD, a control character nothing, C1
    codes their windows-1252 letters. feedparser raises on some of them and loses the feed."""
    return _CHARREF.sub(_charref, content)


def _feed_entry(entry: Any, source: str, url: str, zone: tzinfo) -> FeedEntry:
    return FeedEntry(
        source=source,
        link=_entry_link(entry, url),
        guid=str(entry.get("id") or "").strip() or None,
        title=plain_text(str(entry.get("title", ""))),
        published=_entry_date(entry, zone),
        authors=_entry_authors(entry),
        content_html=_entry_content(entry),
        image=_entry_image(entry),
    )


def safe_entry(entry: FeedEntry) -> FeedEntry:
    """The entry with every text field passed through ``xml_safe`` (a lone surrogate from a
    character reference cannot even be stored as UTF-8)."""
    changes: dict[str, Any] = {}
    for f in fields(entry):
        value = getattr(entry, f.name)
        cleaned: str | tuple[str, ...]
        if isinstance(value, str):
            cleaned = xml_safe(value)
        elif isinstance(value, tuple):
            cleaned = tuple(xml_safe(v) for v in value)
        else:
            continue
        if cleaned != value:
            changes[f.name] = cleaned
    return replace(entry, **changes) if changes else entry


def _keep_linked(
    title: str, entries: list[FeedEntry], base: str, unreadable: int = 0
) -> ParsedFeed:
    kept: list[FeedEntry] = []
    skipped = 0
    for entry in entries:
        try:
            link = urljoin(base, entry.link) if entry.link else ""
        except ValueError:  # "http://[oops/": not even a URL
            link = ""
        if is_http_url(link):
            kept.append(safe_entry(entry if link == entry.link else replace(entry, link=link)))
        else:
            skipped += 1
    warnings = [f"{skipped} item(s) without a usable http(s) link were ignored"] if skipped else []
    if unreadable:
        warnings.append(f"{unreadable} item(s) could not be read and were ignored")
    warnings += _reused_guids(kept)
    return ParsedFeed(
        title=xml_safe(title), entries=kept, skipped=skipped + unreadable, warnings=warnings
    )


def _reused_guids(entries: list[FeedEntry]) -> list[str]:
    """Warnings for guids the feed gives to several different links (each link is its own
    item: items are identified by their link, see ``Store.register``)."""
    links: defaultdict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.guid:
            links[entry.guid].add(entry.link)
    reused = {guid: len(urls) for guid, urls in links.items() if len(urls) > 1}
    if not reused:
        return []
    guid, count = max(reused.items(), key=lambda pair: pair[1])
    return [
        f"the feed gives one guid to several links ({guid[:80]!r} to {count}); "
        "each link is kept as its own item"
    ]
