"""README promises about when and how often sources are polled: RSS ``<ttl>``, robots.txt
``Crawl-delay``, the backoff of a failing source, ``enabled = false`` and per-source watch
intervals. Checked from outside: the server's request log, the command line's output, and
``newsdesk.schedule`` / ``newsdesk.watch`` as the library exposes them.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import newsdesk
from newsdesk.schedule import next_poll_after_failure
from newsdesk.watch import watch
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer, send

pytestmark = pytest.mark.slow  # left out of `make unit-fast`

if TYPE_CHECKING:
    from newsdesk.report import RunReport


def _rss(items: list[tuple[str, str]], channel: str = "") -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Polling</title><link>http://example.test/</link>{channel}{entries}"
        "</channel></rss>"
    )


def _row(status_output: str, name: str) -> list[str]:
    """The cells of ``name``'s row in the ``newsdesk status`` table."""
    row = next(line for line in status_output.splitlines() if line.startswith(f"│ {name} "))
    return [cell.strip() for cell in row.strip().strip("│").split("│")]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- RSS <ttl> -------------------------------------------------------------------------------


def test_rss_ttl_delays_the_next_poll_until_forced(tmp_path: Path, server: LocalServer) -> None:
    ttl = server.add("/ttl.rss", _rss([], "<ttl>60</ttl>"), Content_Type="application/rss+xml")
    plain = server.add("/plain.rss", _rss([]), Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site", [{"name": "ttl", "url": ttl}, {"name": "plain", "url": plain}]
    )

    started = datetime.now(UTC)
    first = cli("run", "--site", str(site))
    assert first.returncode == 0, first.stderr
    assert (server.hits("/ttl.rss"), server.hits("/plain.rss")) == (1, 1)

    second = cli("run", "--site", str(site), "--wide")
    assert second.returncode == 0, second.stderr
    assert server.hits("/ttl.rss") == 1  # not due: the feed asked for 60 minutes
    assert server.hits("/plain.rss") == 2  # a feed without <ttl> is polled every run
    paused = _row(second.stdout, "ttl")[1]
    assert paused.startswith("paused until"), second.stdout
    until = _utc(paused.removeprefix("paused until ").removesuffix(" UTC"))
    ahead = until - started
    assert timedelta(minutes=58) <= ahead <= timedelta(minutes=62), ahead  # minutes, not seconds

    forced = cli("run", "--site", str(site), "--force", "--wide")
    assert forced.returncode == 0, forced.stderr
    assert server.hits("/ttl.rss") == 2
    assert _row(forced.stdout, "ttl")[1] == "HTTP 200"


# --- robots.txt Crawl-delay ------------------------------------------------------------------


def test_robots_crawl_delay_spaces_the_article_requests(
    tmp_path: Path, server: LocalServer
) -> None:
    server.add("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", Content_Type="text/plain")
    starts: list[float] = []

    def timed(handler: BaseHTTPRequestHandler) -> None:
        starts.append(time.monotonic())
        page = investing_current_page("Story", [("p", story_text(handler.path, 150))])
        send(handler, 200, page.encode(), Content_Type="text/html; charset=utf-8")

    links = [(f"Delayed story {n}", server.handle(f"/delayed/{n}", timed)) for n in range(3)]
    feed = server.add("/delayed.rss", _rss(links), Content_Type="application/rss+xml")
    # min_delay is 0 (tests/helpers.py): any spacing comes from the Crawl-delay.
    site = write_site(tmp_path / "site", [{"name": "delayed", "url": feed}], fetch={"robots": True})

    report = newsdesk.run(site)

    assert report.published == 3
    assert server.hits("/robots.txt") == 1
    assert len(starts) == 3
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps), gaps


# --- backoff after failures ------------------------------------------------------------------

MINUTE = 60.0
CAP = 6 * 3600.0


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 64), (8, 128), (9, 256), (10, 360)],
)
def test_backoff_doubles_from_a_minute_to_six_hours_with_jitter(
    failures: int, minutes: float
) -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    waits = [(next_poll_after_failure(now, failures) - now).total_seconds() for _ in range(300)]
    base = minutes * MINUTE
    assert all(0.8 * base <= wait <= 1.2 * base for wait in waits), (min(waits), max(waits))
    # Jitter really spreads the polls: both ends of the range are reached.
    assert min(waits) < 0.85 * base
    assert max(waits) > 1.15 * base


@pytest.mark.parametrize("failures", [11, 60, 10**6, 10**30])
def test_backoff_never_passes_six_hours_and_never_drops_a_source(failures: int) -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    wait = (next_poll_after_failure(now, failures) - now).total_seconds()
    assert 0.8 * CAP <= wait <= 1.2 * CAP


def test_a_longer_retry_after_wins_up_to_a_day() -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    hours = next_poll_after_failure(now, 1, retry_after=3 * 3600) - now
    assert hours == timedelta(hours=3)
    days = next_poll_after_failure(now, 1, retry_after=10 * 86400) - now
    assert days == timedelta(days=1)
    short = (next_poll_after_failure(now, 3, retry_after=5) - now).total_seconds()
    assert 0.8 * 4 * MINUTE <= short <= 1.2 * 4 * MINUTE  # the backoff is longer: it wins
    nan = (next_poll_after_failure(now, 1, retry_after=float("nan")) - now).total_seconds()
    assert 0.8 * MINUTE <= nan <= 1.2 * MINUTE


def test_two_failing_runs_move_the_next_poll_later(tmp_path: Path, server: LocalServer) -> None:
    down = server.add("/down.rss", "boom", status=500, Content_Type="text/plain")
    site = write_site(tmp_path / "site", [{"name": "down", "url": down}], fetch={"retries": 0})
    polls = []
    for attempt, minutes in ((1, 1), (2, 2)):
        started = datetime.now(UTC).replace(microsecond=0)
        done = cli("run", "--site", str(site), *(["--force"] if attempt > 1 else []))
        ended = datetime.now(UTC)
        assert done.returncode == 0, done.stderr  # a failing source never fails the run
        assert server.hits("/down.rss") == attempt
        status = cli("status", "--site", str(site), "--wide")
        assert status.returncode == 0, status.stderr
        cells = _row(status.stdout, "down")
        assert cells[2] == "500"
        assert cells[8] == "HTTP 500 Internal Server Error"
        assert cells[9] == str(attempt)  # failures in a row
        next_poll = _utc(cells[10])
        low = started + timedelta(minutes=0.8 * minutes)
        high = ended + timedelta(minutes=1.2 * minutes)
        assert low <= next_poll <= high, (attempt, started, next_poll)
        polls.append(next_poll)
    assert polls[1] > polls[0]
    paused = cli("run", "--site", str(site))  # not forced: the source waits for its backoff
    assert server.hits("/down.rss") == 2
    assert "paused until" in paused.stdout


# --- enabled = false -------------------------------------------------------------------------


def test_a_disabled_source_is_never_polled(tmp_path: Path, server: LocalServer) -> None:
    page = server.add("/on/1", investing_current_page("On", [("p", story_text("on"))]))
    on = server.add(
        "/on.rss",
        investing_feed([{"title": "On", "date": "2026-11-20 10:00:00", "link": page}]),
        Content_Type="application/rss+xml",
    )
    off_page = server.add("/off/1", investing_current_page("Off", [("p", story_text("off"))]))
    off = server.add("/off.rss", _rss([("Off", off_page)]), Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site",
        [{"name": "on", "url": on}, {"name": "off", "url": off, "enabled": False}],
        fetch={"robots": False},
    )
    assert newsdesk.run(site).published == 1
    forced = cli("run", "--site", str(site), "--force", "--wide")  # not even when forced
    assert forced.returncode == 0, forced.stderr
    assert server.hits("/on.rss") == 2
    assert server.hits("/off.rss") == 0
    assert server.hits("/off/1") == 0
    assert not any(line.startswith("│ off ") for line in forced.stdout.splitlines())
    assert len(list((site / "content" / "posts").glob("*.md"))) == 1


# --- watch: per-source interval --------------------------------------------------------------


def test_watch_polls_each_source_on_its_own_interval(tmp_path: Path, server: LocalServer) -> None:
    fast = server.add("/fast.rss", _rss([]), Content_Type="application/rss+xml")
    slow = server.add("/slow.rss", _rss([]), Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site",
        [{"name": "fast", "url": fast, "interval": 0.2}, {"name": "slow", "url": slow}],
        watch={"interval": "1h", "jitter": 0, "build": False},
    )
    stop = threading.Event()
    cycles: list[RunReport] = []

    def on_cycle(report: RunReport) -> None:
        cycles.append(report)
        if len(cycles) == 3:
            stop.set()

    safety = threading.Timer(30, stop.set)  # a hang ends the test, it does not hold it
    safety.start()
    try:
        stats = watch(site, newsdesk.load_config(site), stop=stop, on_cycle=on_cycle)
    finally:
        safety.cancel()
    assert stats.cycles == 3, "watch stopped before three cycles"
    assert server.hits("/fast.rss") == 3  # every 0.2 s
    assert server.hits("/slow.rss") == 1  # [watch].interval: an hour
    assert [sorted(report.sources) for report in cycles] == [["fast", "slow"], ["fast"], ["fast"]]
