"""The state database: migrations, registration, and the article/URL rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newsdesk.models import FeedEntry
from newsdesk.store import FAILED, NEW, PUBLISHED, Store
from newsdesk.store.db import _entry_from_json, _entry_json
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.urls import item_id

NAMES = [name for name, _ in MIGRATIONS]


def _entry(link: str, source: str = "s", guid: str | None = None) -> FeedEntry:
    return FeedEntry(
        source=source,
        link=link,
        guid=guid,
        title="T",
        published=datetime(2026, 11, 20, 10, tzinfo=UTC),
    )


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store(path) as store:
        assert store.migrations() == NAMES
    with Store(path) as store:  # reopening applies nothing twice
        assert store.migrations() == NAMES


def test_a_source_whose_text_collapses_is_flagged(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        for n in range(30):
            url = f"https://x.test/{n}"
            store.register(item_id(url), url, _entry(url))
            store.mark_published(
                item_id(url), path=f"p/{n}.md", final_url=url, words=600 if n < 20 else 40
            )
        assert store.shrinking_sources(["s"]) == {"s": (600, 40)}


def test_register_is_once_per_url_and_per_guid(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        url = "https://x.test/a"
        assert store.register(item_id(url), url, _entry(url, guid="g1"))
        assert not store.register(item_id(url), url, _entry(url, source="other"))
        moved = "https://x.test/a-moved"
        assert not store.register(item_id(moved), moved, _entry(moved, guid="g1"))
        assert [i["status"] for i in store.items()] == [NEW]


def test_pending_items_of_chosen_sources_are_listed_and_counted_by_the_database(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "s.db") as store:
        for n, source in enumerate(("a", "b", "b", "c")):
            url = f"https://x.test/{n}"
            store.register(item_id(url), url, _entry(url, source=source))
        assert store.pending_count(5) == 4
        assert store.pending_count(5, ["b", "c"]) == 3
        assert [i.url for i in store.pending(5, ["b"], page=1)] == [
            "https://x.test/1",
            "https://x.test/2",
        ]
        assert store.pending_count(5, []) == 0
        assert list(store.pending(5, [])) == []


def test_failures_retry_until_the_limit(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        url = "https://x.test/a"
        store.register(item_id(url), url, _entry(url))
        assert store.mark_failed(item_id(url), "timeout", retry=True, max_attempts=2) == NEW
        assert len(list(store.pending(2))) == 1
        assert store.mark_failed(item_id(url), "timeout", retry=True, max_attempts=2) == FAILED
        assert list(store.pending(2)) == []


def test_alias_detects_the_same_final_url(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        a, b = "https://x.test/a", "https://y.test/b"
        store.register(item_id(a), a, _entry(a))
        store.register(item_id(b), b, _entry(b))
        assert store.add_alias("https://x.test/final", item_id(a)) is None
        assert store.add_alias("https://x.test/final", item_id(b)) == item_id(a)
        store.mark_published(item_id(a), path="content/posts/x.md", final_url=a)
        assert store.item(item_id(a))["status"] == PUBLISHED  # type: ignore[index]


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
    assert _entry_from_json(_entry_json(entry)) == entry


def test_a_stored_entry_that_cannot_be_read_fails_only_its_item(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        for link in ("https://x.test/a", "https://x.test/b"):
            store.register(item_id(link), link, _entry(link))
        store.db.execute("UPDATE items SET entry = '{broken' WHERE url = 'https://x.test/a'")
        assert [item.url for item in store.pending(5)] == ["https://x.test/b"]
        broken = store.item(item_id("https://x.test/a"))
        assert broken is not None
        assert broken["status"] == FAILED
        assert broken["reason"].startswith("the stored feed entry cannot be read")


def test_a_guid_given_to_several_links_gives_several_items(tmp_path: Path) -> None:
    """Items are identified by their link; the same guid and title is the same story under
    a new link, another title under the same guid is another story."""
    with Store(tmp_path / "s.db") as store:
        first = FeedEntry(source="s", link="https://x.test/1", guid="same", title="One")
        moved = FeedEntry(source="s", link="https://x.test/1b", guid="same", title="One")
        other = FeedEntry(source="s", link="https://x.test/2", guid="same", title="Two")
        assert store.register(item_id(first.link), first.link, first)
        assert not store.register(item_id(moved.link), moved.link, moved)
        assert store.register(item_id(other.link), other.link, other)
