"""No fetch into the inside of the network from third-party content (fetch/guard.py).

The pipeline-level cases (every spelling of loopback, redirects, robots.txt, allow_private)
are in the hostile corpus (tests/hostile.py); these are the guard's own rules and the client
that enforces them, against real servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import httpx
import pytest

from newsdesk.config import FetchConfig, SourceConfig
from newsdesk.errors import FetchError
from newsdesk.fetch import Fetcher
from newsdesk.fetch.guard import (
    TRUST_ALL,
    TRUST_NONE,
    AddressRefused,
    GuardedBackend,
    IPAddress,
    Trust,
    host_is_local_literal,
    is_public_address,
    source_trust,
)
from newsdesk.pipeline import run
from tests.helpers import write_site
from tests.hostile import article_page, item, rss
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


def test_a_feed_host_that_rebinds_inward_is_refused() -> None:
    """A third-party feed's own host answered with a public address; later in the run the
    same name answers with a private one (DNS rebinding): refused, while a host whose first
    answer was private (the user's intranet feed) keeps its address."""
    backend = GuardedBackend(first_answers={})
    backend.check("feeds.example.com", [ipaddress.ip_address("93.184.216.34")])
    with pytest.raises(AddressRefused, match="DNS rebinding"):
        backend.check("FEEDS.example.com.", [ipaddress.ip_address("169.254.169.254")])
    backend.check("intranet.example.com", [ipaddress.ip_address("10.0.0.5")])
    backend.check("intranet.example.com", [ipaddress.ip_address("10.0.0.6")])
    strict = GuardedBackend()
    with pytest.raises(AddressRefused, match="only at the origin of a feed URL you configured"):
        strict.check("intranet.example.com", [ipaddress.ip_address("10.0.0.5")])


def test_a_plain_http_feed_trusts_its_https_upgrade() -> None:
    trust = Trust.of_feed("http://10.0.0.5/feed.xml")
    assert trust.admits(httpx.URL("https://10.0.0.5/feed.xml"))
    assert not trust.admits(httpx.URL("https://10.0.0.5:8443/feed.xml"))
    assert not Trust.of_feed("https://10.0.0.5/f").admits(httpx.URL("http://10.0.0.5/f"))


def test_the_first_address_that_answers_is_used(server: LocalServer) -> None:
    """A name with an address that refuses (here ::1, where nothing listens) and one that
    answers: the connection goes to the one that answers."""
    port = int(server.base.rsplit(":", 1)[1])
    server.add("/x", "x")

    async def both(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("::1"), ipaddress.ip_address("127.0.0.1")]

    async def go() -> int:
        async with Fetcher(FetchConfig(min_delay=0, retries=0), resolver=both) as fetcher:
            feed = Trust.of_feed(f"http://dual.test:{port}/feed")
            return (await fetcher.get(f"http://dual.test:{port}/x", trust=feed)).status

    assert asyncio.run(go()) == 200
    assert server.hits("/x") == 1


def test_environment_proxies_are_used_and_checked(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind HTTP_PROXY the proxy connects: trusted requests go through it; an untrusted
    one whose name resolves here to a private address is refused before it is sent."""
    proxy = server  # a local server standing in for the proxy: it sees absolute URLs
    proxy.add("/feed", "<rss/>", Content_Type="application/rss+xml")
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.base)

    async def go(url: str, trust: Trust) -> int:
        async with Fetcher(FetchConfig(min_delay=0, retries=0)) as fetcher:
            return (await fetcher.get(url, trust=trust)).status

    assert asyncio.run(go("http://news.example.test/feed", TRUST_ALL)) == 200
    assert proxy.requests[-1][0] == "http://news.example.test/feed"
    assert asyncio.run(go("http://unresolvable.example.test/feed", TRUST_NONE)) == 200
    before = len(proxy.requests)
    with pytest.raises(AddressRefused):
        asyncio.run(go("http://localhost:9/secret", TRUST_NONE))
    assert len(proxy.requests) == before


def test_robots_txt_refused_for_one_source_is_not_refused_for_another(
    tmp_path: Path, server: LocalServer
) -> None:
    """Two sources link to the same private origin; only one may reach it. Each gets its own
    answer, whichever asks for the origin's robots.txt first."""
    inside = LocalServer()
    try:
        inside.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
        for n in (1, 2):
            inside.add(f"/s{n}", article_page(f"Inside story {n}", f"inside {n}"))
        feeds = [
            server.add(f"/f{n}.rss", rss([item(f"Inside {n}", inside.url(f"/s{n}"))]))
            for n in (1, 2)
        ]
        site = write_site(
            tmp_path / "site",
            [
                {"name": "third-party", "url": feeds[0]},
                {"name": "lab", "url": feeds[1], "allow_private": True},
            ],
            fetch={"robots": True},
        )
        report = run(site)
    finally:
        inside.close()
    assert report.sources["lab"].published == 1
    assert report.sources["third-party"].failed == 1
    assert inside.hits("/s1") == 0
