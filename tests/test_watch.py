"""`newsdesk watch` as a real process: publishes new items, rebuilds, stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from newsdesk.pipeline import run
from newsdesk.watch import watch
from tests.helpers import write_site
from tests.pages import investing_current_page, investing_feed
from tests.server import LocalServer

TEXT = "Shipping rates eased for a third week as new vessels joined the busiest routes. " * 5


def _shows(page: Path, text: str) -> bool:
    """The built page contains ``text``; False while Hugo is rewriting it (it may be absent)."""
    try:
        return text in page.read_text()
    except FileNotFoundError:
        return False


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_watch_publishes_rebuilds_and_stops_cleanly(tmp_path: Path, server: LocalServer) -> None:
    items = [
        {
            "title": "First story",
            "date": "2026-11-20 10:00:00",
            "link": server.add("/a", investing_current_page("First story", [("p", TEXT)])),
        }
    ]
    feed = server.add("/feed.rss", investing_feed(items), Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}],
        watch={"interval": "0.5s", "debounce": 0, "jitter": 0},
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "watch", "--site", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        posts = site / "content" / "posts"
        index = site / "public" / "index.html"
        _wait_for(lambda: _shows(index, "First story"), 60, "first build")
        items.append(
            {
                "title": "Second story",
                "date": "2026-11-20 11:00:00",
                "link": server.add(
                    "/b", investing_current_page("Second story", [("p", TEXT[::-1])])
                ),
            }
        )
        server.add("/feed.rss", investing_feed(items), Content_Type="application/rss+xml")
        _wait_for(lambda: _shows(index, "Second story"), 60, "the rebuild")
        assert len(list(posts.glob("*.md"))) == 2
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped after" in err


def test_the_schedule_lives_in_the_store_so_a_restart_does_not_poll_again(
    tmp_path: Path, server: LocalServer
) -> None:
    """A cron ``run`` just polled the feed: a ``watch`` started right after waits for the
    source's interval instead of polling it again at once; a source never polled is due."""
    fresh = server.add("/fresh.rss", investing_feed([]), Content_Type="application/rss+xml")
    other = server.add("/other.rss", investing_feed([]), Content_Type="application/rss+xml")
    site = write_site(
        tmp_path / "site",
        [{"name": "fresh", "url": fresh}, {"name": "other", "url": other, "enabled": False}],
        watch={"interval": "1h", "jitter": 0, "build": False},
    )
    run(site)
    assert server.hits("/fresh.rss") == 1
    cfg_text = (site / "newsdesk.toml").read_text()
    (site / "newsdesk.toml").write_text(cfg_text.replace("enabled = false", "enabled = true"))
    stop = threading.Event()
    cycles = []

    def on_cycle(report: object) -> None:
        cycles.append(report)
        stop.set()

    stats = watch(site, stop=stop, on_cycle=on_cycle)
    assert stats.cycles == 1
    assert server.hits("/other.rss") == 1  # never polled: due at once
    assert server.hits("/fresh.rss") == 1  # polled a moment ago: due in an hour


def _scrape(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
            return str(response.read().decode())
    except OSError:
        return ""  # not listening yet


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus's text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_watch_serves_prometheus_metrics(tmp_path: Path, server: LocalServer) -> None:
    items = [
        {
            "title": "First story",
            "date": "2026-11-20 10:00:00",
            "link": server.add("/a", investing_current_page("First story", [("p", TEXT)])),
        }
    ]
    feed = server.add("/feed.rss", investing_feed(items), Content_Type="application/rss+xml")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = write_site(
        tmp_path / "site",
        [{"name": "wire", "url": feed}],
        watch={"interval": "0.5s", "debounce": 0, "jitter": 0, "metrics": f"127.0.0.1:{port}"},
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "watch", "--site", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        _wait_for(
            lambda: _sample(_scrape(url), "newsdesk_builds_total", outcome="ok") >= 1, 60, "a build"
        )
        metrics = _scrape(url)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert _sample(metrics, "newsdesk_items_total", source="wire", outcome="published") == 1
    assert _sample(metrics, "newsdesk_polls_total", source="wire", outcome="ok") >= 1
    assert _sample(metrics, "newsdesk_fetch_seconds_count", host="127.0.0.1") >= 2
    assert _sample(metrics, "newsdesk_build_seconds_count") >= 1
    assert "newsdesk_sources_due" in metrics
    assert _sample(metrics, "newsdesk_cycles_total") >= 1
