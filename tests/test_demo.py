"""`make demo` end to end: built-in sources served on 127.0.0.1, the pipeline, Hugo."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import feedparser
import pytest

from newsdesk.demo import DemoServer, run_demo
from newsdesk.demo.server import data_root
from tests.helpers import cli, split_post

pytestmark = pytest.mark.slow  # left out of `make unit-fast`


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("demo") / "demo-site"
    done = cli("demo", "--site", str(site), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Demo site built:" in done.stdout
    assert str(site / "public") in done.stdout.replace("\n", "")
    assert f"See it: newsdesk serve --site {site}" in done.stdout.replace("\n", "")
    return site


def _manifest() -> dict:  # type: ignore[type-arg]
    return json.loads((data_root() / "manifest.json").read_text())  # type: ignore[no-any-return]


def _visible_text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_every_demo_article_becomes_one_clean_post(demo_site: Path) -> None:
    posts = {p: p.read_text() for p in (demo_site / "content" / "posts").glob("*.md")}
    manifest = _manifest()
    articles = [a for s in manifest["sources"] for a in s["articles"]]
    shared = set(manifest["shared_story"].values())
    # The story served by two sources (other markup, tracking parameters) is published once.
    assert len(posts) == len(articles) - 1 >= 15
    twins = [a for a in articles if a["slug"] in shared]
    assert sum(f'title: "{a["title"]}"' in t for a in twins for t in posts.values()) == 1
    bodies = "\n".join(split_post(text)[1] for text in posts.values())
    for article in articles:
        if article["slug"] in shared:
            continue
        matching = [t for t in posts.values() if f'title: "{article["title"]}"' in t]
        assert len(matching) == 1, article["title"]
        body = split_post(matching[0])[1]
        assert article["first_words"] in body, article["slug"]
        assert article["last_words"] in body, article["slug"]
    for source in manifest["sources"]:
        for noise in source.get("boilerplate", []) + source.get("in_body_noise", []):
            assert noise not in bodies, noise


def test_rebuild_is_clean(demo_site: Path) -> None:
    done = cli("build", "--site", str(demo_site))
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\b(WARN|ERROR)\b", done.stdout + done.stderr), done.stdout + done.stderr
    assert (demo_site / "public" / "pagefind" / "pagefind-ui.js").exists()


def test_the_built_site_shows_every_post(demo_site: Path) -> None:
    public = demo_site / "public"
    pages = sorted((public / "posts").glob("*/index.html"))
    assert len(pages) == len(list((demo_site / "content" / "posts").glob("*.md")))
    for page in pages:
        html = page.read_text()
        post = (demo_site / "content" / "posts" / f"{page.parent.name}.md").read_text()
        front = split_post(post)[0]
        title = json.loads(re.search(r'^title: (".*")$', front, re.M).group(1))  # type: ignore[union-attr]
        text = _visible_text(html)
        assert title in text
        date = re.search(r'^date: "(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d)', front, re.M)
        assert date is not None
        assert f'<time datetime="{date[1]}-{date[2]}-{date[3]}T{date[4]}' in html
        body_start = " ".join(split_post(post)[1].split()[:6])
        assert body_start in text.replace("\u2019", "'").replace("\u201c", '"'), page
        assert re.search(r'<a class="category" href="/categories/[\w-]+/">', html)
        assert re.search(r'<a href="http://127\.0\.0\.1:\d+/[^"]+">\w+</a>', html)  # source link
        assert "<time datetime=" in html
    home = (public / "index.html").read_text()
    assert home.count('class="card"') == 10  # first page of the paginated list
    assert (public / "page" / "2" / "index.html").exists()
    rss = feedparser.parse((public / "index.xml").read_bytes())
    assert not rss.bozo
    assert len(rss.entries) == len(pages)


def test_demo_server_serves_feeds_and_pages() -> None:
    import httpx

    with DemoServer() as server:
        feed = httpx.get(f"{server.base}/feeds/markets.rss")
        assert feed.status_code == 200
        assert "{{BASE}}" not in feed.text
        assert server.base in feed.text
        assert httpx.get(f"{server.base}/../pyproject.toml").status_code == 404


def test_demo_refuses_to_wipe_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    from newsdesk.errors import NewsdeskError

    with pytest.raises(NewsdeskError, match="not a newsdesk site"):
        run_demo(tmp_path)
    assert (tmp_path / "precious.txt").exists()
