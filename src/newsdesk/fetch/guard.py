"""Where URLs from third-party content may lead: never into the inside of the network.

A feed is the user's choice; the links inside it, the redirects its servers send and the pages
they point at are not. Every connection goes through ``GuardedBackend``: the host name is
resolved once, every address it resolves to is checked, and the connection goes to the
checked address itself, so a second DNS answer cannot slip in between (DNS rebinding). A
request whose origin is not trusted may reach public addresses only. Loopback, private, link-local,
CGNAT, multicast, reserved and documentation ranges are refused, in IPv4 and IPv6, including
IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64). Resolution decides, so every spelling
of an address (``127.1``, ``2130706433``, ``0x7f000001``, ``localhost``) is judged by where it
really leads.

Trusted: the origin (scheme, host, port) of the source's own feed URL, so that intranet and
local feeds keep working, held to the kind of address it first resolved to in the run; and
everything when ``allow_private`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import anyio
import httpcore
import httpx

from newsdesk.config import FetchConfig, SourceConfig
from newsdesk.errors import FetchError
from newsdesk.urls import DEFAULT_PORTS

Origin = tuple[str, str, int]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Ranges that ``is_global`` lets through on some Python versions but that lead nowhere public.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",  # 6to4 relays
        "198.18.0.0/15",
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",
        "2001:db8::/32",
        "fec0::/10",  # site-local
    )
)


class AddressRefused(FetchError):
    """A URL from a feed or page leads to an address inside the network."""

    def __init__(self, host: str, address: str, *, rebound: bool = False):
        if rebound:
            why = (
                f"refused: {host} now leads to a private or local address ({address}), after "
                "a public one earlier in this run (DNS rebinding)"
            )
        else:
            why = (
                f"refused: {host} leads to a private or local address ({address}); newsdesk "
                "reaches such addresses only at the origin of a feed URL you configured "
                "(set allow_private = true to allow)"
            )
        super().__init__(why)
        self.host = host
        self.address = address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a unicast address on the public internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return not any(ip in net for net in _NOT_PUBLIC if net.version == ip.version)


def origin_of(url: httpx.URL | str) -> Origin:
    """``(scheme, host, port)`` of a URL, with the scheme's default port filled in."""
    url = httpx.URL(url) if isinstance(url, str) else url
    scheme = url.scheme.lower()
    host = url.raw_host.decode("ascii").lower().rstrip(".")  # IDNA-encoded, no brackets
    return scheme, host, url.port or DEFAULT_PORTS.get(scheme, 0)


@dataclass(frozen=True, slots=True)
class Trust:
    """Which requests may go anywhere: those to ``origins``, or all when ``everything``."""

    origins: frozenset[Origin] = frozenset()
    everything: bool = False

    @classmethod
    def of_feed(cls, feed_url: str, *, allow_private: bool = False) -> Trust:
        """The trust of one source: its feed's own origin, and the same host over https when
        the feed is plain http (the usual upgrade redirect); everything with allow_private."""
        if allow_private:
            return cls(everything=True)
        try:
            origin = origin_of(feed_url)
        except (httpx.InvalidURL, ValueError):
            return cls()
        scheme, host, port = origin
        origins = {origin}
        if scheme == "http" and port == DEFAULT_PORTS["http"]:
            origins.add(("https", host, DEFAULT_PORTS["https"]))
        return cls(origins=frozenset(origins))

    def admits(self, url: httpx.URL) -> bool:
        """True when a request to ``url`` needs no address check."""
        return self.everything or origin_of(url) in self.origins


def source_trust(source: SourceConfig, fetch: FetchConfig) -> Trust:
    """The trust of a configured source (its ``allow_private``, else ``[fetch]``'s)."""
    allow = fetch.allow_private if source.allow_private is None else source.allow_private
    return Trust.of_feed(source.url, allow_private=allow)


TRUST_ALL = Trust(everything=True)
"""For URLs the user typed (a feed URL, ``newsdesk extract --url``)."""
TRUST_NONE = Trust()
"""For URLs that no source vouches for."""


Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the order the system gives them."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # A link-local IPv6 address comes with its zone ("fe80::1%eth0").
    found = (ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
    return list(dict.fromkeys(found))


HAPPY_EYEBALLS_DELAY = 0.25
"""Seconds before the next address is tried alongside the previous one (RFC 8305)."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that resolves a host itself, checks every address it gets,
    and connects to one of those addresses, never to the name (no second DNS answer).

    ``first_answers`` None: every address must be public (origins no source vouches for).
    A dict: the origins of the user's own feeds. A host whose first answer in this run held a
    private address is the user's intranet and may keep it; one whose first answer was all
    public must stay public, so a third-party feed's host cannot rebind its name inward.
    """

    def __init__(
        self,
        *,
        first_answers: dict[str, bool] | None = None,
        resolver: Resolver = resolve,
    ):
        self._first_answers = first_answers
        self._resolve = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve ``host``, refuse it unless its addresses may be reached, connect."""
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"looking up {host} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"host name not found ({host}): {exc}") from None
        self.check(host, addresses)
        return await self._connect_any(addresses, port, timeout, local_address, socket_options)

    def check(self, host: str, addresses: list[IPAddress]) -> None:
        """Raise AddressRefused unless ``addresses`` may be reached for ``host``."""
        private = [ip for ip in addresses if not is_public_address(ip)]
        if self._first_answers is None:
            if private:
                raise AddressRefused(host, str(private[0]))
            return
        key = host.lower().rstrip(".")
        intranet = self._first_answers.setdefault(key, bool(private))
        if private and not intranet:
            raise AddressRefused(host, str(private[0]), rebound=True)

    async def _connect_any(
        self,
        addresses: list[IPAddress],
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first address that answers, starting the next one every 250 ms
        (happy eyeballs, as anyio does for a name), so an address that hangs costs little."""
        if not addresses:
            raise httpcore.ConnectError("the host name has no address")
        options = list(socket_options or ())

        async def attempt(ip: IPAddress) -> httpcore.AsyncNetworkStream:
            return await self._inner.connect_tcp(
                str(ip),
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=options,
            )

        pending: set[asyncio.Task[httpcore.AsyncNetworkStream]] = set()
        errors: list[BaseException] = []
        waiting = list(addresses)
        try:
            while waiting or pending:
                if waiting:
                    pending.add(asyncio.ensure_future(attempt(waiting.pop(0))))
                done, pending = await asyncio.wait(
                    pending,
                    timeout=HAPPY_EYEBALLS_DELAY if waiting else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in done:
                    if task.exception() is None:
                        return task.result()
                    errors.append(task.exception())  # type: ignore[arg-type]
        finally:
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(BaseException):
                    stream = await task
                    await stream.aclose()
        raise errors[-1]

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are local by definition: refused."""
        raise AddressRefused(path, "a Unix socket")

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retry pauses)."""
        await self._inner.sleep(seconds)


def guarded_transport(backend: GuardedBackend, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through ``backend``."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    # httpx has no parameter for httpcore's network backend; its pool reads this attribute
    # for every new connection (checked by tests/test_ssrf.py against a real server).
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpcore changed: cannot install the address check")
    pool._network_backend = backend
    return transport


_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp")


def host_is_local_literal(url: str) -> bool:
    """True when a URL's host is, as written, a local or private address or ``localhost``.

    For URLs newsdesk only writes into a post and never fetches (a thumbnail): no lookup,
    only what the text says, in every numeric spelling the C library accepts.
    """
    try:
        host = httpx.URL(url).host.lower().rstrip(".")
    except (httpx.InvalidURL, ValueError):
        return True
    if not host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    if "." not in host and ":" not in host and not host.isdigit():
        return True  # a single-label name ("intranet") only resolves inside a network
    try:
        ip: IPAddress = ipaddress.ip_address(host)
    except ValueError:
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False  # a host name: not judged without a lookup
    return not is_public_address(ip)
