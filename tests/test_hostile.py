"""The hostile corpus (tests/hostile.py), one test per case, and the isolation of units."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import newsdesk.items
import newsdesk.sources.poll
from newsdesk.pipeline import RunOptions, run
from newsdesk.store import open_store
from tests.helpers import write_site
from tests.hostile import CASES, Case, item, rss, run_case
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer, send

pytestmark = pytest.mark.slow  # left out of `make unit-fast`


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    problems = run_case(case, tmp_path)
    assert problems == [], "\n".join(f"{p.kind}: {p.detail}" for p in problems)


def _story(server: LocalServer, path: str, title: str) -> str:
    page = investing_current_page(title, [("p", story_text(title)), ("p", story_text(path))])
    return server.add(path, page)


def test_a_bug_on_one_source_is_recorded_against_it_and_the_run_goes_on(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Isolation by construction: not only the exception classes newsdesk knows of."""
    from newsdesk.sources import ParsedFeed, parse_feed

    def parse_with_a_bug(content: bytes, **kwargs: Any) -> ParsedFeed:
        if kwargs["source"] == "buggy":
            raise KeyError("a bug newsdesk has not met yet")
        return parse_feed(content, **kwargs)

    monkeypatch.setattr(newsdesk.sources.poll, "parse_feed", parse_with_a_bug)
    good = server.add("/good.rss", rss([item("Good", _story(server, "/g", "Good"))]))
    buggy = server.add("/buggy.rss", rss([]))
    site = write_site(
        tmp_path / "site", [{"name": "buggy", "url": buggy}, {"name": "good", "url": good}]
    )
    for attempt in (1, 2):  # and again on the next run: it never becomes a crash
        report = run(site, options=RunOptions(force=True))
        assert report.sources["good"].published == (1 if attempt == 1 else 0)
        error = report.sources["buggy"].error or ""
        assert error == "unexpected error: KeyError: 'a bug newsdesk has not met yet'"
    with open_store(site) as store:
        state = store.source_state("buggy")
    assert state.consecutive_failures == 2
    assert state.next_poll_at is not None  # backed off, retried later, never dropped
    ahead = (state.next_poll_at - datetime.now(UTC)).total_seconds()
    assert 0.8 * 120 - 5 <= ahead <= 1.2 * 120  # the second failure: 2 minutes, jittered


def test_a_bug_on_one_item_costs_that_item_a_try(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdesk.assemble import build_article
    from newsdesk.models import Article

    def build_with_a_bug(*args: Any, **kwargs: Any) -> Article:
        if "cursed" in str(kwargs["url"]):
            raise ZeroDivisionError("a bug on one page")
        return build_article(*args, **kwargs)

    monkeypatch.setattr(newsdesk.items, "build_article", build_with_a_bug)
    items = [
        item("Fine", _story(server, "/fine", "Fine")),
        item("Cursed", _story(server, "/cursed", "C")),
    ]
    site = write_site(tmp_path / "site", [{"name": "s", "url": server.add("/s.rss", rss(items))}])
    report = run(site)
    assert report.sources["s"].published == 1
    assert report.sources["s"].retry == 1
    assert report.failures[0].reason == "unexpected error: ZeroDivisionError: a bug on one page"


def test_a_cycle_that_fails_never_stops_watch(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``watch`` outlives a cycle that fails, whatever it raised; the next cycle runs."""
    import threading

    import newsdesk.watch
    from newsdesk.report import RunReport

    good = server.add("/good.rss", rss([item("Good", _story(server, "/g", "Good"))]))
    site = write_site(
        tmp_path / "site", [{"name": "good", "url": good}], watch={"interval": 0, "build": False}
    )
    stop = threading.Event()
    cycles: list[RunReport] = []
    broken = iter([True])

    def run_once_broken(*args: Any, **kwargs: Any) -> RunReport:
        if next(broken, False):
            raise MemoryError("a cycle that dies")
        return run(*args, **kwargs)

    def on_cycle(report: RunReport) -> None:
        cycles.append(report)
        if len(cycles) >= 2:
            stop.set()

    monkeypatch.setattr(newsdesk.watch, "run", run_once_broken)
    errors: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: errors.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("newsdesk").addHandler(handler)
    try:
        stats = newsdesk.watch.watch(site, stop=stop, on_cycle=on_cycle)
    finally:
        logging.getLogger("newsdesk").removeHandler(handler)
    assert stats.cycles == 2
    assert cycles[1].published == 1
    assert "cycle failed: unexpected MemoryError: a cycle that dies" in errors


def _descendants(pid: int) -> dict[int, int]:
    """pid -> parent pid of every live process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = ppid
                frontier.append(child)
    return found


def test_a_dead_extraction_process_costs_no_item(tmp_path: Path, server: LocalServer) -> None:
    """The OOM killer takes an extraction worker mid-run: the pool is replaced and the run
    publishes everything (before, the broken pool ended the whole run)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    killed = threading.Event()
    first_page = threading.Event()
    items = []
    for n in range(12):
        path = f"/dead/{n}"
        page = investing_current_page(f"Story {n}", [("p", story_text(f"dead {n}", 200))])

        def answer(h: Any, body: bytes = page.encode(), n: int = n) -> None:
            if n:
                killed.wait(30)  # the other pages wait until a worker has been killed
            else:
                first_page.set()
            send(h, 200, body, Content_Type="text/html; charset=utf-8")

        items.append(item(f"Story {n}", server.handle(path, answer)))
    feed = server.add("/dead.rss", rss(items))
    site = write_site(
        tmp_path / "site",
        [{"name": "dead", "url": feed}],
        fetch={"robots": False},
        extract={"workers": 2},
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "run", "--site", str(site), "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert first_page.wait(60)
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:  # a worker forks for page 0
            tree = _descendants(child.pid)
            workers = [pid for pid, parent in tree.items() if parent != child.pid]
        assert workers, "no extraction worker started"
        os.kill(workers[0], signal.SIGKILL)
    finally:
        killed.set()
        out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert "an extraction process died; starting new ones" in err
    with open_store(site) as store:
        assert [row.status for row in store.items()] == ["published"] * 12, out
