from __future__ import annotations

import re

import pytest

from newsdesk.urls import canonical_url, item_id


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://WWW.Example.COM/Path?a=1#frag", "https://www.example.com/Path?a=1"),
        ("http://x.test:80/a?utm_source=rss&utm_medium=feed&id=7", "http://x.test/a?id=7"),
        ("https://x.test/a?fbclid=abc&gclid=d", "https://x.test/a"),
        (
            "https://finance.yahoo.test/news/x.html?.tsrc=rss",
            "https://finance.yahoo.test/news/x.html",
        ),
        ("https://x.test", "https://x.test/"),
        ("https://x.test:8443/a b", "https://x.test:8443/a%20b"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_relative_links_resolve_against_the_feed() -> None:
    assert canonical_url("/news/1", "https://x.test/feed.xml") == "https://x.test/news/1"


def test_item_id_is_stable_16_hex() -> None:
    first = item_id("https://x.test/a")
    assert first == item_id("https://x.test/a")
    assert re.fullmatch("[0-9a-f]{16}", first)
    assert first != item_id("https://x.test/b")
