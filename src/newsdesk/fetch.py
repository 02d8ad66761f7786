"""Stage 2, fetch: polite concurrent HTTP with hard limits.

One ``Fetcher`` per run. At most ``concurrency`` requests are in flight, at most ``per_host``
to one host. Every request has a total deadline (a server that dribbles bytes cannot hold a
worker), a size cap, and a redirect limit; the final URL after redirects is kept.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from collections import defaultdict
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx
from charset_normalizer import from_bytes

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.models import Page

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Response:
    """A completed HTTP response, body read in full (within the size cap)."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case."""
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()


def _charset_of(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return str(codecs.lookup(encoding).name)
    except LookupError:
        return None


def decode_html(content: bytes, content_type: str = "") -> str:
    """Decode an HTML body: BOM, then the header's charset, then ``<meta charset>``, then
    strict UTF-8, then detection; never fails (undecodable bytes become U+FFFD)."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(name, errors="replace")
    declared = _known(_charset_of(content_type))
    if declared is None:
        match = _META_CHARSET.search(content[:4096])
        declared = _known(match.group(1).decode("ascii", "ignore")) if match else None
    if declared:
        # Pages that declare latin-1 are nearly always cp1252 (browsers treat them so).
        declared = "cp1252" if declared in ("latin_1", "iso8859-1", "ascii") else declared
        try:
            return content.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return content.decode(encoding, errors="replace")


class Fetcher:
    """An async HTTP client with per-host limits; use as ``async with Fetcher(cfg) as f``."""

    def __init__(self, cfg: FetchConfig, transport: httpx.AsyncBaseTransport | None = None):
        self.cfg = cfg
        self._client = httpx.AsyncClient(
            headers={"User-Agent": cfg.user_agent_header, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=True,
            max_redirects=cfg.max_redirects,
            timeout=httpx.Timeout(cfg.timeout),
            limits=httpx.Limits(max_connections=cfg.concurrency),
            transport=transport,
        )
        self._slots = asyncio.Semaphore(cfg.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(cfg.per_host)
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        """GET ``url``; raise FetchError for network errors, limits, and 4xx/5xx answers."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url!r}")
        async with self._slots, self._hosts[parts.hostname.lower()]:
            try:
                async with asyncio.timeout(self.cfg.timeout):
                    return await self._get(url, headers or {})
            except TimeoutError:
                raise FetchError(f"timed out after {self.cfg.timeout:g}s", transient=True) from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {self.cfg.max_redirects} redirects") from None
            except httpx.UnsupportedProtocol as exc:
                raise FetchError(f"redirected to a non-http(s) URL: {exc}") from None
            except httpx.DecodingError as exc:
                raise FetchError(f"response could not be decompressed: {exc}") from None
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.cfg.timeout:g}s", transient=True) from None
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise FetchError(f"connection failed: {reason}", transient=True) from None

    async def _get(self, url: str, headers: dict[str, str]) -> Response:
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status >= 400:
                transient = status >= 500 or status in (408, 425, 429)
                raise FetchError(
                    f"HTTP {status} {response.reason_phrase}".strip(),
                    status=status,
                    transient=transient,
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.cfg.max_bytes:
                raise FetchError(
                    f"response too large ({declared} bytes, limit {self.cfg.max_bytes})",
                    status=status,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.cfg.max_bytes:
                    raise FetchError(
                        f"response larger than the {self.cfg.max_bytes}-byte limit", status=status
                    )
                chunks.append(chunk)
            return Response(str(response.url), status, response.headers, b"".join(chunks))

    async def get_page(self, url: str) -> Page:
        """GET an article page and decode it; non-HTML answers (PDF, images) fail."""
        response = await self.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
        if response.content_type not in _HTML_TYPES:
            raise FetchError(f"not an HTML page ({response.content_type})", status=response.status)
        html = decode_html(response.content, response.headers.get("content-type", ""))
        return Page(
            url=response.url,
            status=response.status,
            html=html,
            content_type=response.content_type or "text/html",
        )
