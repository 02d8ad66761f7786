"""Sitemaps as sources: a urlset, a Google News sitemap, an index with gzip children polled
cheaply, ``max_entries``, and hostile sitemaps; served by the local test server, through the
real CLI."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.errors import FeedError
from newsdesk.sources.sitemap import inflate, parse_sitemap
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer

SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _article(server: LocalServer, path: str, title: str, published: str) -> str:
    blocks = [("p", story_text(title, 80))]
    return server.add(path, investing_current_page(title, blocks, published=published))


def urlset(urls: list[tuple[str, str]]) -> str:
    """A plain sitemap of (loc, lastmod)."""
    rows = "".join(
        f"<url><loc>{escape(loc)}</loc>{f'<lastmod>{m}</lastmod>' if m else ''}</url>"
        for loc, m in urls
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {SM}>{rows}</urlset>'


def index(children: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc><lastmod>{m}</lastmod></sitemap>" for loc, m in children
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {SM}>{rows}</sitemapindex>'


def _site(tmp_path: Path, url: str, **source: object) -> Path:
    return write_site(
        tmp_path / "site",
        [{"name": "news", "url": url, **source}],
        fetch={"robots": False},
        extract={"workers": 1},
    )


def _run(site: Path) -> str:
    done = cli("run", "--site", str(site), "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _fronts(site: Path) -> list[dict[str, object]]:
    posts = sorted((site / "content" / "posts").glob("*.md"))
    return [yaml.safe_load(p.read_text().split("---\n")[1]) for p in posts]


def test_a_plain_sitemap_takes_title_and_date_from_the_page(
    tmp_path: Path, server: LocalServer
) -> None:
    a = _article(server, "/a", "Harbour reopens", "2026-11-20T08:00:00Z")
    b = _article(server, "/b", "Mills close early", "2026-11-21T09:30:00Z")
    sitemap = server.add("/sitemap.xml", urlset([(a, "2026-11-29"), (b, "2026-11-28")]))
    site = _site(tmp_path, sitemap)
    _run(site)
    fronts = sorted(_fronts(site), key=lambda f: str(f["title"]))
    assert [f["title"] for f in fronts] == ["Harbour reopens", "Mills close early"]
    # The page's date, never the lastmod (a sitemap's lastmod is when the page last changed).
    assert [f["date"] for f in fronts] == ["2026-11-20 08:00:00", "2026-11-21 09:30:00"]


def test_a_news_sitemaps_title_date_language_and_keywords_win(
    tmp_path: Path, server: LocalServer
) -> None:
    page = _article(server, "/n", "The page's own headline", "2026-11-20T08:00:00Z")
    body = (
        f'<?xml version="1.0"?><urlset {SM} {NEWS}><url><loc>{page}</loc><news:news>'
        "<news:publication><news:name>Wire</news:name><news:language>de</news:language>"
        "</news:publication><news:publication_date>2026-11-29T10:15:00+01:00"
        "</news:publication_date><news:title>Hafen &amp; Handel öffnen</news:title>"
        "<news:keywords>Hafen, Handel</news:keywords></news:news></url></urlset>"
    )
    site = _site(tmp_path, server.add("/news.xml", body))
    _run(site)
    [front] = _fronts(site)
    assert front["title"] == "Hafen & Handel öffnen"
    assert front["date"] == "2026-11-29 09:15:00"
    assert front["lang"] == ["de"]
    assert front["tags"] == ["news", "Hafen", "Handel"]


def test_an_index_reads_only_the_files_that_changed_and_gzip_ones_too(
    tmp_path: Path, server: LocalServer
) -> None:
    one = _article(server, "/1", "First story", "2026-11-20T08:00:00Z")
    two = _article(server, "/2", "Second story", "2026-11-20T09:00:00Z")
    server.add("/s1.xml.gz", gzip.compress(urlset([(one, "")]).encode()),
               Content_Type="application/x-gzip", ETag='"s1"')  # fmt: skip
    server.add("/s2.xml", urlset([(two, "")]))
    top = server.add(
        "/index.xml",
        index([(server.url("/s1.xml.gz"), "2026-11-20"), (server.url("/s2.xml"), "2026-11-20")]),
    )
    site = _site(tmp_path, top)
    _run(site)
    assert sorted(str(f["title"]) for f in _fronts(site)) == ["First story", "Second story"]
    assert (server.hits("/s1.xml.gz"), server.hits("/s2.xml")) == (1, 1)
    _run(site)  # the index says nothing changed: no child is fetched
    assert (server.hits("/s1.xml.gz"), server.hits("/s2.xml")) == (1, 1)
    three = _article(server, "/3", "Third story", "2026-11-21T09:00:00Z")
    server.add("/s2.xml", urlset([(two, ""), (three, "")]))
    server.add(
        "/index.xml",
        index([(server.url("/s1.xml.gz"), "2026-11-20"), (server.url("/s2.xml"), "2026-11-21")]),
    )
    _run(site)
    assert (server.hits("/s1.xml.gz"), server.hits("/s2.xml")) == (1, 2)
    assert len(_fronts(site)) == 3


def test_max_entries_registers_the_newest_first(tmp_path: Path, server: LocalServer) -> None:
    date = "2026-11-20T08:00:00Z"
    urls = [
        (_article(server, f"/p{n}", f"Story number {n}", date), f"2026-11-{n + 10}")
        for n in range(6)
    ]
    site = _site(tmp_path, server.add("/sitemap.xml", urlset(urls)), max_entries=2)
    _run(site)
    assert sorted(str(f["title"]) for f in _fronts(site)) == ["Story number 4", "Story number 5"]
    _run(site)
    assert len(_fronts(site)) == 4


def test_the_kind_of_source_can_be_forced(tmp_path: Path, server: LocalServer) -> None:
    sitemap = server.add("/sitemap.xml", urlset([(server.url("/x"), "")]))
    site = _site(tmp_path, sitemap, type="feed")
    out = _run(site)
    assert "not a feed" in out


HOSTILE = {
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f"<urlset {SM}><url><loc>http://x.test/&lol2;</loc></url></urlset>"
    ),
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<urlset {SM}><url><loc>http://x.test/&xxe;</loc></url></urlset>"
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_sitemaps_are_refused_with_a_reason(
    tmp_path: Path, server: LocalServer, case: str
) -> None:
    site = _site(tmp_path, server.add("/sitemap.xml", HOSTILE[case]))
    out = " ".join(_run(site).split())
    assert "sitemap refused" in out
    assert not (site / "content" / "posts").exists() or not _fronts(site)


def test_an_index_that_lists_itself_or_thousands_does_not_run_away(
    tmp_path: Path, server: LocalServer
) -> None:
    top = server.url("/index.xml")
    many = [(server.url(f"/c{n}.xml"), "2026-11-20") for n in range(10_000)]
    server.add("/index.xml", index([(top, "2026-11-20"), *many]))
    for n in range(10_000):
        server.add(f"/c{n}.xml", index([(top, "2026-11-20")]))  # each child points back
    site = _site(tmp_path, top)
    _run(site)
    fetched = sum(1 for path, _ in server.requests if path.startswith("/c"))
    assert fetched <= 50
    assert server.hits("/index.xml") <= 2  # itself as a child: read once per poll


def test_a_gzip_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 50_000_000 + b"</urlset>")
    assert len(bomb) < 100_000
    with pytest.raises(FeedError, match="once inflated"):
        inflate(bomb, 10_000_000)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_are_a_sitemap_or_a_feed_error(data: bytes) -> None:
    for body in (data, f"<urlset {SM}>".encode() + data + b"</urlset>"):
        try:
            parsed = parse_sitemap(body, source="s", url="http://x.test/", zone=UTC)
        except FeedError:
            continue
        for entry in parsed.entries:
            assert entry.link.startswith(("http://", "https://"))


def test_dates_and_links_are_read_leniently() -> None:
    body = urlset(
        [("/relative", "2026-11-20"), ("javascript:alert(1)", ""), ("https://x.test/a", "")]
    )
    parsed = parse_sitemap(body.encode(), source="s", url="https://x.test/s.xml", zone=UTC)
    assert [e.link for e in parsed.entries] == ["https://x.test/relative", "https://x.test/a"]
    assert parsed.lastmod["https://x.test/relative"] == datetime(2026, 11, 20, tzinfo=UTC)
    assert parsed.skipped == 1


def test_sources_add_offers_the_sitemaps_robots_txt_names(
    tmp_path: Path, server: LocalServer
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text("# my site\n[fetch]\nmin_delay = 0\n")
    home = server.add("/", "<html><body>Home, no feed anywhere</body></html>")
    page = _article(server, "/n", "A story", "2026-11-20T08:00:00Z")
    news = (
        f'<?xml version="1.0"?><urlset {SM} {NEWS}><url><loc>{page}</loc><news:news>'
        "<news:title>A story</news:title></news:news></url></urlset>"
    )
    server.add("/news-sitemap.xml", news)
    server.add("/sitemap_index.xml", index([(server.url("/s1.xml"), "2026-11-20")]))
    server.add(
        "/robots.txt", "User-agent: *\nSitemap: /sitemap_index.xml\nSitemap: /news-sitemap.xml\n"
    )
    done = cli("sources", "add", home, "--site", str(site))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"found {server.url('/news-sitemap.xml')}: news sitemap, 1 item(s)" in done.stdout
    assert f"found {server.url('/sitemap_index.xml')}: sitemap index, 1 file(s)" in done.stdout
    config = (site / "newsdesk.toml").read_text()
    assert f'url = "{server.url("/news-sitemap.xml")}"' in config  # the news sitemap first
    direct = cli("sources", "add", server.url("/sitemap_index.xml"), "--site", str(site))
    assert direct.returncode == 0, direct.stderr
