"""``newsdesk backfill``: a source's archive back to a date, from a sitemap index (gzip
children) or a feed's paged archive (RFC 5005), through the normal pipeline; resumed after a
SIGKILL with no article fetched twice and none lost. Real CLI, local test server."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from newsdesk.layout import Site
from newsdesk.store import ItemStatus, open_store
from tests.helpers import cli, session_pids, write_site
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer, send
from tests.test_sitemaps import index, urlset


def _day(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%d")


def _archive(server: LocalServer, files: int = 4, per_file: int = 10, old_file: bool = True) -> str:
    """An index of ``files`` gzip sitemaps of articles, newest file first, plus one file of
    articles older than any window; returns the index URL."""
    children = []
    for f in range(files):
        urls = []
        for n in range(per_file):
            path = f"/a/{f}/{n}"
            title = f"Archive story {f}-{n}"
            page = investing_current_page(title, [("p", story_text(title, 80))],
                                          published=f"{_day(f)}T08:{n:02d}:00Z")  # fmt: skip
            urls.append((server.add(path, page), _day(f)))
        data = gzip.compress(urlset(urls).encode())
        server.add(f"/sm{f}.xml.gz", data, Content_Type="application/x-gzip")
        children.append((server.url(f"/sm{f}.xml.gz"), _day(f)))
    if old_file:
        old = [(server.add("/old/0", investing_current_page("Old", [("p", "x")])), _day(400))]
        server.add("/old.xml", urlset(old))
        children.append((server.url("/old.xml"), _day(400)))
    return server.add("/index.xml", index(children))


def _site(tmp_path: Path, url: str) -> Path:
    return write_site(
        tmp_path / "site",
        [{"name": "archive", "url": url, "max_entries": 5}],
        fetch={"robots": False},
        extract={"workers": 1},
    )


def _posts(site: Path) -> list[Path]:
    folder = site / "content" / "posts"
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


def test_a_dry_run_counts_the_window_and_fetches_no_article(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, _archive(server))
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "30d",
               "--dry-run")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "archive: 40 article(s) since" in done.stdout
    assert "40 new to this site" in done.stdout
    assert "dry run: nothing was registered or fetched" in done.stdout
    assert server.hits("/old.xml") == 0  # older than the window: not even read
    assert not any(urlsplit(p).path.startswith("/a/") for p, _ in server.requests)
    assert _posts(site) == []


def test_a_backfill_publishes_the_window_and_a_limit_takes_the_newest(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, _archive(server))
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "2d",
               "--limit", "15")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "15 article(s) since" in done.stdout
    # Days 0 and 1 are in the window (20 articles): the newest 15 are published.
    assert len(_posts(site)) == 15
    again = cli("backfill", "--site", str(site), "--source", "archive", "--since", "2d")
    assert again.returncode == 0, again.stderr
    assert len(_posts(site)) == 20
    hits = Counter(urlsplit(p).path for p, _ in server.requests)
    assert all(n == 1 for path, n in hits.items() if path.startswith("/a/"))


def test_an_unknown_source_or_a_bad_window_is_a_clear_error(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path, _archive(server, files=1, old_file=False))
    nosource = cli("backfill", "--site", str(site), "--source", "nope")
    assert nosource.returncode == 1
    assert "no source named 'nope'" in nosource.stderr
    bad = cli("backfill", "--site", str(site), "--source", "archive", "--since", "forever")
    assert bad.returncode == 2
    assert "--since" in bad.stderr


def test_a_feeds_paged_archive_is_followed_back_to_the_window(
    tmp_path: Path, server: LocalServer
) -> None:
    def story(d: int) -> str:
        title = f"Paged story {d}"
        return server.add(f"/p/{d}", investing_current_page(title, [("p", story_text(title, 80))]))

    def page(n: int, days: list[int], older: str | None) -> str:
        items = "".join(
            f"<entry><title>Paged story {d}</title><id>urn:{d}</id>"
            f'<link href="{story(d)}"/><updated>{_day(d)}T10:00:00Z</updated></entry>'
            for d in days
        )
        link = f'<link rel="prev-archive" href="{older}"/>' if older else ""
        return (
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Paged</title>'
            f"<id>urn:feed</id><updated>{_day(0)}T10:00:00Z</updated>{link}{items}</feed>"
        )

    server.add("/feed3.xml", page(3, [40, 41], None), Content_Type="application/atom+xml")
    server.add("/feed2.xml", page(2, [20, 21], server.url("/feed3.xml")),
               Content_Type="application/atom+xml")  # fmt: skip
    server.add("/feed1.xml", page(1, [10, 11], server.url("/feed2.xml")),
               Content_Type="application/atom+xml")  # fmt: skip
    top = server.add("/feed.xml", page(0, [0, 1], server.url("/feed1.xml")),
                     Content_Type="application/atom+xml")  # fmt: skip
    site = _site(tmp_path, top)
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "25d")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 article(s) since" in done.stdout
    assert len(_posts(site)) == 6
    assert server.hits("/feed3.xml") == 1  # read, found older than the window: the end


def test_a_killed_backfill_resumes_without_fetching_an_article_twice(
    tmp_path: Path, server: LocalServer
) -> None:
    top = _archive(server, files=4, per_file=10, old_file=False)
    for path, route in list(server.routes.items()):
        if path.startswith("/a/"):
            body = route.body  # type: ignore[union-attr]

            def slow(handler: BaseHTTPRequestHandler, body: bytes = body) -> None:
                time.sleep(0.05)  # a slow site: the kill lands mid-way
                send(handler, 200, body, Content_Type="text/html; charset=utf-8")

            server.handle(path, slow)
    site = _site(tmp_path, top)
    command = [sys.executable, "-m", "newsdesk", "backfill", "--site", str(site),
               "--source", "archive", "--since", "30d"]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while len(_posts(site)) < 8:
        assert time.monotonic() < deadline, "no posts"
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    while session_pids(first.pid):
        time.sleep(0.02)
    written = {p.read_text().rsplit("(", 1)[1].rstrip(")\n") for p in _posts(site)}
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "30d")
    assert done.returncode == 0, done.stdout + done.stderr
    posts = _posts(site)
    assert len(posts) == 40  # none lost, none twice
    hits = Counter(urlsplit(p).path for p, _ in server.requests)
    for url in written:  # published before the kill: never fetched again
        assert hits[urlsplit(url).path] == 1, url
    # Only pages in flight at the kill may have been fetched twice.
    assert sum(1 for path, n in hits.items() if path.startswith("/a/") and n > 1) <= 4


def test_a_file_dated_by_the_windows_first_day_is_read(tmp_path: Path, server: LocalServer) -> None:
    moment = datetime.now(UTC) - timedelta(hours=21)
    page = investing_current_page("Late yesterday", [("p", story_text("late", 80))],
                                  published=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))  # fmt: skip
    link = server.add("/late", page)
    yesterday = moment.strftime("%Y-%m-%d")
    server.add("/day.xml", urlset([(link, yesterday)]))
    site = _site(tmp_path, server.add("/index.xml", index([(server.url("/day.xml"), yesterday)])))
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "1d")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 article(s) since" in done.stdout
    assert len(_posts(site)) == 1


def test_entries_without_a_date_are_published_only_inside_the_window(
    tmp_path: Path, server: LocalServer
) -> None:
    links = []
    for n, year in enumerate(("2019", "2019")):
        page = investing_current_page(f"Old story {n}", [("p", story_text(f"old {n}", 80))],
                                      published=f"{year}-03-0{n + 1}T08:00:00Z")  # fmt: skip
        links.append((server.add(f"/o{n}", page), ""))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fresh = investing_current_page("Fresh story", [("p", story_text("fresh", 80))], published=now)
    links.append((server.add("/fresh", fresh), ""))
    site = _site(tmp_path, server.add("/s.xml", urlset(links)))
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "1d")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(_posts(site)) == 1
    with open_store(Site(site)) as store:
        reasons = sorted(i.reason or "" for i in store.items() if i.status == ItemStatus.SKIPPED)
    assert reasons == ["published 2019-03-01, before the backfill's window",
                       "published 2019-03-02, before the backfill's window"]  # fmt: skip


def test_a_broken_archive_page_ends_the_walk_and_keeps_what_was_found(
    tmp_path: Path, server: LocalServer
) -> None:
    story = server.add("/p/0", investing_current_page("Paged", [("p", story_text("p", 80))]))
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Paged</title><id>urn:f</id>'
        f'<updated>{_day(0)}T10:00:00Z</updated><link rel="prev-archive" href="/gone.xml"/>'
        f'<entry><title>Paged</title><id>urn:0</id><link href="{story}"/>'
        f"<updated>{_day(0)}T10:00:00Z</updated></entry></feed>"
    )
    site = _site(tmp_path, server.add("/feed.xml", feed, Content_Type="application/atom+xml"))
    done = cli("backfill", "--site", str(site), "--source", "archive", "--since", "30d")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the walk stops there" in " ".join(done.stdout.split())
    assert len(_posts(site)) == 1


def test_a_disabled_source_is_refused(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, _archive(server, files=1, old_file=False))
    config = site / "newsdesk.toml"
    config.write_text(config.read_text() + "enabled = false\n")
    done = cli("backfill", "--site", str(site), "--source", "archive")
    assert done.returncode == 1
    assert "disabled" in done.stderr


def test_the_walk_is_shown_file_by_file(tmp_path: Path, server: LocalServer) -> None:
    from newsdesk.backfill import backfill

    site = _site(tmp_path, _archive(server, files=3, old_file=False))
    seen: list[tuple[int, int]] = []
    report = backfill(
        site, source="archive", since=30 * 86400, dry_run=True,
        on_file=lambda done, known: seen.append((done, known)),
    )  # fmt: skip
    assert report.found == 30
    assert seen == [(1, 3), (2, 3), (3, 3)]
