"""Enrichment: tags, filters with --dry-run, cross-source duplicates, retention."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.config import parse_config
from newsdesk.enrich import enrich
from newsdesk.enrich.tags import keyword_tags, normalize_terms, tickers
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.pipeline import run
from newsdesk.store import open_store, site_lock
from newsdesk.store.minhash import signature, similarity
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer, send


def test_tickers_are_found_and_normalised() -> None:
    text = "Toyota (NYSE:TM) and Apple NASDAQ: AAPL rose; RBC (TSX:RY) fell; LSE:BARC flat."
    assert tickers(text) == ["NYSE:TM", "NASDAQ:AAPL", "TSX:RY", "LON:BARC"]
    assert tickers("a ratio of 3:2 and NYSE in caps") == []


def test_keyword_tags_respect_word_boundaries() -> None:
    keywords = {"Fed": "Federal Reserve", "oil": "Energy", "rate cut": "Rates"}
    text = "The fed signalled a Rate  cut; boiling water, not oil... or is it OIL?"
    assert keyword_tags(text, keywords) == ["Federal Reserve", "Energy"]


@given(st.lists(st.text(max_size=12), max_size=30), st.integers(1, 10))
def test_normalised_terms_are_unique_trimmed_and_capped(terms: list[str], limit: int) -> None:
    out = normalize_terms(terms, limit)
    assert len(out) <= limit
    assert len({t.casefold() for t in out}) == len(out)
    assert all(t == " ".join(t.split()) and t for t in out)


def test_enrich_builds_tags_from_config() -> None:
    cfg = parse_config(
        {
            "tags": {"tickers": True, "keywords": {"yen": "Japan"}, "max": 4},
            "sources": [{"name": "wire", "url": "https://w.test/f", "extra_tags": ["Asia"]}],
        }
    )
    article = Article(
        id="a" * 16,
        url="https://w.test/a",
        source="wire",
        title="Toyota",
        blocks=(Block("p", "Toyota (NYSE:TM) gained as the yen slid. " * 5),),
        published=datetime(2026, 11, 20, tzinfo=UTC),
    )
    enriched = enrich(article, cfg.sources[0], cfg)
    assert enriched.tags == ("wire", "NYSE:TM", "Japan", "Asia")
    assert enriched.categories == ("wire",)
    assert enriched.language == "en"  # detected: neither source nor page said


def _serve_story(server: LocalServer, path: str, title: str, text: str) -> str:
    return server.add(path, investing_current_page(title, [("p", text), ("p", text[::-1])]))


def _feed(server: LocalServer, path: str, items: list[tuple[str, str]]) -> str:
    return server.add(
        path,
        investing_feed([{"title": t, "date": "2026-11-20 10:00:00", "link": u} for t, u in items]),
        Content_Type="application/rss+xml",
    )


def test_dry_run_explains_every_decision_and_writes_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    items = [
        ("Oil climbs on supply worries", _serve_story(server, "/1", "Oil", story_text("1"))),
        ("Bitcoin jumps again", _serve_story(server, "/2", "Bitcoin", story_text("2"))),
        (
            "Short note",
            server.add("/3", investing_current_page("Short", [("p", "Too short " * 8)])),
        ),
    ]
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": _feed(server, "/f", items)}],
        filters={"exclude": ["/bitcoin|crypto/"], "min_words": 40},
    )
    done = cli("run", "--site", str(site), "--dry-run")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "Oil climbs on supply worries" in line]
    assert [row.split()[1] for row in rows] == ["publish"], done.stdout
    assert "filtered: matches exclude '/bitcoin|crypto/'" in done.stdout
    assert "fewer than min_words 40" in done.stdout
    assert "dry run: nothing was written" in done.stdout
    assert not (site / "content" / "posts").exists() or not list(
        (site / "content" / "posts").iterdir()
    )
    assert not Site(site).state_db.exists()
    real = run(site)
    assert real.published == 1
    assert real.sources["wire"].skipped == 2


@pytest.mark.parametrize("mode", ["skip", "link"])
def test_the_same_story_from_two_sources_is_published_once(
    tmp_path: Path, server: LocalServer, mode: str
) -> None:
    text = story_text("wire story", 300)
    edited = text.replace("markets", "stocks", 2) + " Reporting by the wire desk."
    a = _feed(server, "/a.rss", [("Copper deal", _serve_story(server, "/a/1", "Copper", text))])
    b = _feed(
        server,
        "/b.rss",
        [("Copper deal (update)", _serve_story(server, "/b/1?utm_source=x", "Copper", edited))],
    )
    site = write_site(tmp_path / "site", [{"name": "alpha", "url": a}], dedupe={"mode": mode})
    assert run(site).published == 1
    site_b = write_site(
        site, [{"name": "alpha", "url": a}, {"name": "beta", "url": b}], dedupe={"mode": mode}
    )
    report = run(site_b)
    assert report.published == 0
    assert report.sources["beta"].skipped == 1
    posts = list((site / "content" / "posts").glob("*.md"))
    assert len(posts) == 1
    text_now = posts[0].read_text()
    assert ("[beta](" in text_now) == (mode == "link")


def test_minhash_separates_edits_from_other_stories() -> None:
    story = story_text("base", 400)
    assert similarity(signature(story), signature(story.replace("bank", "lender", 3))) > 0.7
    assert similarity(signature(story), signature(story_text("other", 400))) < 0.3


def test_prune_removes_old_posts_for_good(tmp_path: Path, server: LocalServer) -> None:
    url = _serve_story(server, "/old", "Old", story_text("old"))
    site = write_site(
        tmp_path / "site", [{"name": "wire", "url": _feed(server, "/f", [("Old story", url)])}]
    )
    assert run(site).published == 1
    post = next((site / "content" / "posts").glob("*.md"))
    translation = post.with_name(post.stem + ".de.md")
    translation.write_text(post.read_text())
    done = cli("prune", "--site", str(site), "--older-than", "0s")
    assert done.returncode == 0, done.stderr
    assert "removed 1 post(s) (2 file(s))" in done.stdout
    assert not post.exists()
    assert not translation.exists()
    assert run(site).published == 0  # the feed still lists it: the tombstone keeps it out
    with open_store(site) as store:
        assert [i.status for i in store.items()] == ["pruned"]


def test_warm_up_loads_the_language_model_in_a_background_thread() -> None:
    # A fresh interpreter, so that no earlier test has loaded the model already.
    code = (
        "import threading, py3langid.langid as L\n"
        "from newsdesk.enrich.language import detect_language, warm_up\n"
        "assert L.IDENTIFIER is None\n"
        "warm_up()\n"
        "loader = next(t for t in threading.enumerate() if t.name == 'langid-load')\n"
        "print(detect_language('The central bank kept its rates unchanged on Tuesday. ' * 3))\n"
        "loader.join()\n"
        "print(L.IDENTIFIER is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["en", "True"]


def test_a_dry_run_takes_no_lock_changes_no_state_and_pays_for_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    """Even while another run holds the site, and with a translation backend configured:
    the state file stays byte for byte, no post is written, the backend gets no request."""
    first = ("Oil climbs on supply worries", _serve_story(server, "/1", "Oil", story_text("1")))
    second = ("Gold slips as rates rise", _serve_story(server, "/2", "Gold", story_text("2")))
    feed = _feed(server, "/f", [first])
    backend = server.url("/v1")
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}],
        translate={"to": ["de"], "url": backend},
    )
    paid: list[str] = []

    def translate(handler: BaseHTTPRequestHandler) -> None:
        request = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        paid.append(request["messages"][1]["content"])
        answer = {"choices": [{"message": {"content": "[de] " + paid[-1]}}]}
        send(handler, 200, json.dumps(answer).encode(), Content_Type="application/json")

    handler_class = server.httpd.RequestHandlerClass
    handler_class.do_POST = handler_class.do_GET  # type: ignore[attr-defined]
    server.handle("/v1/chat/completions", translate)
    assert run(site).published == 1
    calls = len(paid)
    assert calls >= 2  # the title and the text, at least: paid for
    posts = sorted((site / "content" / "posts").iterdir())
    _feed(server, "/f", [first, second])  # one new item for the dry run to decide
    state = [Site(site).state_db, Site(site).state_db.with_name("state.db-wal")]
    before = [p.read_bytes() if p.exists() else b"" for p in state]
    with site_lock(Site(site).state_db.parent, wait=0):
        done = cli("run", "--site", str(site), "--dry-run", "--force")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "Gold slips as rates rise" in line]
    assert sorted(row.split()[1] for row in rows) == ["publish", "translate"], done.stdout
    assert "would translate" in done.stdout
    assert len(paid) == calls
    assert sorted((site / "content" / "posts").iterdir()) == posts
    assert [p.read_bytes() if p.exists() else b"" for p in state] == before
