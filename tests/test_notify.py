"""``[[notify]]``: one POST per webhook and event after a run, with the documented body; a
receiver that fails or hangs costs the run nothing and is reported in ``status``. Through
the real CLI against the local fixture server and a real local webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import cli
from tests.pages import story_feed
from tests.server import LocalServer, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def _site(tmp_path: Path, server: LocalServer, hook: str, events: str = '["published"]') -> Path:
    feed = story_feed(server, "feed", ["Story 0", "Story 1"])
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(
        '[site]\ntitle = "Wire"\n'
        "[fetch]\nmin_delay = 0\nrobots = false\nbackoff = 0.05\ntimeout = 1\n"
        "[extract]\nworkers = 1\n"
        f'[[sources]]\nname = "wire"\nurl = "{feed}"\n'
        f'[[sources]]\nname = "broken"\nurl = "{server.url("/gone.rss")}"\n'
        f'[[notify]]\nurl = "{hook}"\nevents = {events}\n'
    )
    return site


def test_one_post_per_batch_with_the_documented_body(
    tmp_path: Path, server: LocalServer, receiver: Receiver
) -> None:
    site = _site(tmp_path, server, receiver.url, '["published", "failed_source"]')
    done = cli("run", "--site", str(site))
    assert done.returncode == 0, done.stderr
    by_event = {b["event"]: b for b in receiver.bodies}
    assert sorted(by_event) == ["failed_source", "published"]
    assert len(receiver.bodies) == 2  # one per event batch
    published = by_event["published"]
    assert published["site"] == "Wire"
    items = published["items"]
    assert sorted(i["title"] for i in items) == ["Story 0", "Story 1"]
    assert set(items[0]) == {"title", "url", "path", "source", "date", "summary", "tags"}
    assert items[0]["source"] == "wire"
    assert items[0]["path"].startswith("content/posts/")
    assert items[0]["tags"] == ["wire"]
    [failed] = by_event["failed_source"]["items"]
    assert failed["source"] == "broken"
    assert "404" in failed["error"]
    receiver.bodies.clear()
    again = cli("run", "--site", str(site), "--force")
    assert again.returncode == 0
    assert [b["event"] for b in receiver.bodies] == ["failed_source"]  # nothing new published


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_a_failing_receiver_costs_the_run_nothing_and_is_reported(
    tmp_path: Path, server: LocalServer, receiver: Receiver, mode: str
) -> None:
    receiver.mode = mode
    site = _site(tmp_path, server, receiver.url)
    done = cli("run", "--site", str(site), timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(list((site / "content" / "posts").glob("*.md"))) == 2
    assert len(receiver.bodies) >= 2  # tried again
    status = cli("status", "--site", str(site))
    assert f"notification to {receiver.url} (published) failed" in " ".join(status.stdout.split())
    receiver.mode = "ok"
    receiver.release.set()
    story_feed(server, "feed", ["Story 0", "Story 1", "Late"])
    assert cli("run", "--site", str(site), "--force").returncode == 0
    status = cli("status", "--site", str(site))
    assert "notification to" not in status.stdout  # delivered since: nothing to report
