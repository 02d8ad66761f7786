"""Fetching against a real local server: per-host limits, User-Agent, limits, charsets.

The server is on 127.0.0.1, which only trusted requests may reach (tests/test_ssrf.py), so
these requests are made with TRUST_ALL, as for a URL the user typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from newsdesk.config import FetchConfig
from newsdesk.errors import FetchError
from newsdesk.fetch import Fetcher, decode_html
from newsdesk.fetch.gate import HostGate
from newsdesk.fetch.guard import TRUST_ALL
from tests.server import LocalServer, send


def test_at_most_per_host_requests_at_once(server: LocalServer) -> None:
    per_host = 2
    lock = threading.Condition()
    total = 6
    state = {"active": 0, "max": 0, "started": 0}

    def slow(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            state["active"] += 1
            state["started"] += 1
            state["max"] = max(state["max"], state["active"])
            lock.notify_all()
            # Hold every request until all have started: without the limit all 6 overlap; with
            # it only 2 can start, so the wait ends by its (short) timeout.
            lock.wait_for(lambda: state["started"] == total, timeout=0.5)
        send(handler, 200, b"<html><body><p>ok</p></body></html>", Content_Type="text/html")
        with lock:
            state["active"] -= 1

    for n in range(total):
        server.handle(f"/p{n}", slow)

    async def fetch_all() -> None:
        async with Fetcher(FetchConfig(per_host=per_host, concurrency=16, min_delay=0)) as fetcher:
            await asyncio.gather(
                *(fetcher.get_page(server.url(f"/p{n}"), TRUST_ALL) for n in range(total))
            )

    asyncio.run(fetch_all())
    assert state["max"] == per_host


def test_user_agent_is_honest_and_configurable(server: LocalServer) -> None:
    url = server.add("/ua", "<html></html>")
    cfg = FetchConfig(
        user_agent="newsdesk-test/1.0", contact="https://example.test/bot", min_delay=0
    )

    async def go() -> None:
        async with Fetcher(cfg) as fetcher:
            await fetcher.get(url, trust=TRUST_ALL)

    asyncio.run(go())
    assert server.requests[-1][1]["User-Agent"] == "newsdesk-test/1.0 https://example.test/bot"


def test_oversized_and_non_html_responses_fail_clearly(server: LocalServer) -> None:
    big = server.add("/big", b"x" * 5000)
    pdf = server.add("/doc.pdf", b"%PDF-1.4", Content_Type="application/pdf")

    async def go(url: str, cfg: FetchConfig) -> None:
        async with Fetcher(cfg) as fetcher:
            await fetcher.get_page(url, TRUST_ALL)

    with pytest.raises(FetchError, match="too large"):
        asyncio.run(go(big, FetchConfig(max_bytes=1024)))
    with pytest.raises(FetchError, match=r"not an HTML page \(application/pdf\)"):
        asyncio.run(go(pdf, FetchConfig(min_delay=0, backoff=0.01)))
    with pytest.raises(FetchError, match="not an http"):
        asyncio.run(go("file:///etc/passwd", FetchConfig(min_delay=0, backoff=0.01)))


def test_server_errors_are_transient_and_404_is_not(server: LocalServer) -> None:
    err = server.add("/err", "boom", status=503)

    async def go(url: str) -> None:
        async with Fetcher(FetchConfig(min_delay=0, backoff=0.01)) as fetcher:
            await fetcher.get(url, trust=TRUST_ALL)

    with pytest.raises(FetchError) as unavailable:
        asyncio.run(go(err))
    assert unavailable.value.transient
    assert unavailable.value.status == 503
    with pytest.raises(FetchError) as missing:
        asyncio.run(go(server.url("/nowhere")))
    assert not missing.value.transient
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        ("café".encode(), "text/html; charset=utf-8", "café"),
        ("café".encode("latin-1"), "text/html; charset=iso-8859-1", "café"),
        (b'<meta charset="windows-1252">caf\xe9 \x93q\x94', "text/html", "café “q”"),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "text/html; charset=latin-1", "café"),
    ],
)
def test_charsets(body: bytes, content_type: str, text: str) -> None:
    assert text in decode_html(body, content_type)


def test_a_host_waiting_out_its_delay_holds_none_of_the_shared_slots() -> None:
    async def scenario() -> None:
        shared = asyncio.Semaphore(1)
        slow = HostGate(2, min_delay=60, shared=shared)
        async with slow:
            pass  # the slow host's next request may start only in a minute
        waiting = asyncio.create_task(slow.__aenter__())
        await asyncio.sleep(0)  # let it reach its politeness wait
        assert not waiting.done()
        assert not shared.locked()  # the only shared slot is free for other hosts
        async with HostGate(2, min_delay=0, shared=shared):
            assert shared.locked()
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        assert not shared.locked()

    asyncio.run(scenario())


def test_redirect_hops_reuse_the_connection(server: LocalServer) -> None:
    """Each hop is followed by newsdesk itself; a small redirect body is read so that the
    keep-alive connection serves the next hop instead of a new one per hop."""
    clients: list[int] = []

    def hop(target: str) -> Callable[[BaseHTTPRequestHandler], None]:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            clients.append(handler.client_address[1])
            send(handler, 302, b"moved", Location=target)

        return answer

    server.handle("/r1", hop("/r2"))
    server.handle("/r2", hop("/final"))
    final = server.add("/final", "<html><body><p>here</p></body></html>")

    async def go() -> str:
        async with Fetcher(FetchConfig(min_delay=0, retries=0)) as fetcher:
            return (await fetcher.get(server.url("/r1"), trust=TRUST_ALL)).url

    assert asyncio.run(go()) == final
    assert len(set(clients)) == 1, clients  # one TCP connection (one client port)
