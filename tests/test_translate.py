"""Translations through a real local server that speaks the chat-completions protocol, sent by
a real Fetcher: host limits, retries of transient failures only, the cache and dry runs."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from newsdesk.config import FetchConfig, TranslateConfig
from newsdesk.enrich.translate import TranslationError, TranslationSkipped, translate_article
from newsdesk.fetch import Fetcher
from newsdesk.models import Article, Block
from tests.pages import story_text
from tests.server import Handler, LocalServer, send

API = "/v1/chat/completions"
# Tests talk to their own server on 127.0.0.1: no politeness delay, no backoff wait.
FETCH = FetchConfig(min_delay=0, backoff=0)


class MemoryCache:
    """The two methods of the state store that translations use, in a dict."""

    def __init__(self) -> None:
        self.saved: dict[str, str] = {}

    def cached_translation(self, key: str) -> str | None:
        return self.saved.get(key)

    def save_translation(self, key: str, text: str) -> None:
        self.saved[key] = text


def _article(title: str = "Yen slides", paragraphs: tuple[str, ...] = ("One.", "Two.")) -> Article:
    return Article(
        id="a1",
        url="https://example.com/a1",
        source="wire",
        title=title,
        blocks=tuple(Block("p", p) for p in paragraphs),
        published=datetime(2026, 11, 20, 10, tzinfo=UTC),
        language="en",
    )


def _read(handler: BaseHTTPRequestHandler) -> Any:
    """The JSON body of a request."""
    return json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))


def _target(request: Any) -> str:
    match = re.search(r"to (\w+)\.", request["messages"][0]["content"])
    assert match is not None
    return match.group(1)


def _answer(handler: BaseHTTPRequestHandler, calls: list[Any], request: Any = None) -> None:
    """Answer with every paragraph prefixed by the target language (a checkable translation)."""
    request = _read(handler) if request is None else request
    calls.append(request)
    target = _target(request)
    text = request["messages"][1]["content"]
    out = "\n\n".join(f"[{target}] {p}" for p in text.split("\n\n"))
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": out}}]})
    send(handler, 200, body.encode(), Content_Type="application/json")


def _serve(server: LocalServer, handler: Handler) -> TranslateConfig:
    """Serve the chat-completions API with ``handler`` (POST included); its config."""
    handler_class = server.httpd.RequestHandlerClass
    handler_class.do_POST = handler_class.do_GET  # type: ignore[attr-defined]
    server.handle(API, handler)
    return TranslateConfig(to=("ja",), url=server.url("/v1"), model="test")


def _failing(status: int, times: int, calls: list[Any], **headers: str) -> Handler:
    """Answer ``status`` to the first ``times`` requests, then translate."""
    seen: list[int] = []

    def handler(handler: BaseHTTPRequestHandler) -> None:
        seen.append(1)
        if len(seen) <= times:
            _read(handler)
            send(handler, status, b'{"error": "no"}', Content_Type="application/json", **headers)
            return
        _answer(handler, calls)

    return handler


def _translate(
    cfg: TranslateConfig,
    cache: MemoryCache,
    target: str = "ja",
    article: Article | None = None,
    *,
    fetch: FetchConfig = FETCH,
    paid: bool = True,
) -> Article:
    async def go() -> Article:
        async with Fetcher(fetch) as fetcher:
            return await translate_article(
                article or _article(), target, cfg, 40, cache, fetcher, paid=paid
            )

    return asyncio.run(go())


def test_translations_are_made_cached_and_a_failing_language_is_asked_again(
    server: LocalServer,
) -> None:
    calls: list[Any] = []

    def completions(handler: BaseHTTPRequestHandler) -> None:
        request = _read(handler)
        if _target(request) == "fr":
            send(handler, 500, b"")
            return
        _answer(handler, calls, request)

    cfg = _serve(server, completions)
    text = story_text("translated story", 80)
    article = _article(paragraphs=(text, text[::-1]))
    cache = MemoryCache()
    ja = _translate(cfg, cache, "ja", article)
    assert ja.title == "[ja] Yen slides"
    assert ja.language == "ja"
    assert [b.text for b in ja.blocks] == [f"[ja] {text}", f"[ja] {text[::-1]}"]
    assert [b.kind for b in ja.blocks] == ["p", "p"]
    assert ja.summary.startswith("[ja] ")
    assert _translate(cfg, cache, "de", article).title == "[de] Yen slides"
    with pytest.raises(TranslationError, match=r"openai backend .*HTTP 500") as failed:
        _translate(cfg, cache, "fr", article)
    assert not isinstance(failed.value, TranslationSkipped)
    assert calls[0]["model"] == "test"
    # ja and de: title and body; fr: the title, tried three times, then given up.
    assert server.hits(API) == 2 + 2 + 3
    # Again: the translations come from the cache; only the failing language is asked again.
    assert _translate(cfg, cache, "ja", article) == ja
    assert _translate(cfg, cache, "de", article).title == "[de] Yen slides"
    with pytest.raises(TranslationError):
        _translate(cfg, cache, "fr", article)
    assert server.hits(API) == 2 + 2 + 3 + 3


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_client_error_is_tried_once(server: LocalServer, status: int) -> None:
    cfg = _serve(server, _failing(status, 1, []))
    cache = MemoryCache()
    with pytest.raises(TranslationError, match=rf"openai backend at \S+: HTTP {status}\b"):
        _translate(cfg, cache)
    assert server.hits(API) == 1
    assert cache.saved == {}


@pytest.mark.parametrize(("status", "headers"), [(503, {}), (500, {}), (429, {"Retry_After": "0"})])
def test_a_transient_failure_is_retried(
    server: LocalServer, status: int, headers: dict[str, str]
) -> None:
    calls: list[Any] = []
    cfg = _serve(server, _failing(status, 1, calls, **headers))
    translated = _translate(cfg, MemoryCache())
    assert translated.title == "[ja] Yen slides"
    assert server.hits(API) == 3  # the title twice, then the body
    assert len(calls) == 2


def test_a_backend_that_does_not_answer_in_time_is_retried(server: LocalServer) -> None:
    calls: list[Any] = []
    released = threading.Event()
    seen: list[int] = []
    held_to_the_end: list[bool] = []
    let_go = threading.Event()

    def slow_once(handler: BaseHTTPRequestHandler) -> None:
        seen.append(1)
        if len(seen) == 1:
            # Hold the first request past the client's deadline, never answering it.
            held_to_the_end.append(not released.wait(5))
            handler.close_connection = True
            let_go.set()
            return
        _answer(handler, calls)

    cfg = _serve(server, slow_once).model_copy(update={"timeout": 0.3})
    try:
        assert _translate(cfg, MemoryCache()).title == "[ja] Yen slides"
    finally:
        released.set()
    assert let_go.wait(10)
    assert server.hits(API) == 3
    assert held_to_the_end == [False]  # the client gave up first, after [translate].timeout


@pytest.mark.parametrize("per_host", [1, 2])
def test_concurrent_translations_keep_to_the_per_host_limit(
    server: LocalServer, per_host: int
) -> None:
    calls: list[Any] = []
    lock = threading.Lock()
    active = [0]
    most = [0]
    arrived = [0]
    # The first two requests wait for each other: they meet only if the limit lets them.
    pair = threading.Barrier(2, timeout=1.0)

    def counted(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            arrived[0] += 1
            first_two = arrived[0] <= 2
        try:
            if first_two:
                # A broken barrier: the other one was held back by the limit.
                with contextlib.suppress(threading.BrokenBarrierError):
                    pair.wait()
            _answer(handler, calls)
        finally:
            with lock:
                active[0] -= 1

    cfg = _serve(server, counted)
    fetch = FetchConfig(min_delay=0, backoff=0, per_host=per_host)
    cache = MemoryCache()

    async def go() -> list[Article]:
        async with Fetcher(fetch) as fetcher:
            return await asyncio.gather(
                *(
                    translate_article(
                        _article(f"Story {n}", (f"Body {n}.",)), "ja", cfg, 40, cache, fetcher
                    )
                    for n in (1, 2)
                )
            )

    first, second = asyncio.run(go())
    assert (first.title, second.title) == ("[ja] Story 1", "[ja] Story 2")
    assert [b.text for b in first.blocks + second.blocks] == ["[ja] Body 1.", "[ja] Body 2."]
    assert server.hits(API) == 4
    assert most[0] == per_host


def test_a_dry_run_pays_for_nothing_that_is_not_cached(server: LocalServer) -> None:
    calls: list[Any] = []
    cfg = _serve(server, lambda handler: _answer(handler, calls))
    cache = MemoryCache()
    with pytest.raises(TranslationSkipped) as skipped:
        _translate(cfg, cache, paid=False)
    assert str(skipped.value).startswith("would translate ")
    assert " to ja " in str(skipped.value)
    assert server.requests == []
    assert cache.saved == {}


def test_a_dry_run_uses_cached_translations(server: LocalServer) -> None:
    calls: list[Any] = []
    cfg = _serve(server, lambda handler: _answer(handler, calls))
    cache = MemoryCache()
    paid = _translate(cfg, cache)
    assert server.hits(API) == 2
    assert _translate(cfg, cache, paid=False) == paid
    assert server.hits(API) == 2
    # A text that is not cached yet, in an article whose title is: still nothing is paid for.
    with pytest.raises(TranslationSkipped, match="^would translate"):
        _translate(cfg, cache, article=_article(paragraphs=("Three.",)), paid=False)
    assert server.hits(API) == 2


@pytest.mark.skipif(
    importlib.util.find_spec("argostranslate") is not None, reason="argostranslate installed"
)
def test_argos_without_its_package_fails_with_a_clear_error(server: LocalServer) -> None:
    cfg = TranslateConfig(to=("ja",), backend="argos", url=server.url("/v1"))
    with pytest.raises(TranslationError, match="needs argostranslate"):
        _translate(cfg, MemoryCache())
    assert server.requests == []
