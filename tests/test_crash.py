"""Crash safety with real processes: kill -9 at random moments, and two runs at once."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crashlab import inspect, kill_trial, serve_corpus
from tests.helpers import write_site
from tests.server import LocalServer

pytestmark = pytest.mark.slow  # left out of `make unit-fast`


def test_kill_9_then_rerun_loses_and_duplicates_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    sources = serve_corpus(server, sources=3, articles=8)
    rng = random.Random(7)
    killed = 0
    for trial in range(3):
        result = kill_trial(tmp_path / f"site{trial}", sources, total=24, rng=rng)
        assert result.ok, result
        killed += result.killed
    assert killed >= 2  # the trials killed real runs mid-way, not finished ones


def test_two_concurrent_runs_are_as_if_sequential(tmp_path: Path, server: LocalServer) -> None:
    sources = serve_corpus(server, sources=2, articles=10)
    site = write_site(tmp_path / "site", sources)
    command = [sys.executable, "-m", "newsdesk", "run", "--site", str(site)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out1, _ = first.communicate(timeout=120)
    out2, _ = second.communicate(timeout=120)
    assert first.returncode == second.returncode == 0
    written = sorted(int(o.split(" post(s) written")[0].split()[-1]) for o in (out1, out2))
    assert written == [0, 20]  # one did all the work, the other found nothing new
    result = inspect(site, total=20)
    assert result.ok, result


def test_no_wait_exits_with_a_clear_message(tmp_path: Path, server: LocalServer) -> None:
    from newsdesk.store import site_lock

    sources = serve_corpus(server, sources=1, articles=1)
    site = write_site(tmp_path / "site", sources)
    with site_lock(site / ".newsdesk", wait=0):
        done = subprocess.run(
            [sys.executable, "-m", "newsdesk", "run", "--site", str(site), "--no-wait"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "another newsdesk run is working on this site" in done.stderr
