"""robots.txt for article fetches (RFC 9309), fetched once per origin and cached.

A 4xx answer means no rules (everything allowed); a 5xx answer or a network failure means
"assume disallowed" until it can be read. Crawl-delay slows the host's gate down.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from newsdesk.errors import FetchError
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.failures import BadURL
from newsdesk.fetch.guard import TRUST_NONE, AddressRefused, Trust

AGENT = "newsdesk"
MAX_CRAWL_DELAY = 30.0


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The parsed rules of one origin; ``text`` is None when there are none to follow."""

    status: int | None
    text: str | None

    def parser(self) -> RobotFileParser | None:
        """A parser for the rules, or None for "everything allowed"."""
        if self.text is None:
            return None
        parser = RobotFileParser()
        parser.parse(line for line in self.text.splitlines() if not _BAD_NUMBER.match(line))
        return parser


# The standard library's parser calls int() on whatever passes str.isdigit() ("²", a
# 5,000-digit delay) and raises; such a line is dropped, as RFC 9309 drops lines it can't read.
_BAD_NUMBER = re.compile(
    r"^\s*(?:crawl-delay|request-rate)\s*:(?!\s*[0-9]{1,9}(?:\.[0-9]{1,9})?(?:/[0-9]{1,9}\w?)?"
    r"\s*(?:#.*)?$)",
    re.IGNORECASE,
)


Loader = Callable[[str], Awaitable[RobotsRules | None]]
Saver = Callable[[str, RobotsRules], None]
OriginLock = Callable[[str], AbstractAsyncContextManager[object]]
"""Held around looking an origin's robots.txt up and fetching it, so that processes sharing
a store fetch it once (workers lock it in Redis); by default nothing is locked."""


@asynccontextmanager
async def _no_lock(origin: str) -> AsyncIterator[None]:
    yield


class Robots:
    """Answers "may newsdesk fetch this URL?" with one robots.txt request per origin."""

    def __init__(
        self,
        fetcher: Fetcher,
        load: Loader | None = None,
        save: Saver | None = None,
        lock: OriginLock = _no_lock,
    ):
        self.fetcher = fetcher
        self._load = load
        self._save = save
        self._lock = lock
        # One lookup per origin and per trust in it: a source that may reach a private origin
        # must not inherit the refusal another source got there.
        self._origins: dict[tuple[str, bool], asyncio.Task[RobotFileParser | None | FetchError]]
        self._origins = {}

    async def check(self, url: str, trust: Trust = TRUST_NONE) -> None:
        """Raise FetchError when robots.txt disallows ``url`` or cannot be read (5xx).

        robots.txt is fetched with the article's ``trust``: an origin the article may not
        reach is not asked for its robots.txt either.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        try:
            key = (origin, trust.admits(httpx.URL(origin)))
        except (httpx.InvalidURL, ValueError):
            raise BadURL(f"not a valid URL: {url!r}") from None
        task = self._origins.get(key)
        if task is None:
            task = asyncio.ensure_future(self._rules(origin, trust))
            self._origins[key] = task
        rules = await task
        if isinstance(rules, FetchError):
            raise rules
        if rules is not None and not rules.can_fetch(AGENT, url):
            raise FetchError("blocked by robots.txt")

    async def _rules(self, origin: str, trust: Trust) -> RobotFileParser | None | FetchError:
        rules = await self._load(origin) if self._load else None
        if rules is None:
            async with self._lock(origin):  # one fetch per origin, whoever asks
                rules = await self._load(origin) if self._load else None
                if rules is None:
                    fetched = await self._fetch(origin, trust)
                    if isinstance(fetched, FetchError):
                        return fetched
                    rules = fetched
                    if self._save:
                        self._save(origin, rules)
        parser = rules.parser()
        if parser is not None:
            delay = parser.crawl_delay(AGENT)
            if delay:
                gate = self.fetcher.gate(urlsplit(origin).hostname or "")
                gate.min_delay = max(gate.min_delay, min(float(delay), MAX_CRAWL_DELAY))
        return parser

    async def _fetch(self, origin: str, trust: Trust) -> RobotsRules | FetchError:
        try:
            response = await self.fetcher.get(f"{origin}/robots.txt", retries=1, trust=trust)
            text = response.content.decode("utf-8", errors="replace")
            return RobotsRules(response.status, text)
        except BadURL as exc:
            return exc  # the article's URL cannot be requested either
        except AddressRefused as exc:
            if exc.host == urlsplit(origin).hostname:
                return exc  # the origin itself is inside: so is the article
            return RobotsRules(None, None)  # it redirected inward: as good as missing
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return RobotsRules(exc.status, None)
            return FetchError(f"robots.txt could not be read ({exc})", transient=True)
