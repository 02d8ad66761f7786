"""Translated posts through the whole run: written beside the post, cached, built with
language links, and never paid for on a story that another source already has."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from newsdesk.config import load_config
from newsdesk.pipeline import run
from newsdesk.site import build_site
from newsdesk.store import ItemStatus, open_store
from tests.helpers import split_post, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import API, LocalServer, chat_backend


def _chat_server(server: LocalServer, calls: list[str], fail: set[str]) -> str:
    """The chat-completions API; languages in ``fail`` get a 500."""
    return chat_backend(server, calls, {language: 500 for language in fail})


def _feed(server: LocalServer, name: str, title: str, text: str) -> str:
    page = server.add(f"/{name}/s", investing_current_page(title, [("p", text), ("p", text[::-1])]))
    item = {"title": title, "date": "2026-11-20 10:00:00", "link": page}
    return server.add(f"/{name}.rss", investing_feed([item]))


def test_translations_are_written_cached_and_built(tmp_path: Path, server: LocalServer) -> None:
    calls: list[str] = []
    api = _chat_server(server, calls, fail={"fr"})
    text = story_text("translated story", 80)
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": _feed(server, "wire", "Yen slides", text)}],
        translate={"to": ["ja", "de", "fr"], "url": api, "model": "test"},
        dedupe={"mode": "off"},
    )
    assert run(site).published == 1
    folder = site / "content" / "posts"
    original = next(p for p in folder.glob("*.md") if p.name.count(".") == 1)
    ja = original.with_name(original.stem + ".ja.md")
    assert original.with_name(original.stem + ".de.md").exists()
    assert not original.with_name(original.stem + ".fr.md").exists()  # failed: left out
    front, body = split_post(ja.read_text())
    assert 'title: "[ja] Yen slides"' in front
    assert 'lang:\n  - "ja"' in front
    assert 'translations:\n  - "en"\n  - "ja"\n  - "de"' in front
    assert body.startswith("\n\\[ja\\] ")  # text from a backend is escaped like page text
    assert 'translations:\n  - "en"\n  - "ja"\n  - "de"' in original.read_text()
    # The same text again, from another source: every language but the failing one comes
    # from the cache (the failing one is tried again: 3 tries of its first request), then the
    # first post's missing language is caught up (3 more tries; it waits for a later run).
    before = len(calls)
    cfg = (site / "newsdesk.toml").read_text()
    second = _feed(server, "wire2", "Yen slides", text)
    (site / "newsdesk.toml").write_text(cfg + f'[[sources]]\nname = "wire2"\nurl = "{second}"\n')
    assert run(site).published == 1
    assert calls[before:] == ["fr"] * 6
    # The languages widget, on a page in the second language, links every language's home.
    ja.write_text(ja.read_text().replace("widgets:\n", 'widgets:\n  - "languages"\n', 1))
    result = build_site(site, load_config(site))
    assert result.returncode == 0, result.output
    assert "WARN" not in result.output, result.output  # e.g. Hugo's deprecations
    ja_page = site / "public" / "ja" / "posts" / original.stem / "index.html"
    widget = ja_page.read_text().split("widget-languages")[1].split("</section>")[0]
    assert '<a href="/" hreflang="en">' in widget
    assert '<a href="/de/" hreflang="de">' in widget
    html = (site / "public" / "posts" / original.stem / "index.html").read_text()
    assert 'hreflang="ja"' in html


def test_the_same_story_from_two_sources_is_translated_and_published_once(
    tmp_path: Path, server: LocalServer
) -> None:
    """Both items are in flight together: the first to reserve the story is translated while
    the other finds the story reserved and is given back untried (the reservation may still
    fail); the next run finds it published and skips the twin, which is never paid for."""
    calls: list[str] = []
    api = _chat_server(server, calls, fail=set())
    answer = server.routes[API]
    site = tmp_path / "site"
    twin_decided: list[bool] = []

    def after_the_twin_is_decided(handler: BaseHTTPRequestHandler) -> None:
        deadline = time.monotonic() + 10
        decided = False
        while not decided and time.monotonic() < deadline:  # a condition, with a deadline
            with open_store(site) as store:
                decided = any(  # given back: owned by the run, no longer leased
                    i.lease_owner and i.lease_until is None for i in store.items(ItemStatus.NEW)
                )
            time.sleep(0.02)
        twin_decided.append(decided)
        answer(handler)  # type: ignore[operator]

    server.handle(API, after_the_twin_is_decided)
    text = story_text("one story carried by two wires", 80)
    sources = [
        {"name": name, "url": _feed(server, name, "Yen slides", text)}
        for name in ("wire-a", "wire-b")
    ]
    write_site(site, sources, translate={"to": ["ja"], "url": api})
    report = run(site)
    assert report.published == 1
    assert sum(s.retry for s in report.sources.values()) == 1
    [later] = [d.detail for d in report.decisions if d.outcome == "retry"]
    assert later.endswith("still being published: next run")
    assert twin_decided == [True, True]  # decided while the first was being translated
    again = run(site)
    assert again.published == 0
    [skipped] = [d.detail for d in again.decisions if d.outcome == "skip"]
    assert skipped.startswith("same story as item")
    assert calls == ["ja", "ja"]  # the title and the text of one article: the twin paid nothing
    assert len(list((site / "content" / "posts").glob("*.ja.md"))) == 1
