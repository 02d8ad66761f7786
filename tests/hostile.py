"""A hostile corpus: feeds, headers, pages and links that an attacker or an unlucky operator
serves, each with the outcome newsdesk owes. Built in code, served by the real test server.

Every case runs as a source of a real site beside a good source, in a real run. Two servers
play the network: ``lab.server`` (127.0.0.1:A) holds the feeds and their pages, and
``lab.internal`` (127.0.0.1:B, another origin) stands for the inside of the network, which
links from a feed must never reach. A case's check yields problems, each of a kind:

- ``escaped``: an exception left the run (a unit's failure reached the caller);
- ``leak``: the inside of the network was reached, credentials or markup got through;
- ``lost``: an item that should have been published was not (or the good source suffered);
- ``wrong``: any other outcome than the one the case expects.

tests/test_hostile.py runs each case as a test; benchmarks/faults.py counts them.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import lxml.html
import yaml

from newsdesk.pipeline import RunOptions, run
from newsdesk.report import RunReport
from newsdesk.site import build_site
from newsdesk.store import ItemRecord, open_store
from tests.helpers import write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer, Route, send

BAD = "bad"  # the hostile source's name in every case


@dataclass(frozen=True)
class Problem:
    """One way a case's outcome differs from what newsdesk owes."""

    kind: str  # escaped | leak | lost | wrong
    detail: str


class Lab:
    """The servers and helpers a case builds its source from."""

    def __init__(self, root: Path):
        self.root = root
        self.site = root / "site"
        self.server = LocalServer()
        self.internal = LocalServer()
        self.internal.add("/secret", article_page("Internal payroll report", "secret"))
        self.internal.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
        self.internal.add("/internal.rss", rss([item("Inside", self.internal.url("/secret"))]))
        self.port = int(self.internal.base.rsplit(":", 1)[1])

    def page(self, path: str, title: str, text: str = "") -> str:
        """Serve an article page on the feed's server; returns its URL."""
        return self.server.add(path, article_page(title, text or title))

    def feed(self, path: str, body: str | bytes, **headers: str) -> str:
        """Serve a feed document on the feed's server; returns its URL."""
        self.server.add(path, body)
        route = self.server.routes[path]
        assert isinstance(route, Route)
        route.headers.update({"Content-Type": "application/rss+xml"})
        route.headers.update({k.replace("_", "-"): v for k, v in headers.items()})
        return self.server.url(path)

    def close(self) -> None:
        """Stop both servers."""
        self.server.close()
        self.internal.close()


def article_page(title: str, seed: str) -> str:
    """An article page in investing.com's layout with text made from ``seed``."""
    return investing_current_page(title, [("p", story_text(seed)), ("p", story_text(seed + "/2"))])


def item(title: str, link: str, guid: str = "", date: str = "", extra: str = "") -> str:
    """One RSS ``<item>``; ``title`` and ``extra`` are written as given (raw XML)."""
    when = date or "Fri, 20 Nov 2026 10:00:00 GMT"
    ident = f"<guid isPermaLink='false'>{escape(guid)}</guid>" if guid else ""
    return (
        f"<item><title>{title}</title><link>{escape(link)}</link>{ident}"
        f"<pubDate>{when}</pubDate>{extra}</item>"
    )


def rss(items: list[str], channel: str = "") -> str:
    """An RSS 2.0 document around raw ``<item>`` elements."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>Hostile</title><link>http://example.test/</link>{channel}"
        + "".join(items)
        + "</channel></rss>"
    )


@dataclass
class Outcome:
    """What one run of a case did, for its check."""

    lab: Lab
    site: Path
    reports: list[RunReport]
    logs: list[str]
    escaped: str | None = None

    @property
    def report(self) -> RunReport:
        """The last run's report."""
        return self.reports[-1]

    def items(self, source: str = BAD) -> list[ItemRecord]:
        """The source's items as stored."""
        with open_store(self.site) as store:
            return [row for row in store.items() if row.source == source]

    def posts(self) -> list[str]:
        """Every post file's text."""
        folder = self.site / "content" / "posts"
        return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))]

    def source_row(self, name: str = BAD) -> dict[str, Any]:
        """What the state store says of the source."""
        with open_store(self.site) as store:
            state = store.source_state(name)
            [status] = store.source_status([name])
        return {
            "next_poll_at": state.next_poll_at,
            "consecutive_failures": state.consecutive_failures,
            "last_error": status.last_error,
            "etag": state.etag,
        }


Check = Callable[[Outcome], Iterator[Problem]]
Build = Callable[[Lab], tuple[dict[str, Any], Check]]
"""Serves the case's documents and returns its ``[[sources]]`` entry and its check."""


@dataclass(frozen=True)
class Case:
    """A hostile input and the outcome newsdesk owes for it."""

    name: str
    build: Build
    fetch: dict[str, Any] = field(default_factory=dict)
    """``[fetch]`` settings of the case's site (robots.txt is off unless a case turns it on)."""
    runs: int = 1
    poll_only: bool = False
    may_reach_inside: bool = False


CASES: list[Case] = []


def case(name: str, **options: Any) -> Callable[[Build], Build]:
    """Register a case built by the decorated function."""

    def register(build: Build) -> Build:
        CASES.append(Case(name, build, **options))
        return build

    return register


# -- outcome helpers ---------------------------------------------------------------------------


def published(outcome: Outcome, count: int, source: str = BAD) -> Iterator[Problem]:
    """Exactly ``count`` posts from ``source`` across the case's runs."""
    done = sum(r.sources[source].published for r in outcome.reports if source in r.sources)
    if done != count:
        yield Problem(
            "lost" if done < count else "wrong", f"{source}: {done} published, not {count}"
        )


def feed_ok(outcome: Outcome) -> Iterator[Problem]:
    """The hostile source was polled without an error."""
    error = outcome.report.sources[BAD].error
    if error:
        yield Problem("wrong", f"feed failed: {error}")


def feed_failed(outcome: Outcome, reason: str) -> Iterator[Problem]:
    """The hostile source failed, with ``reason`` in its error."""
    error = outcome.report.sources[BAD].error or ""
    if reason not in error:
        yield Problem("wrong", f"feed error {error!r} does not say {reason!r}")
    if error.startswith("unexpected error"):
        yield Problem("wrong", f"a bug, not a reason: {error}")


def next_poll_within(
    outcome: Outcome, limit: timedelta, at_least: timedelta | None = None
) -> Iterator[Problem]:
    """The next poll is no further away than ``limit``; with ``at_least``, it is scheduled
    and at least that far away (the server's number was read, then capped)."""
    when = outcome.source_row()["next_poll_at"]
    if when is None:
        if at_least is not None:
            yield Problem("wrong", f"no next poll scheduled, expected one {at_least} ahead")
        return
    ahead = when - datetime.now(UTC)
    if ahead > limit:
        yield Problem("wrong", f"next poll {ahead} ahead, more than {limit}")
    if at_least is not None and ahead < at_least:
        yield Problem("wrong", f"next poll {ahead} ahead, less than {at_least}")


def refused(outcome: Outcome, count: int) -> Iterator[Problem]:
    """``count`` items failed for good because their address is inside the network (or is
    not one httpx can even request, such as the octal ``0177.0.0.1``)."""
    reasons = [f.reason for f in outcome.report.failures if f.source == BAD and not f.retry]
    hits = sum(
        ("refused:" in r and "private or local address" in r) or "not a valid URL" in r
        for r in reasons
    )
    if hits != count:
        yield Problem("wrong", f"{hits} of {count} refused; reasons: {reasons}")


def no_unexpected(outcome: Outcome) -> Iterator[Problem]:
    """No item failed with an unexpected error (a bug)."""
    for failure in outcome.report.failures:
        if failure.reason.startswith("unexpected error"):
            yield Problem("wrong", f"{failure.url}: {failure.reason}")


def logged(outcome: Outcome, phrase: str) -> Iterator[Problem]:
    """A log line of the run says ``phrase`` (a warning about the feed)."""
    if not any(phrase in line for line in outcome.logs):
        yield Problem("wrong", f"no log line says {phrase!r}")


def chain(*checks: Iterator[Problem]) -> Iterator[Problem]:
    """All problems of several checks."""
    for check in checks:
        yield from check


# -- running a case ----------------------------------------------------------------------------


class _Logs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run_case(c: Case, root: Path) -> list[Problem]:
    """Run one case as a source beside a good one; the problems found (none: it passed)."""
    lab = Lab(root)
    try:
        good_url = lab.feed(
            "/good.rss",
            investing_feed(
                [
                    {
                        "title": "Good story",
                        "date": "2026-11-20 10:00:00",
                        "link": lab.page("/good/1", "Good story"),
                    }
                ]
            ),
        )
        spec, check = c.build(lab)
        source = {"name": BAD, **spec}
        fetch = {"robots": False, **c.fetch}
        site = write_site(lab.site, [{"name": "good", "url": good_url}, source], fetch=fetch)
        handler = _Logs()
        logger = logging.getLogger("newsdesk")
        logger.addHandler(handler)
        level = logger.level
        logger.setLevel(logging.INFO)
        outcome = Outcome(lab, site, [], handler.lines)
        try:
            for _ in range(c.runs):
                options = RunOptions(force=True, fetch_articles=not c.poll_only)
                outcome.reports.append(run(site, options=options))
        except Exception:  # noqa: BLE001 - that is what the corpus looks for
            outcome.escaped = traceback.format_exc(limit=-3)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        if outcome.escaped:
            return [Problem("escaped", outcome.escaped)]
        problems = list(check(outcome))
        if not c.poll_only:
            problems += published(outcome, 1, "good")
        if not c.may_reach_inside:
            hits = len(lab.internal.requests)
            if hits:
                paths = [p for p, _ in lab.internal.requests]
                problems.append(Problem("leak", f"the inside was reached {hits}x: {paths}"))
        return problems
    finally:
        lab.close()


# -- the cases ---------------------------------------------------------------------------------


@case("lone surrogate character reference in a title")
def _surrogate(lab: Lab) -> tuple[dict[str, Any], Check]:
    link = lab.page("/s/1", "Grain prices")
    url = lab.feed("/surrogate.rss", rss([item("Grain &#xD800; prices &#0; &#99999999999;", link)]))

    def check(o: Outcome) -> Iterator[Problem]:
        titles = [row.title for row in o.items()]
        yield from chain(feed_ok(o), published(o, 1))
        if titles != ["Grain \ufffd prices \ufffd"]:
            yield Problem("wrong", f"titles {titles!r}")

    return {"url": url}, check


@case("control characters in a title")
def _controls(lab: Lab) -> tuple[dict[str, Any], Check]:
    link = lab.page("/c/1", "Wheat")
    title = "Wheat&#x1; &#x1b;[31mrally&#x7f;\x02 &#133; \u0085end"
    url = lab.feed("/controls.rss", rss([item(title, link)]).encode())

    def check(o: Outcome) -> Iterator[Problem]:
        yield from chain(feed_ok(o), published(o, 1))
        titles = [
            yaml.safe_load(post.split("\n---\n", 1)[0].removeprefix("---\n"))["title"]
            for post in o.posts()
        ]
        wheat = [t for t in titles if "rally" in t]  # the good source's posts are others
        if wheat != ["Wheat [31mrally \u2026 \u2026end"]:
            yield Problem("leak", f"the titles are {wheat!r}")

    return {"url": url}, check


@case("a link with port 99999 beside a good link")
def _bad_port(lab: Lab) -> tuple[dict[str, Any], Check]:
    good = lab.page("/p/1", "Port story")
    items = [item("Broken port", "http://example.test:99999/x"), item("Port story", good)]
    url = lab.feed("/port.rss", rss(items))

    return {"url": url}, lambda o: chain(
        feed_ok(o), published(o, 1), logged(o, "without a usable http(s) link")
    )


@case("a 14-digit <ttl>")
def _ttl(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/ttl.rss", rss([], "<ttl>12345678901234</ttl>"))
    return {"url": url}, lambda o: chain(
        feed_ok(o),
        next_poll_within(o, timedelta(days=1, minutes=1), timedelta(hours=23, minutes=59)),
    )


@case("a 20-digit Cache-Control max-age")
def _max_age(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/maxage.rss", rss([]), Cache_Control="max-age=" + "9" * 20)
    return {"url": url}, lambda o: chain(
        feed_ok(o),
        next_poll_within(o, timedelta(days=1, minutes=1), timedelta(hours=23, minutes=59)),
    )


@case("a superscript digit as max-age and ttl")
def _unicode_digits(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/digits.rss", rss([], "<ttl>\u00b2</ttl>"), Cache_Control="max-age=\u00b2")
    return {"url": url}, feed_ok


# Retry-After cools the host down for every source on it (up to max_retry_wait): the good
# source shares the test's host, so the cases with one wait only half a second.
@case("a 20-digit Retry-After on a 503", fetch={"max_retry_wait": 0.5})
def _retry_after(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.server.handle("/retry", lambda h: send(h, 503, b"down", Retry_After="9" * 20))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from feed_failed(o, "HTTP 503")
        yield from next_poll_within(
            o, timedelta(days=1, minutes=1), timedelta(hours=23, minutes=59)
        )

    return {"url": url}, check


@case(
    "Retry-After and Content-Length in superscript and 5,000 digits", fetch={"max_retry_wait": 0.5}
)
def _odd_numbers(lab: Lab) -> tuple[dict[str, Any], Check]:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(429)
        h.send_header("Retry-After", "\u00b2")
        h.send_header("Content-Length", "9" * 5000 if "long" in h.path else "0")
        h.end_headers()

    lab.server.handle("/numbers/long", handler)
    items = [
        item("Long", lab.server.url("/numbers/long")),
        item("Odd", lab.server.url("/numbers/odd")),
    ]
    lab.server.handle("/numbers/odd", handler)
    feed = lab.feed("/numbers.rss", rss(items))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from no_unexpected(o)
        if len(o.report.failures) < 2:
            yield Problem("wrong", f"failures: {o.report.failures}")

    return {"url": feed}, check


@case("a JSON Feed nested 100,000 deep")
def _nested_json(lab: Lab) -> tuple[dict[str, Any], Check]:
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": '
        + "[" * 100_000
        + "]" * 100_000
        + "}"
    )
    url = lab.feed("/nested.json", body, Content_Type="application/feed+json")
    return {"url": url}, lambda o: feed_failed(o, "nested too deeply")


@case("a 5,000-digit number in a JSON Feed")
def _big_number(lab: Lab) -> tuple[dict[str, Any], Check]:
    body = '{"version": "https://jsonfeed.org/version/1.1", "items": [], "n": ' + "9" * 5000 + "}"
    url = lab.feed("/number.json", body, Content_Type="application/feed+json")
    return {"url": url}, lambda o: feed_failed(o, "invalid JSON")


@case("a JSON Feed with odd items beside a good one")
def _odd_json_items(lab: Lab) -> tuple[dict[str, Any], Check]:
    good = lab.page("/j/1", "JSON story")
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Odd",
        "authors": True,
        "items": [None, 5, {"url": "http://[oops/b"}, {"url": good, "title": "JSON story"}],
    }
    url = lab.feed("/odd.json", json.dumps(doc), Content_Type="application/feed+json")
    return {"url": url}, lambda o: chain(
        feed_ok(o), published(o, 1), logged(o, "2 item(s) could not be read")
    )


@case("a UTF-16 feed with a lone surrogate character reference")
def _utf16(lab: Lab) -> tuple[dict[str, Any], Check]:
    link = lab.page("/u16/1", "Wide story")
    body = rss([item("Wide &#xD800; story", link)]).replace('encoding="UTF-8"', 'encoding="utf-16"')
    url = lab.feed("/utf16.rss", body.encode("utf-16"))
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 1))


@case("an element with 40,000 attributes")
def _attributes(lab: Lab) -> tuple[dict[str, Any], Check]:
    many = " ".join(f'a{n}="x"' for n in range(40_000))
    body = rss([f"<item {many}><title>T</title><link>http://example.test/a</link></item>"])
    url = lab.feed("/attributes.rss", body)
    return {"url": url}, lambda o: feed_failed(o, "more than 1000 attributes")


@case("a 20-digit year in a feed date and in a page's meta date")
def _huge_years(lab: Lab) -> tuple[dict[str, Any], Check]:
    page = article_page("Year story", "year").replace(
        "<head>",
        '<head><meta property="article:published_time" content="9' + "9" * 19 + '-01-01">',
        1,
    )
    link = lab.server.add("/y/1", page)
    when = "Fri, 1 Jan 99999999999999999999 00:00:00 GMT"
    url = lab.feed("/years.rss", rss([item("Year story", link, date=when)]))
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 1), no_unexpected(o))


@case("a source that failed 60 times in a row")
def _many_failures(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.server.add("/gone.rss", "gone", status=404, Content_Type="text/plain")
    with open_store(lab.site) as store:  # 59 failures before this run
        for _ in range(59):
            store.record_poll_failure(
                BAD,
                url,
                status=404,
                error="HTTP 404 Not Found",
                next_poll=lambda _: datetime.now(UTC),
            )

    def check(o: Outcome) -> Iterator[Problem]:
        yield from feed_failed(o, "HTTP 404")
        if o.source_row()["consecutive_failures"] != 60:
            yield Problem("wrong", f"failures counted: {o.source_row()['consecutive_failures']}")
        yield from next_poll_within(
            o, timedelta(hours=6 * 1.2, minutes=1), timedelta(hours=6 * 0.8, minutes=-1)
        )

    return {"url": url}, check


@case("one guid for several different stories")
def _reused_guid(lab: Lab) -> tuple[dict[str, Any], Check]:
    items = [item(f"Story {n}", lab.page(f"/g/{n}", f"Story {n}"), guid="same") for n in range(3)]
    url = lab.feed("/guid.rss", rss(items))

    return {"url": url}, lambda o: chain(
        feed_ok(o), published(o, 3), logged(o, "one guid to several links")
    )


@case("a story whose link changed under the same guid", runs=2)
def _moved_link(lab: Lab) -> tuple[dict[str, Any], Check]:
    first = rss([item("Moved story", lab.page("/m/old", "Moved story"), guid="m1")])
    second = rss([item("Moved story", lab.page("/m/new", "Moved story"), guid="m1")])
    calls: list[int] = []

    def handler(h: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        body = first if len(calls) == 1 else second
        send(h, 200, body.encode(), Content_Type="application/rss+xml")

    url = lab.server.handle("/moved.rss", handler)
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 1))


@case("credentials in an article link")
def _userinfo(lab: Lab) -> tuple[dict[str, Any], Check]:
    link = lab.page("/u/1", "Credential story").replace("http://", "http://editor:hunter2@")
    url = lab.feed("/userinfo.rss", rss([item("Credential story", link)]))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from published(o, 1)
        sent = [h for p, h in lab.server.requests if p.startswith("/u/1")]
        if any("Authorization" in headers for headers in sent):
            yield Problem("leak", "the feed's credentials were sent")
        if any("hunter2" in post for post in o.posts()) or any(
            "hunter2" in r.url for r in o.items()
        ):
            yield Problem("leak", "the feed's credentials were kept")

    return {"url": url}, check


@case("one international host in two spellings", poll_only=True)
def _idn(lab: Lab) -> tuple[dict[str, Any], Check]:
    items = [item("IDN", "http://b\u00fccher.test/a"), item("IDN", "http://XN--BCHER-KVA.test/a")]
    url = lab.feed("/idn.rss", rss(items))

    def check(o: Outcome) -> Iterator[Problem]:
        urls = [row.url for row in o.items()]
        if urls != ["http://xn--bcher-kva.test/a"]:
            yield Problem("wrong", f"items {urls}")

    return {"url": url}, check


@case("an IPv6 link keeps its brackets", poll_only=True)
def _ipv6(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/v6.rss", rss([item("V6", "http://[::1]:8080/x")]))

    def check(o: Outcome) -> Iterator[Problem]:
        urls = [row.url for row in o.items()]
        if urls != ["http://[::1]:8080/x"]:
            yield Problem("wrong", f"items {urls}")

    return {"url": url}, check


def _spellings(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/secret",
        f"http://localhost:{port}/secret",
        f"http://127.1:{port}/secret",
        f"http://2130706433:{port}/secret",
        f"http://0x7f000001:{port}/secret",
        f"http://0177.0.0.1:{port}/secret",
        f"http://user:pass@127.0.0.1:{port}/secret?x=1",
        f"http://[::ffff:127.0.0.1]:{port}/secret",
        f"http://[::1]:{port}/secret",
    ]


@case("links into the network in every spelling", fetch={"robots": True})
def _ssrf_links(lab: Lab) -> tuple[dict[str, Any], Check]:
    links = _spellings(lab.port)
    url = lab.feed("/ssrf.rss", rss([item(f"Inside {n}", link) for n, link in enumerate(links)]))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from chain(feed_ok(o), published(o, 0), refused(o, len(links)))
        if any("Internal payroll" in post for post in o.posts()):
            yield Problem("leak", "an internal page was published")

    return {"url": url}, check


@case("a redirect from the feed's own host into the network", fetch={"robots": True})
def _ssrf_redirect(lab: Lab) -> tuple[dict[str, Any], Check]:
    target = lab.internal.url("/secret")
    hop = lab.server.handle("/hop", lambda h: send(h, 302, b"", Location=target))
    url = lab.feed("/redirect.rss", rss([item("Redirected", hop)]))
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 0), refused(o, 1))


@case("a feed that redirects into the network")
def _ssrf_feed_redirect(lab: Lab) -> tuple[dict[str, Any], Check]:
    target = lab.internal.url("/internal.rss")
    url = lab.server.handle("/moved-feed", lambda h: send(h, 301, b"", Location=target))
    return {"url": url}, lambda o: feed_failed(o, "private or local address")


@case(
    "allow_private lets a source reach the network",
    fetch={"robots": True, "allow_private": True},
    may_reach_inside=True,
)
def _allowed(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/allowed.rss", rss([item("Inside allowed", lab.internal.url("/secret"))]))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from published(o, 1)
        if not lab.internal.hits("/robots.txt"):
            yield Problem("wrong", "robots.txt of the allowed origin was not checked")

    return {"url": url}, check


@case("allow_private for one source only", fetch={"robots": True}, may_reach_inside=True)
def _allowed_per_source(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/one.rss", rss([item("Inside for one", lab.internal.url("/secret"))]))
    return {"url": url, "allow_private": True}, lambda o: published(o, 1)


@case("a stray byte in a UTF-8 page")
def _stray_byte(lab: Lab) -> tuple[dict[str, Any], Check]:
    text = "Le caf\u00e9 de Zo\u00eb a ferm\u00e9 apr\u00e8s une ann\u00e9e difficile. " * 8
    html = f"<html><body><article><p>{text}</p><p>{text}\xff</p></article></body></html>"
    page = html.encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    link = lab.server.add("/stray", page, Content_Type="text/html; charset=utf-8")
    url = lab.feed("/stray.rss", rss([item("Caf\u00e9", link)]))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from published(o, 1)
        body = "".join(o.posts())
        if "caf\u00e9 de Zo\u00eb" not in body or "\u00c3" in body:
            yield Problem("wrong", "the page was not read as UTF-8")

    return {"url": url}, check


@case("a publication date in 2199 and one in 1850")
def _dates(lab: Lab) -> tuple[dict[str, Any], Check]:
    items = [
        item(
            "Future story", lab.page("/d/1", "Future story"), date="Sat, 01 Jan 2199 10:00:00 GMT"
        ),
        item("Past story", lab.page("/d/2", "Past story"), date="Mon, 01 Jan 1850 10:00:00 GMT"),
    ]
    url = lab.feed("/dates.rss", rss(items))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from published(o, 2)
        for post in o.posts():
            for line in post.splitlines():
                if line.startswith("date:") and not (
                    "2025" <= line[7:11] <= str(datetime.now(UTC).year + 1)
                ):
                    yield Problem("wrong", f"post {line}")

    return {"url": url}, check


@case("a robots.txt with a superscript and a 5,000-digit Crawl-delay", fetch={"robots": True})
def _robots(lab: Lab) -> tuple[dict[str, Any], Check]:
    lab.server.add(
        "/robots.txt",
        "User-agent: *\nCrawl-delay: \u00b2\nCrawl-delay: " + "9" * 5000 + "\nDisallow: /private\n",
        Content_Type="text/plain",
    )
    url = lab.feed("/robots.rss", rss([item("Robots story", lab.page("/r/1", "Robots story"))]))
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 1), no_unexpected(o))


@case("an ETag and a Last-Modified that cannot be sent back", runs=2)
def _etag(lab: Lab) -> tuple[dict[str, Any], Check]:
    url = lab.feed("/etag.rss", rss([]), ETag='"caf\u00e9"', Last_Modified="\u00e9" * 2000)

    def check(o: Outcome) -> Iterator[Problem]:
        yield from feed_ok(o)
        if o.source_row()["etag"] is not None:
            yield Problem("wrong", "a validator that cannot be sent back was stored")

    return {"url": url}, check


@case("thumbnails on private addresses, with credentials, on hosts httpx refuses")
def _thumbnail(lab: Lab) -> tuple[dict[str, Any], Check]:
    def page(image: str, seed: str) -> str:
        text = story_text(seed)
        return (
            f'<html><head><meta property="og:image" content="{image}"></head>'
            f"<body><article><p>{text}</p><p>{text}</p></article></body></html>"
        )

    private = '<enclosure url="http://192.168.1.1/admin.png" type="image/png" length="1"/>'
    public = '<media:content url="https://user:secret@cdn.example.test/a.png" medium="image"/>'
    first = lab.server.add("/t/1", page("https://cdn.ex\u00adample.test/t.png", "thumb 1"))
    second = lab.server.add("/t/2", page("http://2130706433/x.png", "thumb 2"))
    items = [item("Thumb one", first, extra=private), item("Thumb two", second, extra=public)]
    url = lab.feed("/thumb.rss", rss(items))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from chain(published(o, 2), no_unexpected(o))
        posts = o.posts()
        if any("192.168.1.1" in post or "2130706433" in post for post in posts):
            yield Problem("leak", "a private image address reached a post")
        if any("secret" in post for post in posts):
            yield Problem("leak", "credentials in an image URL reached a post")
        thumbnails = sorted(
            line for post in posts for line in post.splitlines() if "thumbnail" in line
        )
        if thumbnails != [
            'thumbnail: ""',
            'thumbnail: ""',
            'thumbnail: "https://cdn.example.test/a.png"',
        ]:
            yield Problem("wrong", f"thumbnails {thumbnails}")

    return {"url": url, "thumbnail": "hotlink"}, check


@case("links that are not http(s)")
def _schemes(lab: Lab) -> tuple[dict[str, Any], Check]:
    links = ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "gopher://x/"]
    good = lab.page("/sch/1", "Scheme story")
    url = lab.feed(
        "/schemes.rss",
        rss([item(f"S{n}", link) for n, link in enumerate(links)] + [item("Scheme story", good)]),
    )
    return {"url": url}, lambda o: chain(feed_ok(o), published(o, 1))


@case("page text that looks like templates, shortcodes and attributes")
def _markup_text(lab: Lab) -> tuple[dict[str, Any], Check]:
    hostile = (
        "Liquid writes {{{% raw %}}} and Hugo writes {{< figure >}} and {{% x %}} and "
        '{{ .Site.Title }}; a heading may end in {style="position:fixed" id="search"}. '
    )
    text = hostile * 3 + story_text("markup")
    page = investing_current_page(
        "Template story", [("p", text), ("h", "Title {#search .x}"), ("p", story_text("m2"))]
    )
    link = lab.server.add("/markup", page)
    url = lab.feed("/markup.rss", rss([item("Template {{% story %}}", link)]))

    def check(o: Outcome) -> Iterator[Problem]:
        yield from published(o, 1)
        built = build_site(o.site)
        if built.returncode:
            yield Problem("wrong", f"the site did not build: {built.output[-500:]}")
            return
        for row in o.items():
            page = built.public / "posts" / row.id / "index.html"
            tree = lxml.html.parse(str(page)).getroot()
            body = tree.find_class("body")[0]
            text = " ".join(body.text_content().split())
            if "{{{% raw %}}}" not in text or "{#search .x}" not in text:
                yield Problem("wrong", f"the text is not shown as written: {text[:300]!r}")
            injected = body.xpath(".//*[@style or @id='search' or contains(@class, 'x')]")
            if injected:
                yield Problem("leak", f"attributes from page text: {[e.attrib for e in injected]}")

    return {"url": url}, check
