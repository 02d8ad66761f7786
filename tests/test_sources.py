"""Feeds in every supported format, real ones from ../shared/corpus, and their dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.dates import has_time, parse_date, settle_day
from newsdesk.errors import FeedError
from newsdesk.sources import parse_feed
from tests.conftest import SHARED, require_shared
from tests.pages import investing_feed

REAL = SHARED / "corpus" / "feeds" / "real"
ROBUSTNESS = SHARED / "corpus" / "feeds" / "robustness"


def _parse(content: bytes, zone: str = "UTC", content_type: str = ""):
    return parse_feed(
        content,
        source="s",
        url="https://feed.test/feed",
        zone=ZoneInfo(zone),
        content_type=content_type,
    )


def test_investing_style_feed_reads_zoneless_dates_in_the_feed_timezone() -> None:
    feed = investing_feed(
        [
            {
                "title": "T",
                "date": "2025-02-08 09:17:19",
                "link": "https://www.investing.com/news/x-1",
            }
        ]
    )
    entry = _parse(feed.encode()).entries[0]
    assert entry.published == datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)
    assert entry.guid is None
    assert entry.link == "https://www.investing.com/news/x-1"
    assert entry.authors == ("Reuters",)
    ny = _parse(feed.encode(), "America/New_York").entries[0]
    assert ny.published == datetime(2025, 2, 8, 14, 17, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sat, 08 Feb 2025 09:17:19 GMT", datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)),
        ("Sat, 08 Feb 2025 04:17:19 -0500", datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)),
        ("2025-02-08T11:17:19+02:00", datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)),
        ("2025-02-08T09:17:19Z", datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)),
        ("2025-02-08 09:17:19", datetime(2025, 2, 8, 9, 17, 19, tzinfo=UTC)),
        ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
    ],
)
def test_dates(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2199, 1, 1)))
def test_zoneless_format_round_trips(value: datetime) -> None:
    value = value.replace(microsecond=0)
    assert parse_date(value.strftime("%Y-%m-%d %H:%M:%S")) == value.replace(tzinfo=UTC)


@given(st.text(max_size=60))
def test_date_parser_never_raises(raw: str) -> None:
    result = parse_date(raw)
    assert result is None or result.tzinfo is not None


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "url": "https://j.test/a",
                "title": "A &amp; B",
                "content_html": "<p>Hi</p>",
                "date_published": "2026-11-20T10:00:00Z",
                "authors": [{"name": "Ann"}],
            },
            {"id": "2", "title": "no link"},
        ],
    }
    feed = _parse(json.dumps(doc).encode(), content_type="application/feed+json")
    assert [e.title for e in feed.entries] == ["A & B"]
    assert feed.entries[0].authors == ("Ann",)
    assert feed.skipped == 1


@pytest.mark.parametrize(
    "body", [b"<html><body>Hello</body></html>", b"garbage \x00\x01", b'{"version": "nope"}']
)
def test_not_a_feed_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(FeedError, match="not a"):
        _parse(body)


def test_valid_empty_feed_has_no_entries() -> None:
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    parsed = _parse(feed)
    assert parsed.title == "x"  # read as a feed, not an empty default
    assert parsed.entries == []
    assert parsed.skipped == 0


def test_real_feeds_all_parse() -> None:
    files = [
        p
        for p in sorted(require_shared(REAL).rglob("*"))
        if p.is_file() and ".expected" not in p.name
    ]
    assert len(files) == 16
    for path in files:
        feed = _parse(path.read_bytes())
        assert feed.entries, path.name
        for entry in feed.entries:
            assert entry.link.startswith("http"), (path.name, entry.link)
            assert entry.title or entry.content_html, path.name
        assert sum(e.published is not None for e in feed.entries) >= len(feed.entries) - 1


def test_google_alert_links_are_unwrapped() -> None:
    path = require_shared(REAL / "feedjira__feedjira" / "google_alerts_atom.xml")
    for entry in _parse(path.read_bytes()).entries:
        assert "google.com/url" not in entry.link


def test_robustness_corpus_never_crashes() -> None:
    files = [p for p in sorted(require_shared(ROBUSTNESS).rglob("*")) if p.is_file()]
    assert len(files) == 2127  # as tests/test_faults.py polls them
    refusals: list[str] = []
    for path in files:
        try:
            _parse(path.read_bytes())
        except FeedError as exc:  # anything else escaping is the crash this test is about
            refusals.append(f"{path.name}: {exc}")
    # A refusal says what the document is not; the rest are feeds. The README's count of
    # the same files is 12 "not a feed" (HTML, empty or broken documents, no feed element).
    assert all(": not a feed" in refusal for refusal in refusals), refusals
    assert len(refusals) == 12, refusals


@given(
    st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2100, 1, 1).date()),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-11, max_value=11),
)
def test_a_day_only_date_keeps_its_day_and_never_becomes_midnight(
    day: object, seen: datetime, offset: int
) -> None:
    zone = timezone(timedelta(hours=offset))
    start = datetime.fromisoformat(f"{day}T00:00:00").replace(tzinfo=zone)
    settled = settle_day(start, seen.replace(tzinfo=UTC))
    assert settled.astimezone(zone).date() == start.date()
    if (settled.hour, settled.minute, settled.second) == (0, 0, 0):
        assert seen.replace(tzinfo=UTC).astimezone(zone) == settled  # only if really seen then


def test_a_day_only_date_seen_that_day_takes_the_time_it_was_seen() -> None:
    day = datetime(2025, 3, 4, tzinfo=UTC)
    seen = datetime(2025, 3, 4, 15, 42, tzinfo=UTC)
    assert settle_day(day, seen) == seen
    assert settle_day(day, datetime(2025, 3, 9, tzinfo=UTC)) == datetime(2025, 3, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "timed"),
    [
        ("2025-03-04", False),
        ("2025-03-04T10:20:00Z", True),
        ("Tue, 04 Mar 2025 10:20:00 GMT", True),
    ],
)
def test_has_time(raw: str, timed: bool) -> None:
    assert has_time(raw) is timed
