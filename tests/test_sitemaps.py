"""Sitemaps as sources: a urlset, a Google News sitemap, an index with gzip children polled
cheaply, ``max_entries``, and hostile sitemaps; served by the local test server, through the
real CLI."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.errors import FeedError
from newsdesk.sources.sitemap import inflate, looks_like_sitemap, parse_sitemap
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer, send

SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
T1, T2 = "2026-11-20T10:00:00+00:00", "2026-11-21T10:00:00+00:00"


def _ago(days: float = 0, hours: float = 0) -> datetime:
    """A moment before now (sitemap polls take only the last week's entries)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days, hours=hours)


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
    days = [_ago(days=1).strftime("%Y-%m-%d"), _ago(days=2).strftime("%Y-%m-%d")]
    sitemap = server.add("/sitemap.xml", urlset([(a, days[0]), (b, days[1])]))
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
    published = _ago(days=1)
    local = published.astimezone(timezone(timedelta(hours=1))).isoformat()
    body = (
        f'<?xml version="1.0"?><urlset {SM} {NEWS}><url><loc>{page}</loc><news:news>'
        "<news:publication><news:name>Wire</news:name><news:language>de-AT</news:language>"
        f"</news:publication><news:publication_date>{local}"
        "</news:publication_date><news:title>Hafen &amp; Handel öffnen</news:title>"
        "<news:keywords>Hafen, Handel</news:keywords></news:news></url></urlset>"
    )
    site = _site(tmp_path, server.add("/news.xml", body))
    _run(site)
    [front] = _fronts(site)
    assert front["title"] == "Hafen & Handel öffnen"
    assert front["date"] == published.strftime("%Y-%m-%d %H:%M:%S")
    assert front["lang"] == ["de"]  # "de-AT": the primary code, as a page's is read
    assert front["tags"] == ["news", "Hafen", "Handel"]  # the source's tag, then keywords


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
        index([(server.url("/s1.xml.gz"), T1), (server.url("/s2.xml"), T1)]),
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
        index([(server.url("/s1.xml.gz"), T1), (server.url("/s2.xml"), T2)]),
    )
    _run(site)
    assert (server.hits("/s1.xml.gz"), server.hits("/s2.xml")) == (1, 2)
    assert len(_fronts(site)) == 3


def test_max_entries_registers_the_newest_first(tmp_path: Path, server: LocalServer) -> None:
    date = "2026-11-20T08:00:00Z"
    urls = [
        (_article(server, f"/p{n}", f"Story number {n}", date), _ago(hours=6 - n).isoformat())
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
    # A lastmod that gives only the day: some time that day, so its last moment.
    end = datetime(2026, 11, 21, tzinfo=UTC) - timedelta(microseconds=1)
    assert parsed.lastmod["https://x.test/relative"] == end
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


def _empty_children(server: LocalServer, count: int) -> list[str]:
    for n in range(count):
        server.add(f"/c{n}.xml", urlset([]))
    return [server.url(f"/c{n}.xml") for n in range(count)]


def test_an_index_without_lastmods_comes_round_to_every_file(
    tmp_path: Path, server: LocalServer
) -> None:
    children = _empty_children(server, 60)
    page = _article(server, "/found", "Found at last", "2026-11-20T08:00:00Z")
    server.add("/c0.xml", urlset([(page, "")]))  # listed first: read last (oldest first)
    top = server.add(
        "/index.xml",
        f"<sitemapindex {SM}>"
        + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
        + "</sitemapindex>",
    )
    site = _site(tmp_path, top)
    _run(site)
    assert server.hits("/c59.xml") == 1  # the last listed first
    assert server.hits("/c0.xml") == 0  # past the 50 files of one poll
    _run(site)
    assert server.hits("/c0.xml") == 1  # the next poll comes round to it
    assert [f["title"] for f in _fronts(site)] == ["Found at last"]


def test_files_below_an_index_below_the_index_are_never_lost(
    tmp_path: Path, server: LocalServer
) -> None:
    children = _empty_children(server, 60)
    page = _article(server, "/deep", "Deep story", "2026-11-20T08:00:00Z")
    server.add("/c0.xml", urlset([(page, "")]))
    sub = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    server.add("/sub.xml", f"<sitemapindex {SM}>{sub}</sitemapindex>")
    top = server.add("/index.xml", index([(server.url("/sub.xml"), T1)]))
    site = _site(tmp_path, top)
    for _ in range(3):
        _run(site)
    assert [f["title"] for f in _fronts(site)] == ["Deep story"]


def test_a_truncated_poll_keeps_no_validator_so_the_rest_still_come(
    tmp_path: Path, server: LocalServer
) -> None:
    urls = [
        (_article(server, f"/p{n}", f"Story number {n}", "2026-11-20T08:00:00Z"),
         _ago(hours=6 - n).isoformat())
        for n in range(6)
    ]  # fmt: skip
    body = urlset(urls).encode()

    def conditional(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, 304, b"", ETag='"v1"')
        else:
            send(handler, 200, body, ETag='"v1"', Content_Type="application/xml")

    site = _site(tmp_path, server.handle("/sitemap.xml", conditional), max_entries=2)
    for _ in range(3):
        _run(site)
    assert len(_fronts(site)) == 6
    _run(site)  # all registered: now the server's 304 is believed
    assert server.hits("/sitemap.xml") == 4


def test_a_file_dated_only_by_its_day_is_read_again_that_day(
    tmp_path: Path, server: LocalServer
) -> None:
    today = _ago().strftime("%Y-%m-%d")
    first = _article(server, "/d1", "Morning story", "2026-11-20T08:00:00Z")
    server.add("/day.xml", urlset([(first, today)]))
    top = server.add("/index.xml", index([(server.url("/day.xml"), today)]))
    site = _site(tmp_path, top)
    _run(site)
    second = _article(server, "/d2", "Evening story", "2026-11-20T18:00:00Z")
    server.add("/day.xml", urlset([(first, today), (second, today)]))  # the index: unchanged
    _run(site)
    assert sorted(str(f["title"]) for f in _fronts(site)) == ["Evening story", "Morning story"]


def test_a_poll_leaves_the_archive_to_backfill(tmp_path: Path, server: LocalServer) -> None:
    new = _article(server, "/new", "This week", "2026-11-20T08:00:00Z")
    old = _article(server, "/old", "Last year", "2025-11-20T08:00:00Z")
    stale = _ago(days=30).strftime("%Y-%m-%d")
    site = _site(tmp_path, server.add("/s.xml", urlset([(new, ""), (old, stale)])))
    _run(site)
    assert [f["title"] for f in _fronts(site)] == ["This week"]
    assert server.hits("/old") == 0


def test_a_document_type_in_any_encoding_is_refused() -> None:
    text = HOSTILE["billion laughs"].replace('<?xml version="1.0"?>', "")
    for body in (
        "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"),
        text.encode("utf-16"),
        text.encode("utf-32"),
    ):
        with pytest.raises(FeedError, match="refused|not a sitemap"):
            parse_sitemap(body, source="s", url="http://x.test/", zone=UTC)


def test_a_feed_that_quotes_a_sitemap_is_still_a_feed() -> None:
    assert not looks_like_sitemap(b'{"version": "https://jsonfeed.org/version/1", "x": "<urlset "}')
    rdf = b'<?xml version="1.0"?><rdf:RDF><item><description>&lt;urlset </description>'
    assert not looks_like_sitemap(rdf + b"<urlset >")
    assert looks_like_sitemap(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x --><urlset>')
    assert looks_like_sitemap(b"<sm:sitemapindex xmlns:sm='x'>")
