"""The reference post, byte for byte, from an investing.com-style feed and page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REFERENCE_PATH, cli, split_post, write_site
from tests.pages import (
    investing_current_page,
    investing_feed,
    investing_legacy_page,
    split_reference,
)
from tests.server import LocalServer

REAL_URL = "https://www.investing.com" + REFERENCE_PATH


def _parts(reference: str) -> tuple[str, str, str]:
    front, rest = split_post(reference)
    title = front.split('title: "', 1)[1].split('"\n', 1)[0]
    date = front.split('date: "', 1)[1].split('"\n', 1)[0]
    body = rest.strip().split("\n\n")[0]
    return title, date, body


def _serve(server: LocalServer, reference: str, page: str) -> str:
    title, date, _ = _parts(reference)
    link = server.url(REFERENCE_PATH)
    server.add(REFERENCE_PATH, page)
    return server.add(
        "/rss/news_95.rss",
        investing_feed([{"title": title, "date": date, "link": link}]),
        Content_Type="application/rss+xml",
    )


def _expected(reference: str, server: LocalServer) -> str:
    return reference.replace(REAL_URL, server.url(REFERENCE_PATH))


def _run_site(tmp_path: Path, feed_url: str, body_style: str) -> str:
    site = write_site(
        tmp_path / "site",
        [{"name": "investing_us", "url": feed_url}],
        posts={"body_style": body_style},
    )
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stderr
    posts = list((site / "content" / "posts").glob("*.md"))
    assert len(posts) == 1, posts
    return posts[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("repeat_headline", [False, True])
def test_single_style_is_the_reference_byte_for_byte(
    tmp_path: Path, server: LocalServer, reference_post: str, repeat_headline: bool
) -> None:
    title, _, body = _parts(reference_post)
    page = investing_current_page(
        title,
        split_reference(body),
        url=server.url(REFERENCE_PATH),
        repeat_headline=repeat_headline,
    )
    feed_url = _serve(server, reference_post, page)
    assert _run_site(tmp_path, feed_url, "single") == _expected(reference_post, server)


def test_legacy_layout_gives_the_same_post(
    tmp_path: Path, server: LocalServer, reference_post: str
) -> None:
    title, _, body = _parts(reference_post)
    feed_url = _serve(server, reference_post, investing_legacy_page(title, split_reference(body)))
    assert _run_site(tmp_path, feed_url, "single") == _expected(reference_post, server)


def test_paragraph_style_keeps_front_matter_and_paragraphs(
    tmp_path: Path, server: LocalServer, reference_post: str
) -> None:
    title, _, body = _parts(reference_post)
    blocks = split_reference(body)
    feed_url = _serve(server, reference_post, investing_current_page(title, blocks))
    post = _run_site(tmp_path, feed_url, "paragraphs")
    expected_front, _ = split_post(reference_post)
    front, rest = split_post(post)
    assert front == expected_front
    rendered = [f"## {text}" if kind == "h" else text for kind, text in blocks]
    link = f"[investing_us]({server.url(REFERENCE_PATH)})"
    assert rest == "\n" + "\n\n".join(rendered) + "\n\n" + link + "\n"


def test_second_run_writes_nothing(
    tmp_path: Path, server: LocalServer, reference_post: str
) -> None:
    title, _, body = _parts(reference_post)
    feed_url = _serve(server, reference_post, investing_current_page(title, split_reference(body)))
    site = write_site(tmp_path / "site", [{"name": "investing_us", "url": feed_url}])
    assert cli("run", "--site", str(site)).returncode == 0
    post = next((site / "content" / "posts").glob("*.md"))
    before = (post.read_bytes(), post.stat().st_mtime_ns)
    page_hits = server.hits(REFERENCE_PATH)
    second = cli("run", "--site", str(site))
    assert second.returncode == 0
    assert "0 post(s) written" in second.stdout
    assert (post.read_bytes(), post.stat().st_mtime_ns) == before
    assert server.hits(REFERENCE_PATH) == page_hits  # a known URL is not fetched again
