"""The HTTP client: polite, bounded, retrying.

At most ``concurrency`` requests are in flight, at most ``per_host`` to one host, and requests to
one host start at least ``min_delay`` seconds apart. Every attempt has a total deadline (a
server that dribbles bytes cannot hold a worker), a size cap that also bounds decompression, and
a redirect limit; the final URL after redirects is kept. Transient failures (connection errors,
timeouts, 5xx, 429) are retried with exponential backoff and jitter; a ``Retry-After`` cools the
host down for everyone.

Redirects are followed here, one hop at a time, so that each hop is judged on its own: a hop
to an origin the request's ``Trust`` does not cover goes through the client that connects only
to public addresses (``guard.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.fetch.charset import decode_html
from newsdesk.fetch.decompress import BoundedDecoder
from newsdesk.fetch.gate import HostGate
from newsdesk.fetch.guard import TRUST_NONE, Trust, public_only_transport
from newsdesk.models import Page

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
MAX_RETRY_AFTER = 7 * 86400.0  # a longer Retry-After is read as a week
_DIGITS = re.compile(r"[0-9]+")  # str.isdigit() also accepts "²", which int() refuses


class BadURL(FetchError):
    """A URL that cannot be requested at all (not http(s), a bad port, a host httpx refuses)."""


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


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), at most a week."""
    if not value:
        return None
    value = value.strip()
    if _DIGITS.fullmatch(value):
        return MAX_RETRY_AFTER if len(value) > 9 else min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        seconds = float(when.timestamp()) - time.time()
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER) if math.isfinite(seconds) else None


_BY_TYPE: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.ReadError, "the connection was reset or closed mid-response"),
    (httpx.WriteError, "the connection was reset while sending the request"),
    (httpx.RemoteProtocolError, "the server broke the HTTP protocol"),
    (httpx.ConnectError, "could not connect"),
    (httpx.ProxyError, "the proxy refused the request"),
)


def _plain(exc: httpx.TransportError) -> str:
    text = str(exc)
    if not text:
        return next(
            (words for kind, words in _BY_TYPE if isinstance(exc, kind)), type(exc).__name__
        )
    lowered = text.lower()
    for needle, words in (
        ("connection refused", "connection refused"),
        ("all connection attempts failed", "could not connect (refused or unreachable)"),
        ("name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("temporary failure in name resolution", "host name lookup failed"),
        ("reset by peer", "connection reset by the server"),
        ("server disconnected", "the server closed the connection mid-response"),
        ("incomplete", "the server closed the connection mid-response"),
        ("certificate", "TLS certificate problem"),
    ):
        if needle in lowered:
            return words
    return text


class Fetcher:
    """An async HTTP client with per-host limits; use as ``async with Fetcher(cfg) as f``."""

    def __init__(self, cfg: FetchConfig, transport: httpx.AsyncBaseTransport | None = None):
        """A client for ``cfg``; ``transport`` replaces the network (no address check then)."""
        self.cfg = cfg
        limits = httpx.Limits(max_connections=cfg.concurrency)
        # Trusted origins (the user's own feeds): any address, environment proxies honoured.
        self._client = self._http_client(transport or httpx.AsyncHTTPTransport(limits=limits))
        # Everything else: public addresses only, connected to directly (a proxy would
        # resolve the name itself, out of the check's reach).
        self._public = (
            self._client
            if transport is not None
            else self._http_client(public_only_transport(limits), trust_env=False)
        )
        self._slots = asyncio.Semaphore(cfg.concurrency)
        self._gates: defaultdict[str, HostGate] = defaultdict(
            lambda: HostGate(cfg.per_host, cfg.min_delay, shared=self._slots)
        )

    def _http_client(
        self, transport: httpx.AsyncBaseTransport, *, trust_env: bool = True
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            headers={"User-Agent": self.cfg.user_agent_header, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,  # _follow follows them, judging each hop
            timeout=httpx.Timeout(self.cfg.timeout),
            transport=transport,
            trust_env=trust_env,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()
        if self._public is not self._client:
            await self._public.aclose()

    def gate(self, host: str) -> HostGate:
        """The politeness gate of ``host`` (robots.txt's Crawl-delay adjusts it)."""
        return self._gates[host.lower()]

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
        trust: Trust = TRUST_NONE,
    ) -> Response:
        """GET ``url``, retrying transient failures; raise FetchError when it cannot be had.

        A 304 Not Modified is returned, not raised, for conditional requests. Hops to origins
        that ``trust`` does not cover may only reach public addresses.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            raise BadURL(f"not a valid URL: {url!r}") from None
        if parts.scheme not in ("http", "https") or not host:
            raise BadURL(f"not an http(s) URL: {url!r}")
        gate = self.gate(host)
        tries = (self.cfg.retries if retries is None else retries) + 1
        for attempt in range(tries):
            try:
                async with gate:  # the host's turn, then one of the client's slots
                    return await self._attempt(url, headers or {}, trust)
            except FetchError as exc:
                if exc.retry_after is not None:
                    gate.cool_down(min(exc.retry_after, self.cfg.max_retry_wait))
                last = attempt == tries - 1
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                if not exc.transient or last or wait > self.cfg.max_retry_wait:
                    raise
            await asyncio.sleep(wait)  # backoff between tries of one request
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        base = self.cfg.backoff * 2.0**attempt
        return min(base + random.uniform(0, base), self.cfg.max_retry_wait)

    async def _attempt(self, url: str, headers: dict[str, str], trust: Trust) -> Response:
        try:
            async with asyncio.timeout(self.cfg.timeout):
                return await self._request(url, headers, trust)
        except TimeoutError:
            raise FetchError(f"timed out after {self.cfg.timeout:g}s", transient=True) from None
        except httpx.InvalidURL as exc:
            raise BadURL(f"not a valid URL: {exc}") from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.cfg.timeout:g}s", transient=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"connection failed: {_plain(exc)}", transient=True) from None

    async def _follow(self, url: str, headers: dict[str, str], trust: Trust) -> httpx.Response:
        """Send the request and follow its redirects one hop at a time; the last response is
        returned open (its body unread)."""
        request = self._client.build_request("GET", url, headers=headers)
        for _ in range(self.cfg.max_redirects + 1):
            client = self._client if trust.admits(request.url) else self._public
            response = await client.send(request, stream=True)
            if response.next_request is None:
                return response
            await response.aclose()
            request = response.next_request
            if request.url.scheme not in ("http", "https"):
                raise FetchError(f"redirected to a non-http(s) URL: {request.url}")
        raise FetchError(f"more than {self.cfg.max_redirects} redirects")

    async def _request(self, url: str, headers: dict[str, str], trust: Trust) -> Response:
        response = await self._follow(url, headers, trust)
        async with contextlib.aclosing(response):
            status = response.status_code
            if status >= 400:
                raise FetchError(
                    f"HTTP {status} {response.reason_phrase}".strip(),
                    status=status,
                    transient=status in _TRANSIENT_STATUS,
                    retry_after=retry_after_seconds(response.headers.get("retry-after"))
                    if status in (429, 503)
                    else None,
                )
            if status == 304:
                return Response(str(response.url), status, response.headers, b"")
            declared = response.headers.get("content-length", "").strip()
            if _DIGITS.fullmatch(declared) and (
                len(declared) > 18 or int(declared) > self.cfg.max_bytes
            ):
                size = f"{declared} bytes" if len(declared) <= 18 else f"{len(declared)} digits"
                raise FetchError(
                    f"response too large ({size}, limit {self.cfg.max_bytes})", status=status
                )
            decoder = BoundedDecoder(
                response.headers.get("content-encoding", ""), self.cfg.max_bytes
            )
            chunks: list[bytes] = []
            async for raw in response.aiter_raw():
                chunks.append(decoder.feed(raw))
            chunks.append(decoder.flush())
            return Response(str(response.url), status, response.headers, b"".join(chunks))

    async def get_page(self, url: str, trust: Trust = TRUST_NONE) -> Page:
        """GET an article page and decode it; non-HTML answers (PDF, images) fail."""
        response = await self.get(
            url, headers={"Accept": "text/html,application/xhtml+xml"}, trust=trust
        )
        if response.content_type not in _HTML_TYPES:
            raise FetchError(f"not an HTML page ({response.content_type})", status=response.status)
        html = decode_html(response.content, response.headers.get("content-type", ""))
        return Page(
            url=response.url,
            status=response.status,
            html=html,
            content_type=response.content_type or "text/html",
        )
