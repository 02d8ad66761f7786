"""The fetch stage for articles: a feed entry's page, after robots.txt allows it; and the one
page ``newsdesk extract`` is given (a file, stdin or a URL)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from newsdesk.config import FetchConfig
from newsdesk.errors import ConfigError
from newsdesk.fetch.charset import decode_html
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import TRUST_ALL, Trust
from newsdesk.fetch.robots import Robots
from newsdesk.models import FeedEntry, Page
from newsdesk.urls import without_userinfo


async def fetch_article(
    fetcher: Fetcher, robots: Robots | None, entry: FeedEntry, trust: Trust
) -> Page:
    """The entry's article page; FetchError when robots.txt forbids it or the request fails.
    ``robots`` None: robots.txt is not consulted (``robots = false``)."""
    link = without_userinfo(entry.link)  # credentials in a feed's link are never sent
    if robots is not None:
        await robots.check(link, trust)
    return await fetcher.get_page(link, trust)


def fetch_url(url: str) -> Page:
    """One page the user asked for by URL (``newsdesk extract --url``), with the default
    fetch settings; the user's own URL may reach any address."""

    async def fetch() -> Page:
        async with Fetcher(FetchConfig()) as fetcher:
            return await fetcher.get_page(url, TRUST_ALL)

    return asyncio.run(fetch())


def read_page(source: str, url: str | None) -> Page:
    """The page ``newsdesk extract`` works on: the file ``source`` (``-``: stdin) read as a
    page at ``url``; when stdin gives nothing (or is a terminal) and there is a ``url``, the
    page fetched from it. ConfigError when the file cannot be read."""
    if source != "-":
        try:
            return Page(url or "", 200, decode_html(Path(source).read_bytes()))
        except OSError as exc:
            raise ConfigError(f"cannot read {source}: {exc.strerror}") from None
    raw = b"" if url and sys.stdin.isatty() else sys.stdin.buffer.read()
    return fetch_url(url) if url and not raw else Page(url or "", 200, decode_html(raw))
