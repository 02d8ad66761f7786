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

Around the ``Fetcher`` here: the retry loop and ``Retry-After`` (``retry.py``), failures in
plain words (``failures.py``), the response and reading its body (``response.py``), and the
environment's proxies (``proxies.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.fetch.charset import decode_html
from newsdesk.fetch.failures import BadURL, plain_reason, status_error
from newsdesk.fetch.gate import HostGate
from newsdesk.fetch.guard import (
    TRUST_NONE,
    GuardedBackend,
    Resolver,
    Trust,
    guarded_transport,
    resolve,
)
from newsdesk.fetch.proxies import EnvironmentProxies
from newsdesk.fetch.response import Response, discard, read_body
from newsdesk.fetch.retry import with_retries
from newsdesk.models import Page

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """What to send: the same for every try of one request."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None = None
    timeout: float | None = None  # None: [fetch].timeout
    max_bytes: int | None = None  # None: [fetch].max_bytes


GateFactory = Callable[[str, FetchConfig, asyncio.Semaphore], HostGate]
"""Makes the gate of one host: (host, fetch settings, the client's shared slots)."""


def _local_gate(host: str, cfg: FetchConfig, slots: asyncio.Semaphore) -> HostGate:
    return HostGate(cfg.per_host, cfg.min_delay, shared=slots)


class Fetcher:
    """An async HTTP client with per-host limits; use as ``async with Fetcher(cfg) as f``."""

    def __init__(
        self,
        cfg: FetchConfig,
        *,
        resolver: Resolver = resolve,
        gates: GateFactory | None = None,
        observe: Callable[[str, float], None] | None = None,
    ):
        """A client for ``cfg``; ``resolver`` looks host names up (tests replace it);
        ``gates`` makes each host's politeness gate (default: this process's own);
        ``observe`` is told the host and the seconds of every try of every request."""
        self.cfg = cfg
        self._observe = observe
        limits = httpx.Limits(max_connections=cfg.concurrency)
        self._proxies = EnvironmentProxies()
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
        self._gate_factory = gates or _local_gate
        self._gates: dict[str, HostGate] = {}

    def _http_client(
        self, transport: httpx.AsyncBaseTransport, limits: httpx.Limits
    ) -> httpx.AsyncClient:
        # Environment proxies, mounted by hand: httpx drops them when a transport is given.
        return httpx.AsyncClient(
            headers={"User-Agent": self.cfg.user_agent_header, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,  # _follow follows them, judging each hop
            timeout=httpx.Timeout(self.cfg.timeout),
            transport=transport,
            mounts=self._proxies.mounts(limits),
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
        host = host.lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = self._gate_factory(host, self.cfg, self._slots)
        return gate

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
        trust: Trust = TRUST_NONE,
        max_bytes: int | None = None,
    ) -> Response:
        """GET ``url``, retrying transient failures; raise FetchError when it cannot be had.

        A 304 Not Modified is returned, not raised, for conditional requests. Hops to origins
        that ``trust`` does not cover may only reach public addresses. A body longer than
        ``max_bytes`` (default ``[fetch] max_bytes``) fails.
        """
        request = _Outgoing("GET", url, headers or {}, max_bytes=max_bytes)
        return await self._send(request, retries, trust)

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
        tries = (self.cfg.retries if retries is None else retries) + 1
        return await with_retries(
            lambda: self._attempt(request, trust), self.gate(host), self.cfg, tries
        )

    async def _attempt(self, request: _Outgoing, trust: Trust) -> Response:
        if self._observe is None:
            return await self._try(request, trust)
        started = time.monotonic()
        try:
            return await self._try(request, trust)
        finally:
            self._observe(urlsplit(request.url).hostname or "", time.monotonic() - started)

    async def _try(self, request: _Outgoing, trust: Trust) -> Response:
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
            raise FetchError(f"connection failed: {plain_reason(exc)}", transient=True) from None

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
            if not trusted and self._proxies.carries(request.url):
                await self._check_before_proxy(request.url.host)
            client = self._trusted if trusted else self._public
            response = await client.send(request, stream=True)
            if response.next_request is None:
                return response
            await discard(response)
            request = response.next_request
            if request.url.scheme not in ("http", "https"):
                raise FetchError(f"redirected to a non-http(s) URL: {request.url}")
        raise FetchError(f"more than {self.cfg.max_redirects} redirects")

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
                raise status_error(response)
            if status == 304:
                return Response(str(response.url), status, response.headers, b"")
            content = await read_body(response, outgoing.max_bytes or self.cfg.max_bytes)
            return Response(str(response.url), status, response.headers, content)

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
