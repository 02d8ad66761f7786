"""The fetch stage for articles: a feed entry's page, after robots.txt allows it."""

from __future__ import annotations

from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import Trust
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
