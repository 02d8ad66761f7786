"""``newsdesk sources``: add by any URL of a site (feed discovery), list, remove, OPML import
and export, through the real CLI against the local fixture server; newsdesk.toml keeps its
comments and everything else byte for byte."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsdesk.sources.manage import import_opml
from tests.helpers import cli
from tests.server import LocalServer

CONFIG = """# My markets site: hand-written comments stay.
[site]
title = "Wire"  # the title

[fetch]
min_delay = 0
robots = false

# The first source.
[[sources]]
name = "first"
url = "https://first.example/feed.rss"

[sources.filters]
include = ["zinc"]

# The second source.
[[sources]]
name = "second"
url = "https://second.example/feed.rss"
"""

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<item><title>One</title><link>https://x.example/1</link></item>"
    "<item><title>Two</title><link>https://x.example/2</link></item></channel></rss>"
)


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(CONFIG)
    return site


def _sources(site: Path) -> list[tuple[str, str]]:
    data = tomllib.loads((site / "newsdesk.toml").read_text())
    return [(s["name"], s["url"]) for s in data.get("sources", [])]


def test_add_a_feed_url_appends_it_and_keeps_the_file(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    feed = server.add("/markets.rss", RSS.format(title="Markets &amp; Metals"))
    done = cli("sources", "add", feed, "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "2 item(s)" in done.stdout
    text = (site / "newsdesk.toml").read_text()
    assert text.startswith(CONFIG)  # every byte before, comments included
    assert _sources(site)[-1] == ("Markets & Metals", feed)
    again = cli("sources", "add", feed, "--site", str(site))
    assert again.returncode == 1
    assert "already a source" in again.stderr


def test_add_a_page_finds_the_feed_it_names(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    feed = server.add("/news/feed.xml", RSS.format(title="Site News"))
    page = server.add(
        "/news/story.html",
        '<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml">'
        "</head><body>A story</body></html>",
    )
    done = cli("sources", "add", page, "--site", str(site), "--name", "wire news")
    assert done.returncode == 0, done.stderr
    assert _sources(site)[-1] == ("wire news", feed)


def test_add_a_homepage_tries_the_usual_feed_paths(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    home = server.add("/", "<html><body>Home, no feed link</body></html>")
    server.add("/index.xml", RSS.format(title="Hugo Site"))
    done = cli("sources", "add", home, "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert _sources(site)[-1] == ("Hugo Site", server.url("/index.xml"))


def test_a_page_cannot_send_discovery_into_the_network(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    inside = server.url("/secret.rss").replace("127.0.0.1", "localhost")
    server.add("/secret.rss", RSS.format(title="Internal"))
    page = server.add(
        "/page.html",
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{inside}">'
        "</head><body>x</body></html>",
    )
    done = cli("sources", "add", page, "--site", str(site))
    assert done.returncode == 1
    assert "no feed found" in done.stderr
    assert server.hits("/secret.rss") == 0
    assert (site / "newsdesk.toml").read_text() == CONFIG


def test_list_and_remove_keep_the_other_sources_and_comments(tmp_path: Path) -> None:
    site = _site(tmp_path)
    listed = cli("sources", "list", "--site", str(site))
    assert listed.returncode == 0
    assert "first\thttps://first.example/feed.rss" in listed.stdout
    done = cli("sources", "remove", "first", "--site", str(site))
    assert done.returncode == 0, done.stderr
    text = (site / "newsdesk.toml").read_text()
    assert _sources(site) == [("second", "https://second.example/feed.rss")]
    assert "include" not in text  # its filters went with it
    assert "# My markets site" in text
    assert "# The second source." in text
    missing = cli("sources", "remove", "nope", "--site", str(site))
    assert missing.returncode == 1
    assert "no source named 'nope'" in missing.stderr


def test_opml_export_then_import_into_another_site(tmp_path: Path) -> None:
    site = _site(tmp_path)
    exported = cli("sources", "export", "--site", str(site))
    assert exported.returncode == 0
    root = etree.fromstring(exported.stdout.encode())
    assert root.get("version") == "2.0"
    assert [o.get("xmlUrl") for o in root.iter("outline")] == [
        "https://first.example/feed.rss",
        "https://second.example/feed.rss",
    ]
    other = tmp_path / "other"
    other.mkdir()
    (other / "newsdesk.toml").write_text('[site]\ntitle = "Other"\n')
    opml = tmp_path / "feeds.opml"
    opml.write_text(exported.stdout)
    done = cli("sources", "import", str(opml), "--site", str(other))
    assert done.returncode == 0, done.stderr
    assert _sources(other) == _sources(site)
    again = cli("sources", "import", str(opml), "--site", str(other))
    assert "0 source(s) added, 2 skipped" in again.stdout


def test_a_hostile_opml_reads_no_file_and_adds_only_http_feeds(tmp_path: Path) -> None:
    site = _site(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    entity = tmp_path / "entity.opml"
    entity.write_text(
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://ok.example/feed"/>'
        "</body></opml>"
    )
    refused = cli("sources", "import", str(entity), "--site", str(site))
    assert refused.returncode == 1
    assert "not an OPML file" in refused.stderr
    assert (site / "newsdesk.toml").read_text() == CONFIG
    opml = tmp_path / "odd.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="js" xmlUrl="javascript:alert(1)"/>'
        '<outline text="file" xmlUrl="file:///etc/passwd"/>'
        '<outline text="ok" xmlUrl="https://ok.example/feed"/>'
        '<outline text="bad &quot;name&quot; [x]\\" xmlUrl="https://two.example/rss"/>'
        "</body></opml>"
    )
    done = cli("sources", "import", str(opml), "--site", str(site))
    assert done.returncode == 0, done.stderr
    added = _sources(site)[2:]
    assert [url for _, url in added] == ["https://ok.example/feed", "https://two.example/rss"]
    assert added[1][0] == 'bad "name" [x]\\'  # quoted as TOML, read back as written
    assert "2 source(s) added, 2 skipped" in done.stdout


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_any_title_in_an_opml_becomes_a_name_that_reads_back(title: str) -> None:
    root = etree.Element("opml", version="2.0")
    body = etree.SubElement(root, "body")
    try:
        etree.SubElement(body, "outline", text=title, xmlUrl="https://feed.example/rss")
    except ValueError:
        return  # not text XML can carry (a control character): no OPML file has it
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "newsdesk.toml").write_text(CONFIG)
        added, _ = import_opml(site, etree.tostring(root))
        [(name, url)] = _sources(site)[2:]
        assert (name, url) == (added[0].name, "https://feed.example/rss")
        assert name == (" ".join(title.split())[:80].strip() or "feed.example")
        assert (site / "newsdesk.toml").read_text().startswith(CONFIG)


def test_names_that_look_like_markup_are_printed_and_kept_as_written(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path)
    feed = server.add("/m.rss", RSS.format(title="News [/x] [bold]now[/bold]"))
    done = cli("sources", "add", feed, "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "News [/x] [bold]now[/bold]" in done.stdout
    opml = tmp_path / "m.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Tech [/r/tech]" xmlUrl="https://t.example/"/>'
        "</body></opml>"
    )
    done = cli("sources", "import", str(opml), "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert [n for n, _ in _sources(site)[2:]] == ["News [/x] [bold]now[/bold]", "Tech [/r/tech]"]


def test_a_bad_name_is_refused_before_any_request(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    feed = server.add("/n.rss", RSS.format(title="N"))
    done = cli("sources", "add", feed, "--site", str(site), "--name", "x" * 101)
    assert done.returncode == 1
    assert "not a source newsdesk can keep" in done.stderr
    assert server.hits("/n.rss") == 0
    assert (site / "newsdesk.toml").read_text() == CONFIG


def test_windows_line_endings_are_kept(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path)
    crlf = CONFIG.replace("\n", "\r\n").encode()
    (site / "newsdesk.toml").write_bytes(crlf)
    feed = server.add("/c.rss", RSS.format(title="Crlf"))
    assert cli("sources", "add", feed, "--site", str(site)).returncode == 0
    assert cli("sources", "remove", "first", "--site", str(site)).returncode == 0
    data = (site / "newsdesk.toml").read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line still ends in CRLF
    assert _sources(site) == [("second", "https://second.example/feed.rss"), ("Crlf", feed)]


def test_a_sub_table_spelled_oddly_is_never_moved_to_another_source(tmp_path: Path) -> None:
    site = _site(tmp_path)
    third = '[[sources]]\nname = "third"\nurl = "https://t.example/"\n'
    odd = CONFIG + "\n" + third + '\n[sources . filters]\ninclude = ["tin"]\n'
    (site / "newsdesk.toml").write_text(odd)
    done = cli("sources", "remove", "third", "--site", str(site))
    assert done.returncode == 1
    assert "edit the file by hand" in done.stderr
    assert (site / "newsdesk.toml").read_text() == odd


def test_the_usual_paths_are_tried_when_the_named_feeds_fail(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site(tmp_path)
    server.add("/feed", RSS.format(title="Real Feed"))
    page = server.add(
        "/post.html",
        '<html><head><link rel="alternate" type="application/json" href="/wp-json/x">'
        "</head><body>x</body></html>",
    )
    done = cli("sources", "add", page, "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert _sources(site)[-1] == ("Real Feed", server.url("/feed"))


def test_export_drops_what_xml_cannot_hold(tmp_path: Path) -> None:
    site = _site(tmp_path)
    text = CONFIG.replace('name = "second"', 'name = "sec\\u001bond"')
    (site / "newsdesk.toml").write_text(text)
    done = cli("sources", "export", "--site", str(site))
    assert done.returncode == 0, done.stderr
    names = [o.get("text") for o in etree.fromstring(done.stdout.encode()).iter("outline")]
    assert names == ["first", "second"]
