"""Kill -9 trials: run the real CLI over a local corpus, kill it at a random moment, rerun to
completion, then check that every item was published exactly once and nothing is half-done.

Used by tests/test_crash.py (a few trials) and benchmarks/faults.py (fifty or more).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from newsdesk.publish.files import TEMP_PREFIX
from newsdesk.store import open_store
from tests.helpers import write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer


@dataclass
class TrialResult:
    """What one kill trial found after the rerun."""

    killed_after: int
    items: int
    published: int
    files: int
    duplicates: int
    lost: int
    bad_files: int
    temp_files: int
    killed: bool = False
    """The run was really killed (it had not finished before the signal)."""

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and self.bad_files == 0
            and self.temp_files == 0
            and self.published == self.items == self.files
        )


def serve_corpus(server: LocalServer, sources: int, articles: int) -> list[dict[str, str]]:
    """Register ``sources`` feeds of ``articles`` pages each; returns the source configs."""
    configs = []
    for s in range(sources):
        items = []
        for a in range(articles):
            text = story_text(f"{s}-{a}")
            title = f"Story {s}-{a}"
            path = f"/s{s}/story-{a}"
            server.add(path, investing_current_page(title, [("p", text), ("p", text[::-1])]))
            items.append(
                {"title": title, "date": f"2026-11-20 10:{a % 60:02d}:00", "link": server.url(path)}
            )
        configs.append(
            {
                "name": f"s{s}",
                "url": server.add(
                    f"/s{s}.rss", investing_feed(items), Content_Type="application/rss+xml"
                ),
            }
        )
    return configs


def _cli(site: Path) -> list[str]:
    return [sys.executable, "-m", "newsdesk", "run", "--site", str(site)]


def _post_count(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.md")) if folder.is_dir() else 0


def kill_trial(
    site: Path, sources: list[dict[str, str]], total: int, rng: random.Random, timeout: float = 120
) -> TrialResult:
    """One trial on a fresh site: kill -9 after a random number of posts, then rerun."""
    write_site(site, sources)
    posts = site / "content" / "posts"
    target = rng.randrange(0, total)
    process = subprocess.Popen(_cli(site), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    # Wait on the condition "target posts exist" (or the run ended), then kill at once.
    while process.poll() is None and _post_count(posts) < target:
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    killed_after = _post_count(posts)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    killed = process.wait() == -signal.SIGKILL
    for _ in range(3):  # rerun until nothing is pending
        done = subprocess.run(
            _cli(site), capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, done.stderr
        if "0 post(s) written" in done.stdout:
            break
    return replace(inspect(site, total, killed_after), killed=killed)


def inspect(site: Path, total: int, killed_after: int = 0) -> TrialResult:
    """Compare the state database and the content folder."""
    with open_store(site) as store:
        rows = [(r.id, r.url, r.status, r.path) for r in store.items()]
    posts = site / "content" / "posts"
    files = sorted(posts.glob("*.md"))
    bad = 0
    urls: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            front = yaml.safe_load(text.split("---\n")[1])
            assert isinstance(front, dict)
            assert front["title"]
            assert text.rstrip().endswith(")")
            urls.append(text.rstrip().rsplit("](", 1)[1][:-1])
        except Exception:  # noqa: BLE001 - any problem is a bad file
            bad += 1
    published = [r for r in rows if r[2] == "published"]
    on_disk = {p.stem for p in files}
    lost = sum(1 for r in published if r[0] not in on_disk) + (total - len(published))
    return TrialResult(
        killed_after=killed_after,
        items=len(rows),
        published=len(published),
        files=len(files),
        duplicates=len(urls) - len(set(urls)),
        lost=max(lost, 0),
        bad_files=bad,
        temp_files=sum(1 for _ in site.rglob(f"{TEMP_PREFIX}*")),
    )
