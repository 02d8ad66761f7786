"""Moving a site's state between backends (``copy_state``), and the state URLs that name
them (``open_store``, ``snapshot_store``, messages that never show a password)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsdesk.errors import ConfigError, StorageError, storage_error
from newsdesk.layout import Site
from newsdesk.models import FeedEntry
from newsdesk.store import (
    ItemStatus,
    PollRecord,
    Publication,
    SitemapFile,
    SQLiteStore,
    StateStore,
    StateURLError,
    copy_state,
    describe_state_url,
    open_store,
    snapshot_store,
)
from newsdesk.store.copy import StateNotEmptyError
from newsdesk.store.minhash import signature
from newsdesk.store.sql.tables import STATE_TABLES
from newsdesk.urls import item_id
from tests.servers import PostgresServer, postgres_server  # noqa: F401  (a fixture)

TEXT = " ".join(f"word{n} of a story about harbours, ships and the tide" for n in range(40))


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:  # noqa: F811
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install psycopg")
    return postgres_server.create_database()


def _add(store: StateStore, link: str, source: str = "s") -> str:
    entry = FeedEntry(source=source, link=link, guid=link, title=f"T {link}",
                      published=datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
    assert store.register(item_id(link), link, entry)
    return item_id(link)


def _fill(store: StateStore) -> None:
    """Some of everything a site's state holds."""
    ids = [_add(store, f"https://x.test/{n}", source="xs" if n % 2 else "ys") for n in range(8)]
    assert len(store.claim("w:1:a", limit=6, lease_seconds=600, max_attempts=3)) == 6
    sig = signature(TEXT)
    assert store.reserve(ids[0], Publication("content/posts/a.md", "https://x.test/0", 321, sig,
                                             0.8)) is None  # fmt: skip
    store.finish(ids[0])
    assert store.reserve(ids[1], Publication("content/posts/b.md", "https://x.test/b", 9)) is None
    posts = [("content/posts/b.de.md", "de"), ("content/posts/b.md", "% ? ' body")]
    assert store.stage(ids[1], "w:1:a", posts)
    store.mark_skipped(ids[2], "the same story")
    store.stage_link(ids[2], "content/posts/a.md", '{"source": "xs", "url": "https://x.test/2"}')
    store.mark_failed(ids[3], "HTTP 404", retry=False, max_attempts=3)
    store.mark_failed(ids[4], "timeout", retry=True, max_attempts=3)
    store.record_poll("xs", PollRecord("https://x.test/feed", 200, seen=8, new=4, etag='"e"',
                                       next_poll_at=datetime(2030, 1, 1, tzinfo=UTC)))  # fmt: skip
    store.record_poll_failure("ys", "https://y.test/feed", status=503, error="HTTP 503",
                              next_poll=lambda n: datetime(2030, 1, 2, tzinfo=UTC))  # fmt: skip
    store.save_robots("https://x.test", 200, "User-agent: *\nDisallow: /private")
    store.save_robots("https://y.test", None, None)
    store.save_translation("k1", "Grüße, 100 %")
    store.heartbeat("host:1", 7)
    assert store.setting("publisher", "abc host:/site") == "abc host:/site"
    store.keep_page(ids[0], "https://x.test/0", "<html><p>Grüße, 100 %</p></html>")
    store.save_sitemap_file("xs", SitemapFile("https://x.test/s1.xml.gz", None, '"e1"', None))
    store.want_translation(ids[0], "de", '{"id": "a"}')
    store.translation_failed(ids[0], "de", "HTTP 503", retry=True, max_attempts=3)


def _tables(store: StateStore) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    out = {}
    for name in STATE_TABLES:
        columns, rows = store.dump_table(name)
        out[name] = (columns, sorted(rows, key=repr))
    return out


def test_state_moves_from_sqlite_to_postgresql_and_back_unchanged(
    tmp_path: Path, pg_url: str
) -> None:
    from newsdesk.store.postgres import PostgresStore

    with SQLiteStore(tmp_path / "first.db") as first, PostgresStore(pg_url) as pg:
        _fill(first)
        counts = copy_state(first, pg)
        assert counts == {name: len(rows) for name, (_, rows) in _tables(first).items()}
        assert all(counts[name] for name in STATE_TABLES)
        with SQLiteStore(tmp_path / "again.db") as again:
            assert copy_state(pg, again) == counts
            assert _tables(first) == _tables(pg) == _tables(again)
            # The copy works as the original would: the same story is known, leases hold.
            twin = _add(pg, "https://z.test/twin")
            conflict = pg.reserve(twin, Publication("p/t.md", "https://z.test/t", 9,
                                                    signature(TEXT), 0.8))  # fmt: skip
            assert conflict is not None
            assert (conflict.kind, conflict.pending) == ("story", False)
            assert pg.ready_count() == again.ready_count() == 1
            assert [e.body for e in again.outbox()][1] == "% ? ' body"
            kept = again.kept_page(item_id("https://x.test/0"))
            assert kept is not None
            assert kept.html == "<html><p>Grüße, 100 %</p></html>"
            assert again.translation_backlog().waiting == 1


def test_copying_into_a_store_with_state_is_refused(tmp_path: Path, pg_url: str) -> None:
    from newsdesk.store.postgres import PostgresStore

    with SQLiteStore(tmp_path / "a.db") as source, PostgresStore(pg_url) as target:
        _fill(source)
        target.record_poll("other", PollRecord("https://o.test/feed", 200))
        with pytest.raises(StateNotEmptyError, match="already holds sources"):
            copy_state(source, target)
        assert target.items() == []  # nothing was copied
        assert list(target.dump_table("robots")[1]) == []


def test_a_failed_copy_leaves_the_target_empty(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as source, SQLiteStore(tmp_path / "b.db") as target:
        _fill(source)
        # A row the emptiness check does not look at, in the way of the copy's.
        target._db.execute("INSERT INTO aliases (url, item_id) VALUES ('https://x.test/0', 'y')")
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            copy_state(source, target)
        assert target.items() == []
        assert list(target.dump_table("aliases")[1]) == [("https://x.test/0", "y")]


def test_sqlite_state_urls_are_relative_to_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for url, where in [
        ("", site / ".newsdesk" / "state.db"),
        ("sqlite:///.newsdesk/state.db", site / ".newsdesk" / "state.db"),
        ("sqlite:///elsewhere/s.db", site / "elsewhere" / "s.db"),
        (f"sqlite:///{tmp_path}/abs.db", tmp_path / "abs.db"),
    ]:
        with open_store(site, url) as store:
            assert isinstance(store, SQLiteStore)
            assert store.path == where
    assert Site(site).state_db.exists()


@pytest.mark.parametrize("url", ["mysql://u:secret@h/db", "sqlite:///", "state.db", "sqlite://x"])
def test_an_unusable_state_url_is_a_config_error_without_its_password(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(StateURLError, match="cannot use the state URL") as refused:
        open_store(tmp_path, url)
    assert isinstance(refused.value, ConfigError)
    assert "secret" not in str(refused.value)


def test_state_urls_are_described_without_passwords() -> None:
    assert describe_state_url("") == "sqlite:///.newsdesk/state.db"
    assert describe_state_url("sqlite:////srv/s.db") == "sqlite:////srv/s.db"
    assert (
        describe_state_url("postgresql://news:s3cr%40t@db.example:5433/site")
        == "postgresql://news:***@db.example:5433/site"
    )
    assert describe_state_url("postgres://db/site?sslmode=require&password=s3cret") == (
        "postgres://db/site?sslmode=require&password=***"
    )
    assert describe_state_url("postgresql://news@db/site") == "postgresql://news@db/site"


def test_an_unreachable_postgresql_is_a_storage_error_without_its_password(
    tmp_path: Path,
) -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install psycopg")
    from tests.servers import free_port

    url = f"postgresql://news:hunter2@127.0.0.1:{free_port()}/site"
    with pytest.raises(StorageError, match="cannot reach the state database at") as failed:
        open_store(tmp_path, url)
    assert "hunter2" not in str(failed.value)
    assert "news:***@127.0.0.1" in str(failed.value)
    assert storage_error(failed.value, url) is failed.value


def test_postgresql_urls_open_a_postgres_store(tmp_path: Path, pg_url: str) -> None:
    from newsdesk.store.postgres import PostgresStore

    for url in (pg_url, pg_url.replace("postgresql://", "postgres://")):
        with open_store(tmp_path, url) as store:
            assert isinstance(store, PostgresStore)
            assert "password" not in repr(store)
    assert not (tmp_path / ".newsdesk").exists()


def test_a_postgresql_snapshot_is_a_copy_the_live_state_never_sees(
    tmp_path: Path, pg_url: str
) -> None:
    from newsdesk.store.postgres import PostgresStore

    with snapshot_store(tmp_path, pg_url) as empty:  # never migrated: an empty state
        assert empty.items() == []
    with PostgresStore(pg_url, migrate=False) as raw:
        columns, rows = raw.dump_table("items")  # the snapshot did not migrate the database
        assert (columns, list(rows)) == ([], [])
    with PostgresStore(pg_url) as live:
        _fill(live)
        with snapshot_store(tmp_path, pg_url) as snap:
            assert isinstance(snap, SQLiteStore)
            assert _tables(snap) == _tables(live)
            [first] = [i.id for i in snap.items(ItemStatus.PUBLISHED)]
            snap.mark_pruned(first)
        assert live.item(first).status == ItemStatus.PUBLISHED  # type: ignore[union-attr]
