"""Sitemaps as sources: a ``<urlset>`` (plain, or a Google News sitemap with the ``news:``
namespace) or a ``<sitemapindex>`` of such files.

Entries become feed entries: a news sitemap gives title, publication date, language and
keywords, which win over the page's as a feed's do; a plain sitemap gives only the link, so
title and date come from the page (``lastmod`` orders the entries, newest first, and is never
taken for the publication date). Sitemaps are third-party XML: a document type declaration is
refused outright (no entity is ever expanded, no DTD loaded, nothing fetched by the parser),
a gzip body is inflated within the fetch's byte limit, and a file gives at most the
protocol's 50,000 URLs.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urljoin

from lxml import etree

from newsdesk.dates import parse_date
from newsdesk.errors import FeedError
from newsdesk.models import FeedEntry
from newsdesk.sources.feeds import safe_entry
from newsdesk.text import plain_text
from newsdesk.urls import is_http_url

MAX_URLS = 50_000
"""URLs (or child sitemaps) read from one file: the sitemap protocol's own bound."""
MAX_TITLE = 1000
MAX_KEYWORDS = 20
_GZIP_MAGIC = b"\x1f\x8b"
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(urlset|sitemapindex)[\s>/]")
_REFUSED = "sitemap refused: it declares a document type or entities (never expanded)"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class ChildSitemap:
    """One file an index lists: its URL and when it last changed (if it says). A ``lastmod``
    that gives only the day is the end of that day, and ``day_only``: the file may change
    again that day without its ``lastmod`` changing."""

    url: str
    lastmod: datetime | None = None
    day_only: bool = False


def read_lastmod(text: str, zone: tzinfo) -> tuple[datetime | None, bool]:
    """A ``lastmod`` and whether it gives only the day (then: the last moment of that day,
    since the file or page changed at some time of it)."""
    text = text.strip()
    when = parse_date(text, zone)
    if when is not None and _DAY.fullmatch(text):
        return when + timedelta(days=1) - timedelta(microseconds=1), True
    return when, False


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    """A sitemap file: its entries, newest first (a urlset), or its children (an index).
    ``lastmod``: each entry's ``lastmod`` by link, a hint (of what is recent) and never a
    publication date."""

    index: bool
    entries: list[FeedEntry]
    children: list[ChildSitemap]
    lastmod: dict[str, datetime] = field(default_factory=dict)
    skipped: int = 0


def inflate(content: bytes, max_bytes: int) -> bytes:
    """``content`` itself, or inflated when it is gzip (a ``.xml.gz`` sitemap); FeedError
    past ``max_bytes`` inflated (a gzip bomb stops at the limit)."""
    if not content.startswith(_GZIP_MAGIC):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError(f"not a sitemap: a broken gzip body ({exc})") from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise FeedError(f"sitemap larger than {max_bytes} bytes once inflated")
    return data


_PROLOG_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?"
    rb"(?:(?:<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?(urlset|sitemapindex)[\s>/]",
    re.DOTALL,
)


def read_as_sitemap(kind: str, body: bytes) -> bool:
    """Whether a source of ``type = kind`` whose URL gave ``body`` is read as a sitemap."""
    return kind == "sitemap" or (kind == "auto" and looks_like_sitemap(body))


def looks_like_sitemap(content: bytes) -> bool:
    """Whether the body's root element is a ``urlset`` or a ``sitemapindex``: the first
    element after the prolog (XML declaration, comments, processing instructions), so a
    feed that quotes ``<urlset`` in its text is still a feed."""
    return _PROLOG_ROOT.match(content[:65536]) is not None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str:
    return "".join(str(t) for t in element.itertext()).strip() if element is not None else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def parse_sitemap(content: bytes, *, source: str, url: str, zone: tzinfo) -> ParsedSitemap:
    """Read a sitemap body; FeedError when it is not one, or is refused."""
    root_at = _ROOT.search(content[:65536])
    if _DECLARATION.search(content[: root_at.start() if root_at else 65536]):
        raise FeedError(_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not a sitemap: {exc}") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:  # whatever its encoding (UTF-16 ...)
        raise FeedError(_REFUSED)
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return ParsedSitemap(True, [], _children(root, url, zone))
    if kind != "urlset":
        raise FeedError(f"not a sitemap: the root element is <{kind}>")
    entries: list[FeedEntry] = []
    lastmod: dict[str, datetime] = {}
    skipped = 0
    for element in root:
        if _local(element.tag) != "url":
            continue
        if len(entries) + skipped >= MAX_URLS:
            skipped += 1
            continue
        read = _entry(element, source, url, zone)
        if read is None:
            skipped += 1
            continue
        entry, modified = read
        entries.append(entry)
        if modified is not None:
            lastmod[entry.link] = modified
    return ParsedSitemap(False, newest_first(entries, lastmod), [], lastmod, skipped)


def _link(element: etree._Element, base: str) -> str:
    try:
        link = urljoin(base, _text(_child(element, "loc")))
    except ValueError:
        return ""
    return link if is_http_url(link) else ""


def _children(root: etree._Element, base: str, zone: tzinfo) -> list[ChildSitemap]:
    """The files an index lists, in its order."""
    children: dict[str, ChildSitemap] = {}
    for element in root:
        if _local(element.tag) != "sitemap" or len(children) >= MAX_URLS:
            continue
        link = _link(element, base)
        if link and link not in children:
            lastmod, day_only = read_lastmod(_text(_child(element, "lastmod")), zone)
            children[link] = ChildSitemap(link, lastmod, day_only)
    return list(children.values())


def _entry(
    element: etree._Element, source: str, base: str, zone: tzinfo
) -> tuple[FeedEntry, datetime | None] | None:
    link = _link(element, base)
    if not link:
        return None
    lastmod, _ = read_lastmod(_text(_child(element, "lastmod")), zone)
    news = _child(element, "news")
    if news is None:  # title and date come from the page
        return safe_entry(FeedEntry(source=source, link=link)), lastmod
    publication = _child(news, "publication")
    language = _text(_child(publication, "language")) if publication is not None else ""
    keywords = [plain_text(k) for k in _text(_child(news, "keywords")).split(",")]
    entry = FeedEntry(
        source=source,
        link=link,
        title=plain_text(_text(_child(news, "title")))[:MAX_TITLE],
        published=parse_date(_text(_child(news, "publication_date")), zone),
        # The primary code, as a page's language is read ("en-GB" is "en"): filters match it.
        language=language.split("-")[0].lower() if _LANGUAGE.fullmatch(language) else "",
        keywords=tuple(k[:100] for k in keywords if k)[:MAX_KEYWORDS],
    )
    return safe_entry(entry), lastmod


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def newest_first(entries: list[FeedEntry], lastmod: dict[str, datetime]) -> list[FeedEntry]:
    """Entries by their date (a news sitemap's) or else their ``lastmod``, newest first;
    entries with neither keep the sitemap's order, after the others."""

    def when(entry: FeedEntry) -> datetime | None:
        return entry.published or lastmod.get(entry.link)

    never = datetime.min.replace(tzinfo=UTC)
    dated = sorted((e for e in entries if when(e)), key=lambda e: when(e) or never, reverse=True)
    return dated + [e for e in entries if not when(e)]
