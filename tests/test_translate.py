"""Translations through a real local server that speaks the chat-completions protocol."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from newsdesk.config import load_config
from newsdesk.pipeline import run, state_path
from newsdesk.site import build_site
from tests.helpers import split_post, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer


def _chat_server(server: LocalServer, calls: list[dict[str, object]], fail: set[str]) -> str:
    def completions(handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers["Content-Length"])
        request = json.loads(handler.rfile.read(length))
        calls.append(request)
        match = re.search(r"to (\w+)\.", request["messages"][0]["content"])
        assert match is not None
        target = match.group(1)
        if target in fail:
            handler.send_response(500)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        text = request["messages"][1]["content"]
        # A "translation" that is easy to check: every paragraph prefixed with the language.
        out = "\n\n".join(f"[{target}] {p}" for p in text.split("\n\n"))
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": out}}]})
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body.encode())

    server.routes["/v1/chat/completions"] = completions
    return server.url("/v1")


def _do_POST(server: LocalServer) -> None:  # noqa: N802
    handler_class = server.httpd.RequestHandlerClass
    handler_class.do_POST = handler_class.do_GET  # type: ignore[attr-defined]


def test_translations_are_written_cached_and_built(tmp_path: Path, server: LocalServer) -> None:
    _do_POST(server)
    calls: list[dict[str, object]] = []
    api = _chat_server(server, calls, fail={"fr"})
    text = story_text("translated story", 80)
    page = server.add("/s", investing_current_page("Yen slides", [("p", text), ("p", text[::-1])]))
    feed = server.add(
        "/f.rss",
        investing_feed([{"title": "Yen slides", "date": "2026-11-20 10:00:00", "link": page}]),
    )
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}],
        translate={"to": ["ja", "de", "fr"], "url": api, "model": "test"},
    )
    report = run(site)
    assert report.published == 1
    folder = site / "content" / "posts"
    original = next(p for p in folder.glob("*.md") if p.name.count(".") == 1)
    ja = original.with_name(original.stem + ".ja.md")
    assert ja.exists()
    assert original.with_name(original.stem + ".de.md").exists()
    assert not original.with_name(original.stem + ".fr.md").exists()  # failed: left out
    front, body = split_post(ja.read_text())
    assert 'title: "[ja] Yen slides"' in front
    assert 'lang:\n  - "ja"' in front
    assert 'translations:\n  - "en"\n  - "ja"\n  - "de"' in front
    assert body.startswith("\n\\[ja\\] ")  # text from a backend is escaped like page text
    assert 'translations:\n  - "en"\n  - "ja"\n  - "de"' in original.read_text()
    assert calls[0]["model"] == "test"
    before = len(calls)
    # Publish the item again from scratch: the translations come from the cache.
    for path in folder.glob("*.md"):
        path.unlink()
    db = sqlite3.connect(state_path(site))
    db.execute("UPDATE items SET status = 'new'")
    db.execute("DELETE FROM fingerprints")
    db.commit()
    db.close()
    assert run(site).published == 1
    assert len(calls) == before + 3  # only the failing language was asked again (3 tries)
    assert ja.exists()
    # The languages widget, on a page in the second language, links every language's home.
    ja.write_text(ja.read_text().replace("widgets:\n", 'widgets:\n  - "languages"\n', 1))
    result = build_site(site, load_config(site))
    assert result.returncode == 0, result.output
    assert "WARN" not in result.output, result.output  # e.g. Hugo's deprecations
    ja_page = site / "public" / "ja" / "posts" / original.stem / "index.html"
    assert ja_page.exists()
    widget = ja_page.read_text().split("widget-languages")[1].split("</section>")[0]
    assert '<a href="/" hreflang="en">' in widget
    assert '<a href="/de/" hreflang="de">' in widget
    html = (site / "public" / "posts" / original.stem / "index.html").read_text()
    assert 'hreflang="ja"' in html


def test_the_same_story_translated_by_two_workers_at_once_is_published_once(
    tmp_path: Path, server: LocalServer
) -> None:
    _do_POST(server)
    both_waiting = threading.Barrier(2, timeout=10)
    calls: list[dict[str, object]] = []
    api = _chat_server(server, calls, fail=set())
    answer = server.routes["/v1/chat/completions"]

    def in_step(handler: BaseHTTPRequestHandler) -> None:
        both_waiting.wait()  # both articles have passed the duplicate check before either answer
        answer(handler)  # type: ignore[operator]

    server.routes["/v1/chat/completions"] = in_step
    text = story_text("one story carried by two wires", 80)
    sources = []
    for name in ("wire-a", "wire-b"):
        page = server.add(f"/{name}/s", investing_current_page("Yen slides", [("p", text)]))
        item = {"title": "Yen slides", "date": "2026-11-20 10:00:00", "link": page}
        sources.append({"name": name, "url": server.add(f"/{name}.rss", investing_feed([item]))})
    site = write_site(tmp_path / "site", sources, translate={"to": ["ja"], "url": api})
    report = run(site)
    assert report.published == 1
    assert sum(s.skipped for s in report.sources.values()) == 1
