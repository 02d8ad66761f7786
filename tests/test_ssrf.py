"""No fetch into the inside of the network from third-party content (fetch/guard.py).

The pipeline-level cases (every spelling of loopback, redirects, robots.txt, allow_private)
are in the hostile corpus (tests/hostile.py); these are the guard's own rules and the client
that enforces them, against real servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress

import httpx
import pytest

from newsdesk.config import FetchConfig, SourceConfig
from newsdesk.errors import FetchError
from newsdesk.fetch import Fetcher
from newsdesk.fetch.guard import (
    TRUST_ALL,
    TRUST_NONE,
    AddressRefused,
    Trust,
    host_is_local_literal,
    is_public_address,
    source_trust,
)
from tests.server import LocalServer, send


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:c0a8:101::",  # 6to4 around 192.168.1.1
        "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
        "64:ff9b:1::1",
    ],
)
def test_addresses_inside_the_network_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_are(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1/x.png", True),
        ("http://2130706433/x.png", True),
        ("http://0x7f000001/x.png", True),
        ("http://127.1/x.png", True),
        ("http://localhost:8080/x.png", True),
        ("http://printer.local/x.png", True),
        ("http://[::1]/x.png", True),
        ("http://[::ffff:192.168.0.1]/x.png", True),
        ("http://10.0.0.5/x.png", True),
        ("https://images.example.com/x.png", False),
        ("https://93.184.216.34/x.png", False),
    ],
)
def test_image_hosts_are_judged_as_written(url: str, local: bool) -> None:
    assert host_is_local_literal(url) is local


def test_a_source_trusts_its_feeds_exact_origin_only() -> None:
    source = SourceConfig(name="intranet", url="http://10.0.0.5:8080/feed.xml")
    trust = source_trust(source, FetchConfig())
    assert trust.admits(httpx.URL("http://10.0.0.5:8080/story/1"))
    assert not trust.admits(httpx.URL("https://10.0.0.5:8080/story/1"))  # another scheme
    assert not trust.admits(httpx.URL("http://10.0.0.5/story/1"))  # another port
    assert not trust.admits(httpx.URL("http://10.0.0.6:8080/story/1"))
    allowed = SourceConfig(name="lab", url="http://10.0.0.5/f", allow_private=True)
    assert source_trust(allowed, FetchConfig()).everything
    assert source_trust(source, FetchConfig(allow_private=True)).everything
    denied = SourceConfig(name="lab", url="http://10.0.0.5/f", allow_private=False)
    assert not source_trust(denied, FetchConfig(allow_private=True)).everything


def _get(url: str, trust: Trust) -> httpx.Headers:
    async def go() -> httpx.Headers:
        async with Fetcher(FetchConfig(min_delay=0, retries=0)) as fetcher:
            return (await fetcher.get(url, trust=trust)).headers

    return asyncio.run(go())


def test_an_untrusted_request_to_a_local_server_never_connects(server: LocalServer) -> None:
    url = server.add("/secret", "secret")
    with pytest.raises(AddressRefused, match=r"refused: 127\.0\.0\.1 leads to a private"):
        _get(url, TRUST_NONE)
    assert server.requests == []
    _get(url, TRUST_ALL)  # the user's own URL
    assert server.hits("/secret") == 1


def test_each_redirect_hop_is_judged_on_its_own(server: LocalServer) -> None:
    inside = LocalServer()
    try:
        secret = inside.add("/secret", "secret")
        hop = server.handle("/hop", lambda h: send(h, 302, b"", Location=secret))
        trusted_first_hop = Trust.of_feed(server.url("/feed"))
        with pytest.raises(AddressRefused):
            _get(hop, trusted_first_hop)
        assert server.hits("/hop") == 1  # the feed's own origin was asked
        assert inside.requests == []  # the hop it pointed at was not
    finally:
        inside.close()


def test_a_refusal_is_permanent_and_not_retried(server: LocalServer) -> None:
    url = server.add("/x", "x")
    with pytest.raises(FetchError) as refused:
        _get(url, TRUST_NONE)
    assert not refused.value.transient
