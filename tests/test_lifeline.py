"""A killed run leaves no process behind: ``run``, ``build`` and ``watch`` are killed with
SIGKILL at several moments, each in a session of its own, and nothing of that session is
alive a few seconds later (the extraction pool's fork server and workers, multiprocessing's
resource tracker, Hugo and Pagefind included)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import session_pids
from tests.pages import story_feed
from tests.server import LocalServer

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; the lifeline is Linux's"
)

GONE_WITHIN = 5.0
"""The issue's bound: every child ends within this many seconds of its parent's death."""


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _site(tmp_path: Path, server: LocalServer, stories: int = 60) -> Path:
    feed = story_feed(server, "wire", [f"lifeline story {n}" for n in range(stories)])
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text(
        "[fetch]\nmin_delay = 0\nrobots = false\n[extract]\nworkers = 2\n"
        f'[[sources]]\nname = "wire"\nurl = "{feed}"\n'
    )
    return site


def _start(site: Path, *command: str) -> subprocess.Popen[bytes]:
    # multiprocessing's scratch folders of a killed run stay in the test's own folder.
    scratch = site.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", *command, "--site", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )


def _kill_and_check(process: subprocess.Popen[bytes], within: float = GONE_WITHIN) -> None:
    """SIGKILL the command (its process only, as the OOM killer would); then its whole
    session must be gone ``within`` seconds."""
    session = process.pid
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        _wait(lambda: not session_pids(session), within, "the session to end")
    finally:
        for pid in session_pids(session):  # never leave them to the next test
            os.kill(pid, signal.SIGKILL)


def _posts(site: Path) -> int:
    folder = site / "content" / "posts"
    return len(list(folder.glob("*.md"))) if folder.is_dir() else 0


def _children(process: subprocess.Popen[bytes]) -> int:
    return len(session_pids(process.pid)) - 1


@pytest.mark.parametrize("moment", ["starting", "pool starting", "extracting", "writing"])
def test_a_killed_run_leaves_nothing_behind(
    tmp_path: Path, server: LocalServer, moment: str
) -> None:
    site = _site(tmp_path, server)
    run = _start(site, "run")
    if moment == "pool starting":  # the resource tracker or the fork server is up
        _wait(lambda: _children(run) >= 1, 60, "the pool to start")
    elif moment == "extracting":  # workers forked, pages fetched
        _wait(lambda: _children(run) >= 3 and len(server.requests) >= 10, 60, "extraction")
    elif moment == "writing":
        _wait(lambda: _posts(site) >= 3, 60, "posts")
    _kill_and_check(run)


def test_a_killed_watch_leaves_nothing_behind(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, server)
    watch = _start(site, "watch")
    _wait(lambda: _posts(site) >= 3 and _children(watch) >= 2, 60, "posts")
    _kill_and_check(watch)


def test_a_build_killed_mid_hugo_leaves_nothing_behind(tmp_path: Path) -> None:
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "newsdesk.toml").write_text('[[sources]]\nname = "wire"\nurl = "https://x.test/f"\n')
    body = " ".join(f"word{n}" for n in range(300))
    for n in range(6000):  # enough for Hugo to take seconds
        (posts / f"{n:016x}.md").write_text(
            f'---\ntitle: "Post {n}"\ndate: "2026-11-20 10:00:00"\ntags:\n  - "t{n % 50}"\n'
            f"---\n\n{body}\n"
        )
    build = _start(site, "build")
    tick = os.sysconf("SC_CLK_TCK")

    def hugo_cpu_seconds() -> float:
        for pid in session_pids(build.pid):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "hugo":
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    return (int(stat[11]) + int(stat[12])) / tick
            except OSError:
                continue
        return 0.0

    # Well into the build: past its first line of output (a Hugo killed before it would die
    # of the closed pipe anyway).
    _wait(lambda: hugo_cpu_seconds() >= 0.5, 120, "Hugo to be building")
    # Hugo is told at once (SIGTERM): it does not go on building for seconds, unseen.
    _kill_and_check(build, within=1.5)


def test_a_killed_serve_takes_hugo_server_with_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "newsdesk.toml").write_text('[[sources]]\nname = "wire"\nurl = "https://x.test/f"\n')
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = _start(site, "serve", "--port", str(port))

    def hugo_listening() -> bool:
        with socket.socket() as client:
            return client.connect_ex(("127.0.0.1", port)) == 0

    _wait(hugo_listening, 120, "hugo server to listen")
    _kill_and_check(serve)  # its output goes nowhere: only the death signal can end it
