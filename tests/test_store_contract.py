"""The ``StateStore`` contract: every implementation passes the same tests.

``backend()`` opens one more connection to the same store, standing for another process:
the same SQLite file, or the same PostgreSQL database (a fresh one per test, on the
session's server from ``tests/servers.py``).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.errors import StorageError, storage_error
from newsdesk.models import FeedEntry
from newsdesk.store import (
    ItemStatus,
    PollRecord,
    Publication,
    SitemapFile,
    SQLiteStore,
    StateStore,
    TranslationBacklog,
)
from newsdesk.store import open_store as open_url
from newsdesk.store.entries import entry_from_json, entry_to_json
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.minhash import signature
from newsdesk.urls import item_id
from tests.servers import PostgresServer, postgres_server  # noqa: F401  (a fixture)

Opener = Callable[[], StateStore]
TEXT = " ".join(f"word{n} of a long enough story about markets and rates" for n in range(40))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens connections to one fresh store; closes them all afterwards."""
    opened: list[StateStore] = []
    url = ""
    if request.param == "postgresql":
        pytest.importorskip("psycopg", reason="psycopg is not installed: pip install psycopg")
        url = request.getfixturevalue("postgres_server").create_database()

    def open_store() -> StateStore:
        store = open_url(tmp_path, url)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def store(backend: Opener) -> StateStore:
    return backend()


def _entry(link: str, source: str = "s", guid: str | None = None, title: str = "T") -> FeedEntry:
    return FeedEntry(
        source=source,
        link=link,
        guid=guid,
        title=title,
        published=datetime(2026, 11, 20, tzinfo=UTC),
    )


def _add(store: StateStore, *links: str, source: str = "s") -> list[str]:
    for link in links:
        assert store.register(item_id(link), link, _entry(link, source))
    return [item_id(link) for link in links]


def _claim(store: StateStore, owner: str = "host:1:a", **kw: object) -> list[str]:
    args: dict[str, Any] = {"limit": 100, "lease_seconds": 600, "max_attempts": 3, **kw}
    return [item.id for item in store.claim(owner, **args)]


def _publish(store: StateStore, iid: str, url: str, text: str = "", words: int = 100) -> None:
    sig = signature(text) if text else None
    assert store.reserve(iid, Publication(f"content/posts/{iid}.md", url, words, sig, 0.8)) is None
    store.finish(iid)


def test_migrations_apply_once(backend: Opener) -> None:
    names = [name for name, _ in MIGRATIONS]
    assert backend().migrations() == names
    assert backend().migrations() == names  # reopening applies nothing twice


def test_register_is_once_per_url_and_per_guid_with_the_same_title(store: StateStore) -> None:
    url = "https://x.test/a"
    assert store.register(item_id(url), url, _entry(url, guid="g1"))
    assert not store.register(item_id(url), url, _entry(url, source="other"))
    moved = "https://x.test/a-moved"
    assert not store.register(item_id(moved), moved, _entry(moved, guid="g1"))
    other = "https://x.test/b"
    assert store.register(item_id(other), other, _entry(other, guid="g1", title="Another"))
    assert [i.status for i in store.items()] == [ItemStatus.NEW] * 2


def test_claims_are_oldest_first_of_chosen_sources_and_counted(store: StateStore) -> None:
    for n, source in enumerate(("a", "b", "b", "c")):
        _add(store, f"https://x.test/{n}", source=source)
    assert store.pending_count(5) == 4
    assert store.pending_count(5, ["b", "c"]) == 3
    assert store.pending_count(5, []) == 0
    claimed = store.claim("o:1:x", limit=1, lease_seconds=60, max_attempts=5, sources=["b"])
    assert [i.url for i in claimed] == ["https://x.test/1"]
    assert claimed[0].entry == _entry("https://x.test/1", "b")
    assert _claim(store, "o:1:x", sources=["b"]) == [item_id("https://x.test/2")]
    assert _claim(store, "o:1:x", sources=[]) == []


def test_two_owners_never_hold_the_same_item(backend: Opener) -> None:
    first, second = backend(), backend()
    ids = _add(first, *(f"https://x.test/{n}" for n in range(10)))
    a = _claim(first, "host:1:a", limit=6)
    b = _claim(second, "host:2:b", limit=6)
    assert len(a) == 6
    assert len(b) == 4
    assert sorted(a + b) == sorted(ids)
    assert _claim(first, "host:3:c") == []  # everything is leased


def test_an_expired_lease_is_taken_over(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "host:1:a", lease_seconds=-1) == [iid]  # expired at once
    assert _claim(store, "host:2:b") == [iid]
    assert _claim(store, "host:3:c") == []


def test_a_released_item_is_retried_by_another_owner_not_the_same(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "run:1:a") == [iid]
    assert store.mark_failed(iid, "timeout", retry=True, max_attempts=3) == ItemStatus.NEW
    assert _claim(store, "run:1:a") == []  # not twice in one run
    assert _claim(store, "run:2:b") == [iid]  # the next run tries again


def test_expired_leases_of_gone_owners_free_their_items(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "host:1:gone") == [iid]
    assert store.lease_owners() == {"host:1:gone"}
    store.expire_leases(["host:1:gone"])
    assert store.lease_owners() == set()
    assert _claim(store, "host:2:b") == [iid]


def test_failures_count_atomically_until_the_limit(backend: Opener) -> None:
    first, second = backend(), backend()
    [iid] = _add(first, "https://x.test/a")
    assert first.mark_failed(iid, "timeout", retry=True, max_attempts=3) == ItemStatus.NEW
    assert second.mark_failed(iid, "timeout", retry=True, max_attempts=3) == ItemStatus.NEW
    assert first.mark_failed(iid, "timeout", retry=True, max_attempts=3) == ItemStatus.FAILED
    record = second.item(iid)
    assert record is not None
    assert record.attempts == 3
    assert record.reason == "timeout"
    assert first.pending_count(3) == 0
    [other] = _add(first, "https://x.test/b")
    assert first.mark_failed(other, "HTTP 404", retry=False, max_attempts=3) == ItemStatus.FAILED


def test_a_skipped_item_keeps_its_reason(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    store.mark_skipped(iid, "filtered: too short")
    record = store.item(iid)
    assert record is not None
    assert (record.status, record.reason) == (ItemStatus.SKIPPED, "filtered: too short")


def test_publishing_records_path_words_url_and_fingerprint_in_one_step(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    final = "https://x.test/final"
    assert (
        store.reserve(iid, Publication("content/posts/a.md", final, 321, signature(TEXT), 0.8))
        is None
    )
    record = store.item(iid)
    assert record is not None
    assert (record.status, record.path, record.final_url, record.words) == (
        ItemStatus.PUBLISHING,
        "content/posts/a.md",
        final,
        321,
    )
    store.finish(iid)
    record = store.item(iid)
    assert record is not None
    assert record.status == ItemStatus.PUBLISHED
    assert record.published_at
    # The final URL is now the item's: a feed entry with that link is not new.
    assert not store.register(item_id(final), final, _entry(final, "other"))


def test_the_same_final_url_is_a_duplicate(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    _publish(store, a, "https://x.test/final")
    conflict = store.reserve(b, Publication("p/b.md", "https://x.test/final", 10))
    assert conflict is not None
    assert (conflict.kind, conflict.twin) == ("url", a)
    assert store.item(b).status == ItemStatus.NEW  # type: ignore[union-attr]


def test_the_same_story_is_found_while_it_is_being_published(backend: Opener) -> None:
    first, second = backend(), backend()
    a, b, c = _add(first, "https://x.test/a", "https://y.test/b", "https://z.test/c")
    sig = signature(TEXT)
    assert (
        first.reserve(a, Publication("content/posts/a.md", "https://x.test/a", 9, sig, 0.8)) is None
    )
    # Reserved, not yet finished: a second process sees the story already.
    conflict = second.reserve(b, Publication("p/b.md", "https://y.test/b", 9, sig, 0.8))
    assert conflict is not None
    assert (conflict.kind, conflict.twin, conflict.twin_path) == ("story", a, "content/posts/a.md")
    other = signature("An entirely different text about football and the weather " * 20)
    assert second.reserve(c, Publication("p/c.md", "https://z.test/c", 9, other, 0.8)) is None


def test_an_unreserved_story_no_longer_counts(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    sig = signature(TEXT)
    assert store.reserve(a, Publication("p/a.md", "https://x.test/a", 9, sig, 0.8)) is None
    store.unreserve(a)
    assert store.item(a).status == ItemStatus.NEW  # type: ignore[union-attr]
    assert store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, sig, 0.8)) is None


def test_stale_reservations_are_those_whose_lease_ended(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://x.test/b")
    assert sorted(_claim(store, "host:1:gone")) == sorted([a, b])
    for iid, url in ((a, "https://x.test/a"), (b, "https://x.test/b")):
        assert store.reserve(iid, Publication(f"p/{iid}.md", url, 9)) is None
    assert store.stale_reservations() == []  # the owner may still be writing
    store.expire_leases(["host:1:gone"])
    assert [r.id for r in store.stale_reservations()] == sorted([a, b])


def test_pruned_items_are_tombstones_and_their_story_is_forgotten(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    _publish(store, a, "https://x.test/a", TEXT)
    old = store.published_before(datetime.now(UTC) + timedelta(seconds=1))
    assert [r.id for r in old] == [a]
    assert store.published_before(datetime.now(UTC) - timedelta(days=1)) == []
    store.mark_pruned(a)
    assert store.item(a).status == ItemStatus.PRUNED  # type: ignore[union-attr]
    assert not store.register(a, "https://x.test/a", _entry("https://x.test/a"))
    assert (
        store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, signature(TEXT), 0.8)) is None
    )


def test_a_poll_keeps_validators_and_a_304_keeps_counts(store: StateStore) -> None:
    after = datetime(2030, 1, 1, tzinfo=UTC)
    store.record_poll(
        "s",
        PollRecord(
            "https://x.test/f",
            200,
            seen=7,
            new=3,
            etag='"v1"',
            last_modified="Mon",
            next_poll_at=after,
        ),
    )
    state = store.source_state("s")
    assert (state.etag, state.last_modified, state.next_poll_at) == ('"v1"', "Mon", after)
    assert state.last_poll_at is not None
    assert state.url == "https://x.test/f"
    store.record_poll("s", PollRecord("https://x.test/f", 304, not_modified=True))
    [status] = store.source_status(["s"])
    assert (status.last_status, status.seen) == (304, 7)
    assert store.source_state("s").etag == '"v1"'


def test_poll_failures_count_and_schedule_in_one_step(backend: Opener) -> None:
    first, second = backend(), backend()
    asked: list[int] = []

    def later(failures: int) -> datetime:
        asked.append(failures)
        return datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=failures)

    for store in (first, second, first):
        store.record_poll_failure(
            "s", "https://x.test/f", status=500, error="HTTP 500", next_poll=later
        )
    assert asked == [1, 2, 3]
    state = second.source_state("s")
    assert state.consecutive_failures == 3
    assert state.next_poll_at == datetime(2030, 1, 1, 0, 3, tzinfo=UTC)
    [status] = second.source_status(["s"])
    assert (status.last_status, status.last_error) == (500, "HTTP 500")
    second.record_poll("s", PollRecord("https://x.test/f", 200))
    assert first.source_state("s").consecutive_failures == 0


def test_a_source_whose_url_changed_counts_its_failures_afresh(store: StateStore) -> None:
    def later(failures: int) -> datetime:
        return datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=failures)

    for _ in range(3):
        store.record_poll_failure(
            "s", "https://x.test/typo", status=404, error="x", next_poll=later
        )
    assert store.source_state("s").consecutive_failures == 3
    failures = store.record_poll_failure(
        "s", "https://x.test/fixed", status=500, error="y", next_poll=later
    )
    assert failures == 1
    state = store.source_state("s")
    assert (state.url, state.consecutive_failures) == ("https://x.test/fixed", 1)
    assert state.for_url("https://x.test/fixed") == state


def test_unknown_sources_have_an_empty_state(store: StateStore) -> None:
    assert store.source_state("nobody").etag is None
    [status] = store.source_status(["nobody"])
    assert (status.published, status.last_poll_at) == (0, None)


def test_robots_answers_expire(store: StateStore) -> None:
    store.save_robots("https://x.test", 200, "User-agent: *\nDisallow: /private")
    assert store.robots("https://x.test", 3600) == (200, "User-agent: *\nDisallow: /private")
    assert store.robots("https://x.test", -1) is None
    assert store.robots("https://y.test", 3600) is None


def test_sitemap_files_are_remembered_per_source(store: StateStore) -> None:
    assert store.sitemap_files("s") == {}
    one = SitemapFile("https://x.test/a.xml", "2026-11-20T10:00:00+00:00", '"e"', None)
    store.save_sitemap_file("s", one)
    store.save_sitemap_file("t", SitemapFile("https://x.test/a.xml"))
    read = store.sitemap_files("s")[one.url]
    assert replace(read, checked_at=None) == one
    assert read.checked_at
    assert read.checked_at <= datetime.now(UTC).isoformat()
    newer = SitemapFile(one.url, "2026-11-21T10:00:00+00:00", None, "Sat, 21 Nov 2026")
    store.save_sitemap_file("s", newer)  # replaced
    assert replace(store.sitemap_files("s")[one.url], checked_at=None) == newer
    assert store.sitemap_files("s")[one.url].checked_at >= read.checked_at  # type: ignore[operator]
    assert list(store.sitemap_files("t")) == [one.url]


def test_translations_are_cached_once(store: StateStore) -> None:
    assert store.cached_translation("k") is None
    store.save_translation("k", "Hallo")
    store.save_translation("k", "Servus")  # the first one stays
    assert store.cached_translation("k") == "Hallo"


def test_status_counts_and_last_errors(store: StateStore) -> None:
    a, b, c = _add(store, "https://x.test/a", "https://x.test/b", "https://x.test/c")
    _publish(store, a, "https://x.test/a")
    store.mark_failed(b, "HTTP 404", retry=False, max_attempts=3)
    [status] = store.source_status(["s"])
    assert (status.new, status.published, status.failed, status.skipped) == (1, 1, 1, 0)
    assert store.last_errors("s") == [("https://x.test/b", "HTTP 404")]


def test_daily_activity_counts_posts_words_and_failures_per_source_and_day(
    store: StateStore,
) -> None:
    a, b, c = _add(store, "https://x.test/a", "https://x.test/b", "https://x.test/c")
    _publish(store, a, "https://x.test/a", words=300)
    _publish(store, b, "https://x.test/b", words=500)
    store.mark_failed(c, "HTTP 404", retry=False, max_attempts=3)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    since = datetime.now(UTC) - timedelta(days=30)
    [day] = store.daily_activity(["s"], since)
    assert (day.source, day.day, day.published, day.failed) == ("s", today, 2, 1)
    assert sorted(day.words) == [300, 500]
    assert store.daily_activity(["other"], since) == []
    assert store.daily_activity(["s"], datetime.now(UTC) + timedelta(days=1)) == []
    assert store.last_success(["s", "other"]) == {"s": None, "other": None}


def test_a_source_whose_text_collapses_is_flagged(store: StateStore) -> None:
    for n in range(30):
        url = f"https://x.test/{n}"
        [iid] = _add(store, url)
        _publish(store, iid, url, words=600 if n < 20 else 40)
    assert store.shrinking_sources(["s"]) == {"s": (600, 40)}
    assert store.shrinking_sources(["other"]) == {}


def test_long_reasons_are_bounded(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    store.mark_failed(iid, "x" * 5000, retry=False, max_attempts=1)
    reason = store.item(iid).reason  # type: ignore[union-attr]
    assert reason is not None
    assert len(reason) == 1000
    assert reason.endswith("...")


@given(
    title=st.text(max_size=50),
    authors=st.lists(st.text(max_size=20), max_size=3),
    guid=st.none() | st.text(min_size=1, max_size=20),
)
def test_entry_round_trips_through_the_store(
    title: str, authors: list[str], guid: str | None
) -> None:
    entry = FeedEntry(
        source="s",
        link="https://x.test/",
        guid=guid,
        title=title,
        authors=tuple(authors),
        published=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert entry_from_json(entry_to_json(entry)) == entry


def test_sqlite_a_stored_entry_that_cannot_be_read_fails_only_its_item(tmp_path: Path) -> None:
    """SQLite only: a hand-edited row."""
    with SQLiteStore(tmp_path / "s.db") as store:
        _add(store, "https://x.test/a", "https://x.test/b")
        store._db.execute("UPDATE items SET entry = '{broken' WHERE url = 'https://x.test/a'")
        assert [i.url for i in store.claim("o:1:a", limit=9, lease_seconds=9, max_attempts=5)] == [
            "https://x.test/b"
        ]
        broken = store.item(item_id("https://x.test/a"))
        assert broken is not None
        assert broken.status == ItemStatus.FAILED
        assert (broken.reason or "").startswith("the stored feed entry cannot be read")


def test_a_reserved_twin_is_named_as_pending_until_it_is_finished(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    sig = signature(TEXT)
    assert store.reserve(a, Publication("p/a.md", "https://x.test/a", 9, sig, 0.8)) is None
    conflict = store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, sig, 0.8))
    assert conflict is not None
    assert conflict.pending
    store.finish(a)
    conflict = store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, sig, 0.8))
    assert conflict is not None
    assert not conflict.pending


def test_a_released_item_costs_no_attempt_and_waits_for_another_owner(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "run:1:a") == [iid]
    store.release(iid)
    assert _claim(store, "run:1:a") == []
    claimed = store.claim("run:2:b", limit=5, lease_seconds=60, max_attempts=3)
    assert [(i.id, i.attempts) for i in claimed] == [(iid, 0)]


def test_outcomes_never_undo_a_published_item(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    _publish(store, iid, "https://x.test/a")
    assert store.mark_failed(iid, "late bug", retry=True, max_attempts=3) == ItemStatus.PUBLISHED
    store.mark_skipped(iid, "late filter")
    store.release(iid)
    record = store.item(iid)
    assert record is not None
    assert (record.status, record.attempts, record.reason) == (ItemStatus.PUBLISHED, 0, None)


def test_a_recovered_reservation_keeps_its_fingerprint(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    sig = signature(TEXT)
    assert sorted(_claim(store, "host:1:gone")) == sorted([a, b])
    assert store.reserve(a, Publication("p/a.md", "https://x.test/a", 9, sig, 0.8)) is None
    store.expire_leases(["host:1:gone"])
    [stale] = store.stale_reservations()
    store.finish(stale.id)  # its post was on disk
    conflict = store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, sig, 0.8))
    assert conflict is not None
    assert (conflict.kind, conflict.twin, conflict.pending) == ("story", a, False)


# -- revisions: kept pages, revised posts, translations to catch up --------------------------


def test_a_kept_page_round_trips_and_goes_with_its_pruned_post(store: StateStore) -> None:
    [a] = _add(store, "https://x.test/a")
    assert store.kept_page(a) is None
    html = "<html><p>Grüße 🌍 \x00 ' % ?</p></html>" + "x" * 200_000
    store.keep_page(a, "https://x.test/a?final", html)
    kept = store.kept_page(a)
    assert kept is not None
    assert (kept.url, kept.html) == ("https://x.test/a?final", html)
    store.keep_page(a, "https://x.test/b", "<p>again</p>")  # replaced, not added
    assert store.kept_page(a).html == "<p>again</p>"  # type: ignore[union-attr]
    _publish(store, a, "https://x.test/a")
    store.mark_pruned(a)
    assert store.kept_page(a) is None


def test_an_item_gives_back_its_entry(store: StateStore) -> None:
    [a] = _add(store, "https://x.test/a")
    assert store.entry(a) == _entry("https://x.test/a")
    assert store.entry("nosuchitem") is None


def test_a_revised_post_is_known_by_its_new_text(store: StateStore) -> None:
    a, b, c = _add(store, "https://x.test/a", "https://y.test/b", "https://z.test/c")
    _publish(store, a, "https://x.test/a", TEXT, words=3)
    other = " ".join(f"other{n} words about mountains, rivers and weather" for n in range(40))
    store.revise(a, 321, signature(other))
    assert store.item(a).words == 321  # type: ignore[union-attr]
    # The old text is no longer its story; the new one is.
    assert (
        store.reserve(b, Publication("p/b.md", "https://y.test/b", 9, signature(TEXT), 0.8)) is None
    )
    conflict = store.reserve(c, Publication("p/c.md", "https://z.test/c", 9, signature(other), 0.8))
    assert conflict is not None
    assert (conflict.kind, conflict.twin) == ("story", a)
    store.revise(a, 7, None)  # no fingerprint: the words change, the story stays
    assert store.item(a).words == 7  # type: ignore[union-attr]
    assert store.reserve(c, Publication("p/c.md", "https://z.test/c", 9, signature(other), 0.8))


def test_translations_wait_fail_and_catch_up(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    assert store.translation_backlog() == TranslationBacklog()
    store.want_translation(a, "de", '{"a": 1}')
    store.want_translation(a, "fr", '{"a": 1}')
    store.want_translation(b, "de", '{"b": 1}')
    due = store.translations_due(["de"], max_attempts=3)
    assert [(d.item_id, d.language, d.attempts) for d in due] == [(a, "de", 0), (b, "de", 0)]
    assert due[0].article == '{"a": 1}'
    # A passing failure waits, up to max_attempts; a refusal is given up at once.
    assert store.translation_failed(a, "de", "HTTP 503", retry=True, max_attempts=2)
    assert not store.translation_failed(a, "fr", "HTTP 400", retry=False, max_attempts=2)
    assert not store.translation_failed(a, "de", "timed out", retry=True, max_attempts=2)
    backlog = store.translation_backlog()
    assert (backlog.waiting, backlog.given_up, backlog.failures) == (1, 2, 3)
    assert backlog.last_error == "timed out"
    assert [d.item_id for d in store.translations_due(["de", "fr"], max_attempts=2)] == [b]
    # Wanted again (the text changed): waiting, no tries counted, the failures stay counted.
    store.want_translation(a, "de", '{"a": 2}')
    due = store.translations_due(["de"], max_attempts=2)
    assert [(d.item_id, d.attempts, d.article) for d in due] == [
        (b, 0, '{"b": 1}'),
        (a, 0, '{"a": 2}'),
    ]
    assert store.translations_due(["de"], 2, before=datetime.now(UTC) - timedelta(days=1)) == []
    assert store.waiting_translations(a) == ["de"]
    assert store.waiting_translations(b) == ["de"]
    store.translation_done(b, "de")
    assert store.waiting_translations(b) == []
    backlog = store.translation_backlog()
    assert (backlog.waiting, backlog.given_up, backlog.failures) == (1, 1, 3)
    assert [d.item_id for d in store.translations_due(["de"], 2, limit=1)] == [a]
    assert store.retry_given_up_translations() == 1  # fr: the backend was fixed
    assert store.waiting_translations(a) == ["de", "fr"]
    assert store.translation_backlog().given_up == 0
    _publish(store, a, "https://x.test/a")
    store.mark_pruned(a)
    assert store.translation_backlog().waiting == 0


# -- the queue: staged posts, heartbeats, counts ----------------------------------------------


def _reserve(store: StateStore, iid: str, url: str, text: str = TEXT) -> None:
    pub = Publication(f"content/posts/{iid}.md", url, 9, signature(text) if text else None, 0.8)
    assert store.reserve(iid, pub) is None


def test_staging_makes_a_reserved_item_ready_with_its_posts_in_order(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "w:1:a") == [iid]
    _reserve(store, iid, "https://x.test/a")
    assert store.leased_count() == 1
    posts = [("content/posts/a.de.md", "de"), ("content/posts/a.md", "main")]
    assert store.stage(iid, "w:1:a", posts)
    record = store.item(iid)
    assert record is not None
    assert (record.status, record.lease_until) == (ItemStatus.READY, None)
    assert (store.ready_count(), store.leased_count()) == (1, 0)
    assert [(e.item_id, e.seq, e.kind, e.path, e.body) for e in store.outbox()] == [
        (iid, 0, "post", "content/posts/a.de.md", "de"),
        (iid, 1, "post", "content/posts/a.md", "main"),
    ]
    assert store.stale_reservations() == []  # staged is not stale: the publisher has it
    assert store.source_status(["s"])[0].ready == 1


def test_staged_images_come_before_the_posts_that_name_them(store: StateStore) -> None:
    [iid] = _add(store, "https://x.test/a")
    assert _claim(store, "w:1:a") == [iid]
    _reserve(store, iid, "https://x.test/a")
    image = ("static/thumbnails/a.jpg", "/9j/4AAQSkZJRg==")
    assert store.stage(iid, "w:1:a", [("content/posts/a.md", "main")], [image])
    assert [(e.seq, e.kind, e.path, e.body) for e in store.outbox()] == [
        (0, "image", *image),
        (1, "post", "content/posts/a.md", "main"),
    ]


def test_staging_needs_the_reservation_of_the_same_owner(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://x.test/b")
    assert sorted(_claim(store, "w:1:a")) == sorted([a, b])
    assert not store.stage(a, "w:1:a", [("p/a.md", "x")])  # not reserved
    _reserve(store, a, "https://x.test/a")
    assert not store.stage(a, "w:2:other", [("p/a.md", "x")])
    store.unreserve(a)  # taken back (its lease expired, say)
    assert not store.stage(a, "w:1:a", [("p/a.md", "x")])
    assert store.item(a).status == ItemStatus.NEW  # type: ignore[union-attr]
    assert (store.outbox(), store.ready_count()) == ([], 0)


def test_a_ready_twin_is_the_same_story_and_not_pending(backend: Opener) -> None:
    first, second = backend(), backend()
    a, b = _add(first, "https://x.test/a", "https://y.test/b")
    assert _claim(first, "w:1:a", limit=1) == [a]
    _reserve(first, a, "https://x.test/a")
    assert first.stage(a, "w:1:a", [("content/posts/a.md", "post")])
    pub = Publication("p/b.md", "https://y.test/b", 9, signature(TEXT), 0.8)
    conflict = second.reserve(b, pub)
    assert conflict is not None
    assert (conflict.kind, conflict.twin, conflict.twin_path, conflict.pending) == (
        "story",
        a,
        f"content/posts/{a}.md",
        False,
    )


def test_finishing_a_ready_item_publishes_it_and_empties_its_outbox(store: StateStore) -> None:
    a, b = _add(store, "https://x.test/a", "https://y.test/b")
    assert sorted(_claim(store, "w:1:a")) == sorted([a, b])
    _reserve(store, a, "https://x.test/a")
    assert store.stage(a, "w:1:a", [("p/a.md", "post")])
    store.mark_skipped(b, f"the same story as {a}")
    store.stage_link(b, "p/a.md", '{"source": "y", "url": "https://y.test/b"}')
    store.stage_link(b, "p/a.md", '{"source": "y", "url": "https://y.test/b2"}')
    assert [(e.item_id, e.seq, e.kind) for e in store.outbox()] == [
        (a, 0, "post"),
        (b, 0, "link"),
        (b, 1, "link"),
    ]
    store.finish(a)
    record = store.item(a)
    assert record is not None
    assert (record.status, record.lease_until) == (ItemStatus.PUBLISHED, None)
    assert record.published_at
    assert [e.item_id for e in store.outbox()] == [b, b]
    store.finish(b)  # a skipped item only loses its links
    assert store.item(b).status == ItemStatus.SKIPPED  # type: ignore[union-attr]
    assert (store.outbox(), store.ready_count()) == ([], 0)


def test_the_outbox_gives_whole_items_posts_first(store: StateStore) -> None:
    links_only, *ids = _add(store, *(f"https://x.test/{n}" for n in range(4)))
    _claim(store, "w:1:a")
    store.mark_skipped(links_only, "duplicate")
    store.stage_link(links_only, "p/x.md", "{}")
    for n, iid in enumerate(ids):
        _reserve(store, iid, f"https://x.test/{n + 1}", text="")
        assert store.stage(iid, "w:1:a", [(f"p/{iid}.{k}.md", str(k)) for k in range(3)])
    everything = store.outbox()
    assert [e.item_id for e in everything] == [i for i in sorted(ids) for _ in range(3)] + [
        links_only
    ]
    assert [e.seq for e in everything[:3]] == [0, 1, 2]
    two = store.outbox(limit=2)
    assert [e.item_id for e in two] == [i for i in sorted(ids)[:2] for _ in range(3)]


def test_heartbeats_name_the_live_workers(backend: Opener) -> None:
    first, second = backend(), backend()
    first.heartbeat("host:1", 0)
    second.heartbeat("host:2", 5)
    seen = first.workers(60)
    assert [(w.name, w.done) for w in seen] == [("host:1", 0), ("host:2", 5)]
    started = seen[0].started_at
    first.heartbeat("host:1", 3)
    [again, _] = second.workers(60)
    assert (again.started_at, again.done) == (started, 3)
    assert again.seen_at >= seen[0].seen_at
    assert first.workers(-1) == []  # nobody was seen in the future


def test_leased_count_counts_live_leases_only(store: StateStore) -> None:
    _add(store, *(f"https://x.test/{n}" for n in range(3)))
    assert store.leased_count() == 0
    _claim(store, "w:1:a", limit=2)
    _claim(store, "w:2:b", limit=1, lease_seconds=-1)  # expired at once
    assert store.leased_count() == 2
    store.expire_leases(["w:1:a"])
    assert store.leased_count() == 0


def test_an_item_given_back_in_a_round_waits_for_the_next_round(store: StateStore) -> None:
    a, b, c = _add(store, "https://x.test/a", "https://x.test/b", "https://x.test/c")
    round_start = datetime.now(UTC) - timedelta(seconds=1)
    assert _claim(store, "w:1:a", limit=2, since=round_start) == [a, b]
    assert store.mark_failed(a, "HTTP 503", retry=True, max_attempts=3) == ItemStatus.NEW
    store.release(b)  # its twin still being published
    assert store.pending_count(3, since=round_start) == 1  # c only: a and b wait
    assert store.pending_count(3) == 3
    assert _claim(store, "w:2:b", since=round_start) == [c]  # not a again, not b
    next_round = datetime.now(UTC) + timedelta(seconds=1)
    store.release(c)
    assert sorted(_claim(store, "w:3:c", since=next_round)) == sorted([a, b, c])


def test_an_item_leased_to_a_dead_worker_comes_back_in_the_same_round(store: StateStore) -> None:
    [a] = _add(store, "https://x.test/a")
    round_start = datetime.now(UTC) - timedelta(seconds=1)
    assert _claim(store, "w:1:dead", lease_seconds=-1, since=round_start) == [a]
    assert store.pending_count(3, since=round_start) == 1  # never given back: not tried
    assert _claim(store, "w:2:b", since=round_start) == [a]


def test_renewing_extends_only_the_live_leases_of_the_owners_named(store: StateStore) -> None:
    a, b, _ = _add(store, "https://x.test/a", "https://x.test/b", "https://x.test/c")
    _claim(store, "w:1:a", limit=1, lease_seconds=1)
    _claim(store, "w:2:b", limit=1, lease_seconds=1)
    _claim(store, "w:3:c", limit=1, lease_seconds=-1)  # already expired: not renewed
    assert store.renew_leases(["w:1:a", "w:3:c"], 3600) == 1
    assert store.renew_leases([], 3600) == 0
    leases = {i: str(store.item(i).lease_until) for i in (a, b)}  # type: ignore[union-attr]
    assert leases[a] > leases[b]  # ISO texts sort as times: a's now ends an hour later


def test_the_first_to_ask_decides_a_setting(backend: Opener) -> None:
    first, second = backend(), backend()
    assert first.setting("publisher", "one") == "one"
    assert second.setting("publisher", "two") == "one"
    second.change_setting("publisher", "two")
    assert first.setting("publisher", "three") == "two"


def test_a_reservation_taken_back_loses_what_it_staged(store: StateStore) -> None:
    [a] = _add(store, "https://x.test/a")
    _claim(store, "w:1:a")
    _reserve(store, a, "https://x.test/a")
    store.stage_link(a, "content/posts/b.md", "{}")
    store.unreserve(a)
    assert store.outbox() == []


# -- PostgreSQL only ---------------------------------------------------------------------------


def test_importing_the_store_does_not_import_psycopg() -> None:
    probe = "import sys, newsdesk.store, newsdesk.errors; print('psycopg' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:  # noqa: F811
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install psycopg")
    return postgres_server.create_database()


def test_postgres_claims_from_many_connections_never_overlap(pg_url: str) -> None:
    from newsdesk.store.postgres import PostgresStore

    stores = [PostgresStore(pg_url) for _ in range(4)]
    try:
        ids = _add(stores[0], *(f"https://x.test/{n}" for n in range(120)))
        barrier = threading.Barrier(len(stores))

        def work(n: int) -> list[str]:
            barrier.wait()
            got: list[str] = []
            while batch := _claim(stores[n], f"w:{n}:x", limit=3):
                got += batch
            return got

        with ThreadPoolExecutor(len(stores)) as pool:
            claimed = [iid for batch in pool.map(work, range(len(stores))) for iid in batch]
        assert sorted(claimed) == sorted(ids)  # each item once, none lost
    finally:
        for store in stores:
            store.close()


def test_postgres_one_story_reserved_at_once_from_many_connections_wins_once(
    pg_url: str,
) -> None:
    from newsdesk.store.postgres import PostgresStore

    stores = [PostgresStore(pg_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))

    def reserve(store: StateStore, iid: str, sig: list[int]) -> bool:
        pub = Publication(f"p/{iid}.md", f"https://f.test/{iid}", 9, sig, 0.8)
        barrier.wait()
        return store.reserve(iid, pub) is None

    try:
        for round_ in range(5):
            ids = _add(stores[0], *(f"https://x{n}.test/{round_}" for n in range(len(stores))))
            sig = signature(" ".join(f"round{round_} word{n} of its own tale" for n in range(60)))
            with ThreadPoolExecutor(len(stores)) as pool:
                won = pool.map(reserve, stores, ids, [sig] * len(stores))
                assert sum(won) == 1
    finally:
        for store in stores:
            store.close()


def test_postgres_stores_opened_at_once_migrate_once(pg_url: str) -> None:
    from newsdesk.store.postgres import PostgresStore

    barrier = threading.Barrier(6)

    def open_one(_: int) -> list[str]:
        barrier.wait()
        with PostgresStore(pg_url) as store:
            return store.migrations()

    with ThreadPoolExecutor(6) as pool:
        applied = list(pool.map(open_one, range(6)))
    assert applied == [[name for name, _ in MIGRATIONS]] * 6


def test_postgres_texts_sort_by_their_bytes_as_in_sqlite(
    postgres_server: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install psycopg")
    english = postgres_server.create_database(icu_locale="en-US")  # "_a" < "a-b" < "Zed"
    ids = ["Zed", "_under", "apple", "Émile", "a-b", "a_b", "ab", "2026-11-30T10:00:00+00:00"]
    orders = []
    for store in (open_url(tmp_path, english), open_url(tmp_path, "")):
        with store:
            for n, iid in enumerate(ids):
                assert store.register(iid, f"https://x.test/{n}", _entry(f"https://x.test/{n}"))
            orders.append([r.id for r in store.items()])
    assert orders[0] == orders[1] == sorted(ids, key=lambda i: i.encode())


def test_postgres_reconnects_after_a_restart(
    postgres_server: PostgresServer,  # noqa: F811
    pg_url: str,
) -> None:
    import psycopg

    from newsdesk.store.postgres import PostgresStore

    with PostgresStore(pg_url) as store:
        [iid] = _add(store, "https://x.test/a")
        postgres_server.stop()
        try:
            with pytest.raises(psycopg.OperationalError) as lost:
                store.items()
            fault = storage_error(lost.value, pg_url)
            assert isinstance(fault, StorageError)
            assert "cannot reach the state database at postgresql://" in str(fault)
        finally:
            postgres_server.start()
        assert [r.id for r in store.items()] == [iid]  # the next call connects again
        assert _claim(store) == [iid]


def test_postgres_a_transaction_cut_off_commits_nothing_and_the_store_goes_on(
    pg_url: str,
) -> None:
    import psycopg

    from newsdesk.store.postgres import PostgresStore

    insert = "INSERT INTO translations (key, text, created_at) VALUES (?, ?, '')"
    with PostgresStore(pg_url) as store, psycopg.connect(pg_url, autocommit=True) as admin:
        pid = store._db.execute("SELECT pg_backend_pid()").fetchone()[0]

        def cut_off() -> None:
            with store._transaction() as db:
                db.execute(insert, ("k1", "first"))
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                db.execute(insert, ("k2", "second"))

        with pytest.raises(psycopg.OperationalError):
            cut_off()
        assert store.cached_translation("k1") is None  # connected again; nothing committed
        store.save_translation("k1", "again")
        assert store.cached_translation("k1") == "again"
