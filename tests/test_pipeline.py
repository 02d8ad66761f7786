"""The whole run against a real local server: failures stay per item and per source."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.models import Extracted, FeedEntry
from newsdesk.pipeline import RunOptions, run
from newsdesk.store import ItemStatus, Publication, open_store
from newsdesk.urls import item_id
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer, send

WORDS = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi."


def _story(n: int) -> list[tuple[str, str]]:
    return [("p", story_text(f"story {n} paragraph {i}")) for i in range(4)]


def _posts(site: Path) -> list[Path]:
    return sorted((site / "content" / "posts").glob("*.md"))


def test_a_404_fails_only_that_item(tmp_path: Path, server: LocalServer) -> None:
    server.add("/a-1", investing_current_page("First", _story(1)))
    server.add("/c-3", investing_current_page("Third", _story(3)))
    feed = server.add(
        "/feed.rss",
        investing_feed(
            [
                {"title": "First", "date": "2026-11-20 10:00:00", "link": server.url("/a-1")},
                {"title": "Missing", "date": "2026-11-20 11:00:00", "link": server.url("/b-2")},
                {"title": "Third", "date": "2026-11-20 12:00:00", "link": server.url("/c-3")},
            ]
        ),
    )
    site = write_site(tmp_path / "site", [{"name": "wire", "url": feed}])
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "2 post(s) written" in done.stdout
    assert "HTTP 404" in done.stdout
    assert len(_posts(site)) == 2
    status = cli("status", "--site", str(site), "--wide")
    assert status.returncode == 0
    row = next(line for line in status.stdout.splitlines() if line.startswith("│ wire"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[2:8] == ["200", "3", "0", "2", "1", "0"]  # HTTP, seen, new, published, failed
    assert "/b-2: page failed (HTTP 404 Not Found)" in status.stdout


def test_feed_content_is_the_fallback_text(tmp_path: Path, server: LocalServer) -> None:
    server.add("/thin", "<html><body><p>Subscribe to read.</p></body></html>")
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-11-20T10:00:00Z</updated>
<entry><id>urn:a:1</id><title>Thin page</title><link href="{server.url("/thin")}"/>
<updated>2026-11-20T10:00:00+02:00</updated>
<content type="html">&lt;p&gt;{WORDS} {WORDS} {WORDS}&lt;/p&gt;</content></entry>
<entry><id>urn:a:2</id><title>Nothing anywhere</title><link href="{server.url("/gone")}"/>
<updated>2026-11-20T11:00:00Z</updated></entry></feed>"""
    feed = server.add("/atom", atom, Content_Type="application/atom+xml")
    site = write_site(tmp_path / "site", [{"name": "atom", "url": feed}])
    report = run(site)
    assert report.published == 1
    assert report.failed == 1
    text = _posts(site)[0].read_text()
    assert 'date: "2026-11-20 08:00:00"' in text
    assert WORDS in text
    assert "Subscribe" not in text
    assert "feed entry has no content" in report.failures[0].reason


def test_a_url_is_published_once_across_sources_and_runs(
    tmp_path: Path, server: LocalServer
) -> None:
    server.add("/story", investing_current_page("Same story", _story(7)))
    tracked = server.url("/story?utm_source=rss&utm_medium=feed#top")
    feed_a = server.add(
        "/a.rss",
        investing_feed(
            [{"title": "Same story", "date": "2026-11-20 10:00:00", "link": server.url("/story")}]
        ),
    )
    feed_b = server.add(
        "/b.rss",
        investing_feed([{"title": "Same story", "date": "2026-11-20 10:00:00", "link": tracked}]),
    )
    site = write_site(
        tmp_path / "site", [{"name": "a", "url": feed_a}, {"name": "b", "url": feed_b}]
    )
    first = run(site)
    assert first.published == 1
    assert run(site).published == 0
    assert len(_posts(site)) == 1
    assert server.hits("/story") == 1


def test_redirects_are_followed_and_the_final_url_kept(tmp_path: Path, server: LocalServer) -> None:
    server.add("/final", investing_current_page("Moved", _story(2)))

    server.handle("/old", lambda handler: send(handler, 301, b"", Location="/final?utm_campaign=x"))
    feed = server.add(
        "/f.rss",
        investing_feed(
            [{"title": "Moved", "date": "2026-11-20 10:00:00", "link": server.url("/old")}]
        ),
    )
    site = write_site(tmp_path / "site", [{"name": "m", "url": feed}])
    assert run(site).published == 1
    assert _posts(site)[0].read_text().endswith(f"[m]({server.url('/final')})\n")


def test_broken_source_does_not_stop_the_others(tmp_path: Path, server: LocalServer) -> None:
    server.add("/ok", investing_current_page("Fine", _story(4)))
    good = server.add(
        "/good.rss",
        investing_feed(
            [{"title": "Fine", "date": "2026-11-20 10:00:00", "link": server.url("/ok")}]
        ),
    )
    html = server.add("/html", "<html><body>Not a feed</body></html>")
    down = server.add("/down", "boom", status=500)
    site = write_site(
        tmp_path / "site",
        [
            {"name": "good", "url": good},
            {"name": "html", "url": html},
            {"name": "down", "url": down},
        ],
    )
    report = run(site)
    assert report.published == 1
    assert report.sources["html"].error == "not a feed: the URL returned an HTML page"
    assert report.sources["down"].error == "HTTP 500 Internal Server Error"
    with open_store(site) as store:
        rows = {r.name: r for r in store.source_status(["good", "html", "down"])}
    assert rows["down"].last_status == 500
    assert rows["html"].last_status == 200  # the server answered; the answer was no feed
    assert report.sources["html"].status == 200
    assert rows["down"].consecutive_failures == 1
    assert rows["good"].last_error is None
    assert rows["good"].published == 1


def test_an_interrupted_item_is_published_by_the_next_run(
    tmp_path: Path, server: LocalServer
) -> None:
    """A run killed after reserving a post and before writing it: its lease is taken back
    (its process is gone) and the next run publishes the item from the stored entry."""
    server.add("/p", investing_current_page("Pending", _story(5)))
    site = write_site(tmp_path / "site", [{"name": "s", "url": server.url("/f.rss")}])
    url = server.url("/p")
    entry = FeedEntry(source="s", link=url, title="Pending", published=datetime.now(UTC))
    dead = f"{socket.gethostname()}:{2**22 + 1}:dead"  # a pid above Linux's pid_max
    with open_store(site) as store:
        store.register(item_id(url), url, entry)
        [claimed] = store.claim(dead, limit=5, lease_seconds=3600, max_attempts=5)
        path = f"content/posts/{claimed.id}.md"
        assert store.reserve(claimed.id, Publication(path, url, 300)) is None
    report = run(site)  # the feed is gone (404): the stored entry is enough
    assert report.published == 1
    assert (site / path).exists()
    with open_store(site) as store:
        assert store.item(item_id(url)).status == ItemStatus.PUBLISHED  # type: ignore[union-attr]


def test_an_unexpected_error_on_one_page_costs_that_item_a_try_not_the_run(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.pipeline
    from newsdesk.extraction import extract as real_extract

    def flaky(html: str, url: str, **flags: bool) -> Extracted:
        if url.endswith("/b-2"):
            raise ValueError("a bug in some extractor")
        return real_extract(html, url, **flags)

    monkeypatch.setattr(newsdesk.items, "extract", flaky)
    for n, path in enumerate(("/a-1", "/b-2", "/c-3"), start=1):
        server.add(path, investing_current_page(f"Story {n}", _story(n)))
    items = [
        {"title": f"Story {n}", "date": f"2026-11-20 1{n}:00:00", "link": server.url(path)}
        for n, path in enumerate(("/a-1", "/b-2", "/c-3"), start=1)
    ]
    site = write_site(
        tmp_path / "site", [{"name": "wire", "url": server.add("/f", investing_feed(items))}]
    )
    report = run(site)
    assert report.published == 2
    assert report.sources["wire"].retry == 1
    assert "unexpected error: ValueError: a bug in some extractor" in report.failures[0].reason
    with open_store(site) as store:
        assert store.pending_count(max_attempts=5) == 1


def test_markup_like_text_in_an_error_is_printed_as_is(tmp_path: Path, server: LocalServer) -> None:
    link = server.url("/gone")
    feed = server.add(
        "/feed.rss",
        investing_feed([{"title": "Gone", "date": "2026-11-20 10:00:00", "link": link}]),
    )
    site = write_site(tmp_path / "site", [{"name": "wire[/red]", "url": feed}])
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "wire[/red] http" in done.stdout  # the failure line under the table
    status = cli("status", "--site", str(site))
    assert status.returncode == 0, status.stderr
    assert "wire[/red] http" in status.stdout


class _Recorder:
    """A progress display that remembers what it was told, and can stop the run."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.totals: list[int] = []
        self.done: list[str] = []
        self.stop = threading.Event()
        self._stop_after = stop_after

    def sources_started(self, total: int) -> None:
        pass

    def source_done(self, name: str) -> None:
        pass

    def items_started(self, total: int) -> None:
        self.totals.append(total)

    def item_done(self, source: str, url: str, outcome: str) -> None:
        self.done.append(outcome)
        if self._stop_after is not None and len(self.done) >= self._stop_after:
            self.stop.set()


def _many(server: LocalServer, name: str, count: int) -> str:
    items = []
    for n in range(count):
        text = [("p", story_text(f"{name} story {n} paragraph {i}")) for i in range(4)]
        link = server.add(f"/{name}/{n}", investing_current_page(f"{name} {n}", text))
        items.append({"title": f"{name} {n}", "date": "2026-11-20 10:00:00", "link": link})
    return server.add(f"/{name}.rss", investing_feed(items))


def test_a_stop_takes_no_new_item_and_leaves_the_rest_pending(
    tmp_path: Path, server: LocalServer
) -> None:
    site = write_site(
        tmp_path / "site", [{"name": "s", "url": _many(server, "s", 12)}], fetch={"concurrency": 1}
    )
    progress = _Recorder(stop_after=1)
    report = run(site, progress=progress, options=RunOptions(stop=progress.stop))
    assert 1 <= report.published <= 2  # what the two workers held when the stop came
    with open_store(site) as store:
        assert store.pending_count(5) == 12 - report.published
        assert store.lease_owners() == set()  # nothing stays claimed
    assert run(site).published == 12 - report.published


def test_progress_counts_every_item_and_poll_shows_no_items(
    tmp_path: Path, server: LocalServer
) -> None:
    site = write_site(
        tmp_path / "site",
        [{"name": "a", "url": _many(server, "a", 3)}, {"name": "b", "url": _many(server, "b", 4)}],
    )
    polled = _Recorder()
    run(site, progress=polled, options=RunOptions(fetch_articles=False))
    assert polled.totals == []
    progress = _Recorder()
    assert run(site, progress=progress).published == 7
    assert progress.totals[-1] == len(progress.done) == 7


def test_a_killed_reservation_whose_post_is_on_disk_is_finished_not_written_again(
    tmp_path: Path, server: LocalServer
) -> None:
    """Killed between writing the post and recording it, under a section renamed since:
    the recorded path is what counts, for a run and for a dry run."""
    server.add("/p", investing_current_page("Pending", _story(5)))
    site = write_site(tmp_path / "site", [{"name": "s", "url": server.url("/f.rss")}])
    url = server.url("/p")
    entry = FeedEntry(source="s", link=url, title="Pending", published=datetime.now(UTC))
    dead = f"{socket.gethostname()}:{2**22 + 1}:dead"
    with open_store(site) as store:
        store.register(item_id(url), url, entry)
        [claimed] = store.claim(dead, limit=5, lease_seconds=3600, max_attempts=5)
        path = f"content/old-section/{claimed.id}.md"
        assert store.reserve(claimed.id, Publication(path, url, 300)) is None
    (site / path).parent.mkdir(parents=True)
    (site / path).write_text("---\ntitle: Pending\n---\n")
    dry = run(site, options=RunOptions(dry_run=True))
    assert [d.outcome for d in dry.decisions] == []
    assert run(site).published == 0
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.md")) == [path]
    with open_store(site) as store:
        assert store.item(item_id(url)).status == ItemStatus.PUBLISHED  # type: ignore[union-attr]
