"""``newsdesk reextract``: published posts made again from their pages with today's code,
rewritten in place (same file, same date, hand edits kept), through the real CLI against the
local fixture server."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest
import yaml

from newsdesk.config import load_config
from newsdesk.layout import Site
from newsdesk.store import open_store
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer

FIRST = story_text("the first version of the story", 60)
ADDED = "Officials added on Friday that the review would be finished before the end of March."


def _page(server: LocalServer, path: str, title: str, paragraphs: list[str]) -> str:
    return server.add(path, investing_current_page(title, [("p", p) for p in paragraphs]))


def _site(
    tmp_path: Path, server: LocalServer, *, stories: int = 1, **sections: dict[str, object]
) -> Path:
    items = []
    for n in range(stories):
        text = f"{FIRST} 0" if n == 0 else story_text(f"another story {n}", 60)
        link = _page(server, f"/wire/{n}", f"Story {n}", [text])
        items.append({"title": f"Story {n}", "date": "2026-11-20 10:00:00", "link": link})
    feed = server.add("/wire.rss", investing_feed(items))
    other = _page(server, "/desk/0", "Desk story", [story_text("desk story", 60)])
    desk = server.add(
        "/desk.rss",
        investing_feed([{"title": "Desk story", "date": "2026-11-20 11:00:00", "link": other}]),
    )
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}, {"name": "desk", "url": desk}],
        fetch={"robots": False},
        extract={"workers": 1},
        **sections,
    )
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def _posts(site: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((site / "content" / "posts").glob("*.md"))}


def _wire_post(site: Path) -> Path:
    cfg = load_config(site)
    with open_store(Site(site), cfg.state.url) as store:
        item = next(i for i in store.items() if i.source == "wire" and i.title == "Story 0")
    assert item.path is not None
    return site / item.path


def _row(output: str, source: str) -> list[str]:
    """The cells of ``source``'s row in the reextract table."""
    line = next(line for line in output.splitlines() if line.strip().startswith(source + " "))
    return line.split()[1:]


def test_a_changed_page_is_rewritten_in_place_keeping_date_and_hand_edits(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, server)
    post = _wire_post(site)
    before = _posts(site)
    # The editor retitles the post and adds a key of their own.
    edited = post.read_text().replace('title: "Story 0"', 'title: "Story 0, edited"')
    edited = edited.replace("\nmenu:", '\neditor_note: "checked by hand"\nmenu:')
    post.write_text(edited)
    _page(server, "/wire/0", "Story 0", [f"{FIRST} 0", ADDED])  # the page (or a rule) changed

    dry = cli("reextract", "--site", str(site), "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert _row(dry.stdout, "wire") == ["1", "1", "0", "0", f"+{len(ADDED.split())}", "-0"]
    assert _row(dry.stdout, "desk") == ["1", "0", "1", "0", "+0", "-0"]
    assert "1 post(s) would change; nothing was written" in dry.stdout
    assert post.read_text() == edited  # a dry run writes nothing

    done = cli("reextract", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _row(done.stdout, "wire")[:4] == ["1", "1", "0", "0"]
    after = _posts(site)
    assert sorted(after) == sorted(before)  # the same files: nothing new
    text = post.read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    old_front = yaml.safe_load(edited.split("---\n")[1])
    assert front["title"] == "Story 0, edited"
    assert front["editor_note"] == "checked by hand"
    assert front["date"] == old_front["date"]
    assert {k: v for k, v in front.items() if k != "summary"} == {
        k: v for k, v in old_front.items() if k != "summary"
    }
    assert ADDED in text
    assert text.rstrip("\n").endswith(")")
    assert text.count("[wire](") == 1  # the source link, once
    # The summary follows the new text: 50 words of it.
    assert front["summary"].endswith("...")
    # The others are untouched, byte for byte.
    for name, old in before.items():
        if (site / "content" / "posts" / name) != post:
            assert after[name] == old
    again = cli("reextract", "--site", str(site))
    assert _row(again.stdout, "wire")[:4] == ["1", "0", "1", "0"]
    # The store follows the new text (its words feed the shrinking-source check).
    with open_store(Site(site), load_config(site).state.url) as store:
        item = next(i for i in store.items() if i.source == "wire")
    assert item.words == len(f"{FIRST} 0 {ADDED}".split())


def test_choosing_posts_by_source_and_id(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server, stories=2)
    only = cli("reextract", "--site", str(site), "--source", "desk", "--dry-run")
    assert only.returncode == 0, only.stderr
    assert _row(only.stdout, "desk")[0] == "1"
    assert not any(line.strip().startswith("wire ") for line in only.stdout.splitlines())
    post = _wire_post(site)
    one = cli("reextract", "--site", str(site), "--id", post.stem, "--since", "1d", "--dry-run")
    assert one.returncode == 0, one.stderr
    assert _row(one.stdout, "wire")[0] == "1"
    unknown = cli("reextract", "--site", str(site), "--id", "feedbeef")
    assert unknown.returncode == 1
    assert "not published posts of this site: feedbeef" in unknown.stderr
    nosource = cli("reextract", "--site", str(site), "--source", "nope")
    assert nosource.returncode == 1
    assert "no source named 'nope'" in nosource.stderr
    badsince = cli("reextract", "--site", str(site), "--since", "soon")
    assert badsince.returncode == 2
    assert "--since" in badsince.stderr


def test_a_page_that_fails_now_leaves_its_post_as_it_was(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, server)
    before = _posts(site)
    server.add("/wire/0", "gone", status=404)
    server.add("/desk/0", "<html><body><p>too short</p></body></html>")
    done = cli("reextract", "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _row(done.stdout, "wire")[:4] == ["1", "0", "0", "1"]
    assert "404" in done.stdout
    # A page that now gives too little text (a paywall, a consent page) never replaces a post.
    assert _row(done.stdout, "desk")[:4] == ["1", "0", "0", "1"]
    assert "fewer than [extract] min_words" in " ".join(done.stdout.split())
    assert _posts(site) == before


def test_offline_uses_the_kept_pages(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server, store={"keep_html": True})
    post = _wire_post(site)
    good = post.read_text()
    # The post as an older extractor made it: a paragraph of site furniture in the body.
    post.write_text(good.replace(f"{FIRST} 0", f"{FIRST} 0\n\nSign up for our newsletter"))
    server.add("/wire/0", "gone", status=404)  # the page is gone from the web
    server.add("/desk/0", "gone", status=404)
    hits = len(server.requests)
    done = cli("reextract", "--site", str(site), "--offline")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _row(done.stdout, "wire") == ["1", "1", "0", "0", "+0", "-5"]
    assert _row(done.stdout, "desk")[:4] == ["1", "0", "1", "0"]
    assert post.read_text() == good
    assert len(server.requests) == hits  # nothing fetched
    # A site that kept nothing says so per post.
    plain = _site(tmp_path / "plain", server)
    nothing = cli("reextract", "--site", str(plain), "--offline")
    assert "no page kept for it" in nothing.stdout
    assert _row(nothing.stdout, "wire")[3] == "1"


def test_a_draft_stays_a_draft_and_a_removed_summary_stays_removed(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, server, posts={"draft": True})
    post = _wire_post(site)
    text = re.sub(r'\nsummary: "[^\n]*"', "", post.read_text())
    post.write_text(text)
    _page(server, "/wire/0", "Story 0", [f"{FIRST} 0", ADDED])
    assert cli("reextract", "--site", str(site)).returncode == 0
    new = post.read_text()
    assert "\ndraft: true\n" in new
    assert "summary:" not in new
    assert ADDED in new


@pytest.mark.parametrize("offline", [False, True])
def test_reextract_never_creates_a_post_or_an_item(
    tmp_path: Path, server: LocalServer, offline: bool
) -> None:
    site = _site(tmp_path, server, store={"keep_html": True})
    cfg = load_config(site)
    with open_store(Site(site), cfg.state.url) as store:
        items = [(i.id, i.status, i.path) for i in store.items()]
    args = ["--offline"] if offline else []
    assert cli("reextract", "--site", str(site), *args).returncode == 0
    with open_store(Site(site), cfg.state.url) as store:
        assert [(i.id, i.status, i.path) for i in store.items()] == items
    assert len(_posts(site)) == 2


def test_a_paywalled_page_never_swaps_the_post_for_the_feeds_teaser(
    tmp_path: Path, server: LocalServer
) -> None:
    page = _page(server, "/wire/0", "Story", [FIRST])
    teaser = story_text("the feed's teaser", 40)
    rss = (
        '<rss version="2.0"><channel><title>t</title><item><title>Story</title>'
        f"<link>{page}</link><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{escape('<p>' + teaser + '</p>')}</description></item></channel></rss>"
    )
    feed = server.add("/wire.rss", rss, Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site", [{"name": "wire", "url": feed}], fetch={"robots": False},
        extract={"workers": 1}, store={"keep_html": True},
    )  # fmt: skip
    assert cli("run", "--site", str(site)).returncode == 0
    before = _posts(site)
    server.add("/wire/0", "<html><body><p>Subscribe to read this article.</p></body></html>")
    done = cli("reextract", "--site", str(site))
    assert _row(done.stdout, "wire")[:4] == ["1", "0", "0", "1"]
    assert _posts(site) == before
    # The good page stays kept: offline, the post comes out the same.
    offline = cli("reextract", "--site", str(site), "--offline")
    assert _row(offline.stdout, "wire")[:4] == ["1", "0", "1", "0"]


def test_a_summary_from_a_hostile_page_is_xml_safe(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server)
    html = investing_current_page("Story 0", [("p", f"MARKER {FIRST} 0")])
    server.add("/wire/0", html.replace("MARKER", "Breaking &#xFFFE;news&#xFDD0; &#1;here"))
    assert cli("reextract", "--site", str(site)).returncode == 0
    text = _wire_post(site).read_text()
    summary = yaml.safe_load(text.split("---\n")[1])["summary"]
    assert summary.startswith("Breaking news here")


def test_a_post_edited_while_its_page_is_fetched_is_left_to_the_editor(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.reextract as module

    site = _site(tmp_path, server)
    post = _wire_post(site)
    _page(server, "/wire/0", "Story 0", [f"{FIRST} 0", ADDED])
    from newsdesk.fetch.article import fetch_article as fetch

    async def slow_fetch(*args: object, **kwargs: object) -> object:
        page = await fetch(*args, **kwargs)  # type: ignore[arg-type]
        post.write_text(post.read_text().replace("Story 0", "Story zero"))  # the editor saves
        return page

    monkeypatch.setattr(module, "fetch_article", slow_fetch)
    report = module.reextract(site, source="wire")
    assert [f.reason for f in report.failures] == [
        f"the post {post.relative_to(site)} was changed while it was re-extracted"
    ]
    assert "Story zero" in post.read_text()
    assert ADDED not in post.read_text()
