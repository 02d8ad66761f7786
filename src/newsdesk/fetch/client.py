"""The HTTP client: polite, bounded, retrying.

At most ``concurrency`` requests are in flight, at most ``per_host`` to one host, and requests to
one host start at least ``min_delay`` seconds apart. Every attempt has a total deadline (a
server that dribbles bytes cannot hold a worker), a size cap that also bounds decompression, and
a redirect limit; the final URL after redirects is kept. Transient failures (connection errors,
timeouts, 5xx, 429) are retried with exponential backoff and jitter; a ``Retry-After`` cools the
host down for everyone. Any other 4xx fails at once. ``get`` and ``post_json`` (an API call,
such as a translation backend's) share all of this.

Redirects are followed here, one hop at a time, so that each hop is judged on its own: a hop
to an origin the request's ``Trust`` does not cover goes through the client that connects only
to public addresses (``guard.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urlsplit

import httpx
from httpx._utils import URLPattern, get_environment_proxies  # no public API for either

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.fetch.charset import decode_html
from newsdesk.fetch.decompress import BoundedDecoder
from newsdesk.fetch.gate import HostGate
from newsdesk.fetch.guard import (
    TRUST_NONE,
    GuardedBackend,
    Resolver,
    Trust,
    guarded_transport,
    resolve,
)
from newsdesk.models import Page
from newsdesk.numbers import bounded_int

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
MAX_RETRY_AFTER = 7 * 86400  # a longer Retry-After is read as a week


class BadURL(FetchError):
    """A URL that cannot be requested at all (not http(s), a bad port, a host httpx refuses)."""


async def _discard(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a redirect's small body so its connection can serve the next hop; a big one is
    not worth reading, and closing drops the connection instead."""
    read = 0
    with contextlib.suppress(httpx.HTTPError):
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > limit:
                break
    await response.aclose()


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
    seconds = bounded_int(value, MAX_RETRY_AFTER)
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        ahead = float(when.timestamp()) - time.time()
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(0.0, ahead), MAX_RETRY_AFTER) if math.isfinite(ahead) else None


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


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """What to send: the same for every try of one request."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None = None
    timeout: float | None = None  # None: [fetch].timeout


class Fetcher:
    """An async HTTP client with per-host limits; use as ``async with Fetcher(cfg) as f``."""

    def __init__(self, cfg: FetchConfig, *, resolver: Resolver = resolve):
        """A client for ``cfg``; ``resolver`` looks host names up (tests replace it)."""
        self.cfg = cfg
        limits = httpx.Limits(max_connections=cfg.concurrency)
        self._proxies = get_environment_proxies()  # pattern -> proxy URL, or None: direct
        self._proxy_patterns = sorted(URLPattern(p) for p in self._proxies)  # httpx's order
        # Origins of the user's own feeds: an intranet address is fine, a public name that
        # turns private in mid-run is not (GuardedBackend).
        self._trusted = self._http_client(
            guarded_transport(GuardedBackend(first_answers={}, resolver=resolver), limits), limits
        )
        # Everything else: public addresses only.
        self._public_only = GuardedBackend(resolver=resolver)
        self._public = self._http_client(guarded_transport(self._public_only, limits), limits)
        self._resolve = resolver
        self._slots = asyncio.Semaphore(cfg.concurrency)
        self._gates: defaultdict[str, HostGate] = defaultdict(
            lambda: HostGate(cfg.per_host, cfg.min_delay, shared=self._slots)
        )

    def _http_client(
        self, transport: httpx.AsyncBaseTransport, limits: httpx.Limits
    ) -> httpx.AsyncClient:
        # Environment proxies, mounted by hand: httpx drops them when a transport is given.
        mounts: dict[str, httpx.AsyncBaseTransport | None] = {
            pattern: httpx.AsyncHTTPTransport(proxy=proxy, limits=limits) if proxy else None
            for pattern, proxy in self._proxies.items()
        }
        return httpx.AsyncClient(
            headers={"User-Agent": self.cfg.user_agent_header, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,  # _follow follows them, judging each hop
            timeout=httpx.Timeout(self.cfg.timeout),
            transport=transport,
            mounts=mounts,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._trusted.aclose()
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
        return await self._send(_Outgoing("GET", url, headers or {}), retries, trust)

    async def post_json(
        self,
        url: str,
        body: object,
        *,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
        trust: Trust = TRUST_NONE,
        timeout: float | None = None,
    ) -> Response:
        """POST ``body`` as JSON to ``url`` through the same host gates, retries and address
        checks as ``get``; raise FetchError when it fails.

        Only transient failures (connection errors, timeouts, 5xx, 429) are retried, with
        backoff or the server's Retry-After; any other 4xx is raised at once. ``timeout``
        replaces ``[fetch].timeout`` for each attempt (a model server may take minutes).
        """
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        request = _Outgoing("POST", url, {**sent, **(headers or {})}, content, timeout)
        return await self._send(request, retries, trust)

    async def _send(self, request: _Outgoing, retries: int | None, trust: Trust) -> Response:
        """One request, tried again after transient failures at this host's pace."""
        url = request.url
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
                    return await self._attempt(request, trust)
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

    async def _attempt(self, request: _Outgoing, trust: Trust) -> Response:
        seconds = self.cfg.timeout if request.timeout is None else request.timeout
        try:
            async with asyncio.timeout(seconds):
                return await self._request(request, trust)
        except TimeoutError:
            raise FetchError(f"timed out after {seconds:g}s", transient=True) from None
        except httpx.InvalidURL as exc:
            raise BadURL(f"not a valid URL: {exc}") from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {seconds:g}s", transient=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"connection failed: {_plain(exc)}", transient=True) from None

    async def _follow(self, outgoing: _Outgoing, trust: Trust) -> httpx.Response:
        """Send the request and follow its redirects one hop at a time; the last response is
        returned open (its body unread)."""
        request = self._trusted.build_request(
            outgoing.method,
            outgoing.url,
            headers=outgoing.headers,
            content=outgoing.content,
            timeout=httpx.USE_CLIENT_DEFAULT if outgoing.timeout is None else outgoing.timeout,
        )
        for _ in range(self.cfg.max_redirects + 1):
            trusted = trust.admits(request.url)
            if not trusted and self._via_proxy(request.url):
                await self._check_before_proxy(request.url.host)
            client = self._trusted if trusted else self._public
            response = await client.send(request, stream=True)
            if response.next_request is None:
                return response
            await _discard(response)
            request = response.next_request
            if request.url.scheme not in ("http", "https"):
                raise FetchError(f"redirected to a non-http(s) URL: {request.url}")
        raise FetchError(f"more than {self.cfg.max_redirects} redirects")

    def _via_proxy(self, url: httpx.URL) -> bool:
        """True when an environment proxy, not newsdesk, connects to ``url``."""
        for pattern in self._proxy_patterns:
            if pattern.matches(url):
                return self._proxies[pattern.pattern] is not None
        return False

    async def _check_before_proxy(self, host: str) -> None:
        """Behind a proxy the proxy connects, so the address cannot be pinned: refuse a host
        that resolves here to a private address (one that does not resolve is the proxy's)."""
        try:
            addresses = await self._resolve(host, 80)
        except (OSError, UnicodeError):
            return
        self._public_only.check(host, addresses)

    async def _request(self, outgoing: _Outgoing, trust: Trust) -> Response:
        response = await self._follow(outgoing, trust)
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
            length = bounded_int(declared, self.cfg.max_bytes + 1)
            if length is not None and length > self.cfg.max_bytes:
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
