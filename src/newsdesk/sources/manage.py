"""``newsdesk sources``: find a site's feed from any of its pages, and keep the ``[[sources]]``
of ``newsdesk.toml`` (add, list, remove, OPML import and export) without disturbing the rest
of the file: its comments, its order, its other tables stay byte for byte as they were.
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree
from lxml import html as lxml_html
from pydantic import ValidationError

from newsdesk.config import Config, FetchConfig, SourceConfig, load_config, parse_config
from newsdesk.errors import ConfigError, FeedError, FetchError, NewsdeskError
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import Trust
from newsdesk.fetch.response import Response
from newsdesk.fetch.robots import RobotsRules
from newsdesk.layout import CONFIG_FILE
from newsdesk.publish.files import write_atomic
from newsdesk.publish.frontmatter import quote
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.sitemap import inflate, looks_like_sitemap, parse_sitemap
from newsdesk.xmltext import xml_safe

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
)
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/rss/index.xml",
    "/feeds/posts/default",
)
MAX_CANDIDATES = 8
"""Feeds a page may name that are checked; a page naming more is not believed further."""
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9,"
    " text/html;q=0.8, */*;q=0.5"
)
_SOURCES_HEADER = re.compile(r"^\s*\[\[\s*sources\s*\]\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[")


class SourceError(NewsdeskError):
    """A source cannot be added, removed or imported; the message says why."""


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A feed (or sitemap) that was fetched and read: its URL, title and how many items it
    has (a sitemap index: how many files it lists)."""

    url: str
    title: str
    items: int
    kind: str = "feed"
    """``feed``, ``sitemap``, ``news sitemap`` or ``sitemap index``."""


@dataclass(frozen=True, slots=True)
class Discovery:
    """What looking at a URL found: the feeds that work, and the candidates that did not."""

    feeds: list[FoundFeed]
    tried: list[tuple[str, str]]
    """(candidate URL, why it is not a feed newsdesk can read)."""


# -- finding feeds ---------------------------------------------------------------------------


def discover_feeds(url: str, cfg: FetchConfig) -> Discovery:
    """The feeds at ``url``: the URL itself when it is a feed; else, when it is a page, the
    feeds it names (``<link rel="alternate">``), then the usual feed paths of its site.

    Each is fetched and read. The URL typed by the user may be on any address its
    ``allow_private`` admits; feeds a page names on other hosts only on public ones.
    """
    return asyncio.run(_discover(url, cfg))


async def _discover(url: str, cfg: FetchConfig) -> Discovery:
    trust = Trust.of_feed(url, allow_private=cfg.allow_private)
    tried: list[tuple[str, str]] = []
    async with Fetcher(cfg) as fetcher:
        try:
            response = await fetcher.get(url, headers={"Accept": _ACCEPT}, trust=trust, retries=1)
        except FetchError as exc:
            raise SourceError(f"{url}: {exc}") from None
        found = _as_feed(response, cfg.max_bytes)
        if isinstance(found, FoundFeed):
            return Discovery([replace(found, url=url)], tried)
        root = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        feeds: list[FoundFeed] = []
        # The feeds the page names; when none of them can be read, the usual paths.
        for candidates in (
            _named_feeds(response.content, response.url)[:MAX_CANDIDATES],
            [root + path for path in COMMON_PATHS],
        ):
            for candidate in candidates:
                result = await _check(fetcher, candidate, trust)
                if isinstance(result, FoundFeed):
                    if all(f.url != result.url for f in feeds):
                        feeds.append(result)
                else:
                    tried.append((candidate, result))
            if feeds:
                break
        if not feeds:  # no feed: the sitemaps robots.txt names, or the usual one
            for candidate in await _robots_sitemaps(fetcher, root, trust):
                result = await _check(fetcher, candidate, trust)
                if isinstance(result, FoundFeed):
                    feeds.append(result)
                else:
                    tried.append((candidate, result))
        return Discovery(feeds, tried)


async def _robots_sitemaps(fetcher: Fetcher, root: str, trust: Trust) -> list[str]:
    """The ``Sitemap:`` URLs of a site's robots.txt (http(s), at most a few), then
    ``/sitemap.xml``; news sitemaps first, since they hold what is new."""
    urls: list[str] = []
    try:
        response = await fetcher.get(root + "/robots.txt", trust=trust, retries=0)
        text = response.content[:500_000].decode("utf-8", "replace")
        parser = RobotsRules(response.status, text).parser()
    except FetchError:
        parser = None
    for listed in (parser.site_maps() if parser else None) or []:
        url = urljoin(root + "/", listed.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
    if root + "/sitemap.xml" not in urls:
        urls.append(root + "/sitemap.xml")
    urls.sort(key=lambda u: "news" not in u.lower())  # stable: robots.txt order otherwise
    return urls[:MAX_CANDIDATES]


async def _check(fetcher: Fetcher, url: str, trust: Trust) -> FoundFeed | str:
    """The feed at ``url``, or why there is none."""
    try:
        response = await fetcher.get(url, headers={"Accept": _ACCEPT}, trust=trust, retries=0)
    except FetchError as exc:
        return str(exc)
    found = _as_feed(response, fetcher.cfg.max_bytes)
    return replace(found, url=url) if isinstance(found, FoundFeed) else found


def _as_feed(response: Response, max_bytes: int) -> FoundFeed | str:
    """What a response is as a source (read as a poll would read it), or why it is none."""
    url, content_type = response.url, response.headers.get("content-type", "")
    try:
        body = inflate(response.content, max_bytes)
        if looks_like_sitemap(body):
            return _as_sitemap(body, url)
        feed = parse_feed(body, source="", url=url, zone=ZoneInfo("UTC"), content_type=content_type)
    except FeedError as exc:
        return str(exc)
    return FoundFeed(url, feed.title, len(feed.entries))


def _as_sitemap(body: bytes, url: str) -> FoundFeed:
    parsed = parse_sitemap(body, source="", url=url, zone=ZoneInfo("UTC"))
    if parsed.index:
        return FoundFeed(url, "", len(parsed.children), "sitemap index")
    news = any(e.title for e in parsed.entries)
    return FoundFeed(url, "", len(parsed.entries), "news sitemap" if news else "sitemap")


def _named_feeds(content: bytes, base: str) -> list[str]:
    """The feed URLs a page names in ``<link rel="alternate" type="...">``, in order."""
    try:
        document = lxml_html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return []
    urls: list[str] = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if urlsplit(absolute).scheme in ("http", "https") and absolute not in urls:
                urls.append(absolute)
    return urls


# -- newsdesk.toml ----------------------------------------------------------------------------


def add_source(site_dir: Path, url: str, name: str = "") -> tuple[SourceConfig, Discovery]:
    """Find the feed at ``url`` (a feed or any page of its site), check it, and append it to
    ``newsdesk.toml`` as a ``[[sources]]`` table named ``name`` (default: the feed's title).
    """
    cfg = load_config(site_dir)
    if name.strip():
        _source(name, "https://example.invalid/")  # a bad --name is said before any request
    discovery = discover_feeds(url.strip(), cfg.fetch)
    if not discovery.feeds:
        tried = "; ".join(f"{u}: {why}" for u, why in discovery.tried[:4])
        raise SourceError(f"no feed found at {url}" + (f" (tried {tried})" if tried else ""))
    feed = discovery.feeds[0]
    if any(s.url == feed.url for s in cfg.sources):
        raise SourceError(f"{feed.url} is already a source of this site")
    chosen = name.strip() or _name_for(feed.title, feed.url)
    if any(s.name == chosen for s in cfg.sources):
        if name.strip():
            raise SourceError(f"a source named {chosen!r} exists already: pick another --name")
        chosen = _unique(chosen, {s.name for s in cfg.sources})
    source = _source(chosen, feed.url)
    _append(site_dir, [source])
    return source, discovery


def import_opml(site_dir: Path, opml: bytes) -> tuple[list[SourceConfig], int]:
    """Append every feed of an OPML outline that is not a source yet; returns the sources
    added and how many outlines were skipped (already sources, or not http(s) feeds)."""
    cfg = load_config(site_dir)
    names = {s.name for s in cfg.sources}
    urls = {s.url for s in cfg.sources}
    added: list[SourceConfig] = []
    skipped = 0
    for title, url in _outlines(opml):
        if url in urls or urlsplit(url).scheme not in ("http", "https"):
            skipped += 1
            continue
        name = _unique(_name_for(title, url), names)
        try:
            source = SourceConfig(name=name, url=url)
        except ValueError:
            skipped += 1
            continue
        names.add(name)
        urls.add(url)
        added.append(source)
    if added:
        _append(site_dir, added)
    return added, skipped


def export_opml(cfg: Config) -> str:
    """The site's sources as an OPML 2.0 document."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_safe(f"{cfg.site.title}: newsdesk sources")
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = etree.SubElement(root, "body")
    for source in cfg.sources:
        name = xml_safe(source.name)
        etree.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=source.url)
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


def remove_source(site_dir: Path, name: str) -> SourceConfig:
    """Remove the ``[[sources]]`` table named ``name`` from ``newsdesk.toml`` (its posts and
    state stay); the rest of the file is kept as it is."""
    path = Path(site_dir) / CONFIG_FILE
    cfg = load_config(site_dir)
    try:
        source = cfg.source(name)
    except KeyError:
        known = ", ".join(repr(s.name) for s in cfg.sources) or "none"
        raise SourceError(f"no source named {name!r} (sources: {known})") from None
    lines = _read(path).splitlines(keepends=True)
    for start, end in _source_blocks(lines):
        block = "".join(lines[start:end])
        try:
            table = tomllib.loads(block.split("]]", 1)[1])
        except (tomllib.TOMLDecodeError, IndexError):
            continue
        if str(table.get("name", "")).strip() == source.name:
            text = "".join(lines[:start] + lines[end:])
            left = [s.model_dump() for s in _checked(path, text).sources]
            if left != [s.model_dump() for s in cfg.sources if s.name != source.name]:
                break  # the lines were not what they seemed (a sub-table, a multi-line string)
            write_atomic(path, text)
            return source
    raise SourceError(
        f"the source {name!r} is not a plain [[sources]] table in {path}: edit the file by hand"
    )


def _source_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, line after the last) of each ``[[sources]]`` table, with its sub-tables
    (``[sources.filters]``); a table's trailing blank and comment lines stay with the next."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    for n, line in enumerate([*lines, "[end]\n"]):
        is_source = bool(_SOURCES_HEADER.match(line))
        sub_table = re.match(r"^\s*\[\s*sources\.", line) is not None
        if start is not None and _TABLE_HEADER.match(line) and not sub_table:
            end = n
            while end > start + 1 and (
                not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")
            ):
                end -= 1
            blocks.append((start, end))
            start = None
        if is_source:
            start = n
    return blocks


def _append(site_dir: Path, sources: list[SourceConfig]) -> None:
    path = Path(site_dir) / CONFIG_FILE
    text = _read(path)
    eol = "\r\n" if "\r\n" in text else "\n"  # the file's own line ending
    if text and not text.endswith("\n"):
        text += eol
    for source in sources:
        lines = ["", "[[sources]]", f"name = {quote(source.name)}", f"url = {quote(source.url)}"]
        text += eol.join(lines) + eol
    _write_checked(path, text)


def _read(path: Path) -> str:
    """``newsdesk.toml`` as it is, line endings included."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None


def _checked(path: Path, text: str) -> Config:
    """``text`` read as ``newsdesk.toml``; ConfigError when it would not be a valid one."""
    try:
        return parse_config(tomllib.loads(text), str(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} would not be valid TOML ({exc}): left as it was") from None


def _write_checked(path: Path, text: str) -> None:
    """Write ``text`` as ``newsdesk.toml`` only when it is a valid configuration."""
    _checked(path, text)
    write_atomic(path, text)


def _outlines(opml: bytes) -> list[tuple[str, str]]:
    """(title, feed URL) of every outline with an ``xmlUrl``, in document order."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(opml, parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not an OPML file: {exc}") from None
    if root is None or etree.QName(root).localname != "opml":
        raise SourceError("not an OPML file: its root element is not <opml>")
    found = []
    for outline in root.iter("{*}outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            found.append(((outline.get("title") or outline.get("text") or "").strip(), url))
    return found


def _source(name: str, url: str) -> SourceConfig:
    """A ``[[sources]]`` entry; SourceError naming what is wrong with ``name`` or ``url``."""
    try:
        return SourceConfig(name=name, url=url)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise SourceError(f"not a source newsdesk can keep: {problems}") from None


def _name_for(title: str, url: str) -> str:
    """A source name from a feed's title (one short line), else from its host."""
    name = " ".join(title.split())[:80].strip()
    return name or (urlsplit(url).hostname or "source").removeprefix("www.")


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"
