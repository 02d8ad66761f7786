"""The operator's everyday commands, through the real CLI in a subprocess against the local
fixture server: ``status`` at 80 and 200 columns, piped and on a pseudo-terminal, ``--wide``
and ``--json``; a fixed source URL starting fresh; items published from the feed's text;
the hints ``run`` gives."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.store.lock import site_lock
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer

LONG_NAMES = [
    "Investing.com United States Economy and Central Banks News",
    "Reuters Commodities Metals Energy and Agriculture Wire",
]


def _newsdesk(
    *args: str, columns: int = 80, terminal: bool = False, timeout: float = 120
) -> tuple[int, str]:
    """Run the CLI at ``columns`` wide, piped or on a pseudo-terminal; (exit code, output)."""
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "newsdesk", *args]
    if not terminal:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
        return done.returncode, done.stdout + done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the pseudo-terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=timeout)
    text = b"".join(chunks).decode("utf-8", "replace")
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")


def _feed(server: LocalServer, path: str, stories: list[str], description: bool = False) -> str:
    items = []
    for n, title in enumerate(stories):
        link = server.add(
            f"{path}/{n}", investing_current_page(title, [("p", story_text(f"{path}{n}"))] * 2)
        )
        text = f"<description>{story_text(title)} {story_text(title + 'x')}</description>"
        items.append(
            f"<item><title>{title}</title><link>{link}</link>"
            f"<pubDate>Fri, 20 Nov 2026 10:0{n}:00 GMT</pubDate>"
            f"{text if description else ''}</item>"
        )
    rss = f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    return server.add(f"{path}.rss", rss, Content_Type="application/rss+xml")


def _site(tmp_path: Path, sources: list[tuple[str, str]], fetch: str = "") -> Path:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    text = (
        f"[fetch]\nmin_delay = 0\nrobots = false\nbackoff = 0.05\n{fetch}[extract]\nworkers = 1\n"
    )
    for name, url in sources:
        text += f'[[sources]]\nname = "{name}"\nurl = "{url}"\n'
    (site / "newsdesk.toml").write_text(text)
    return site


@pytest.fixture
def polled_site(tmp_path: Path, server: LocalServer) -> Path:
    good = _feed(server, "/good", ["Copper climbs", "Zinc slips"])
    site = _site(tmp_path, [(LONG_NAMES[0], good), (LONG_NAMES[1], server.url("/gone.rss"))])
    code, output = _newsdesk("run", "--site", str(site))
    assert code == 0, output
    return site


@pytest.mark.parametrize(("columns", "terminal"), [(80, False), (200, False), (80, True)])
def test_status_is_compact_and_names_every_source_in_full(
    polled_site: Path, columns: int, terminal: bool
) -> None:
    code, output = _newsdesk(
        "status", "--site", str(polled_site), columns=columns, terminal=terminal
    )
    assert code == 0, output
    assert "…" not in output
    flat = " ".join(output.split())  # a long name may fold onto a second line of its cell
    for name in LONG_NAMES:
        assert name in output or name.replace(" ", "") in flat.replace(" ", ""), output
    # What is listed after the sources (errors, pauses) may run long in a pipe; not they.
    listed = tuple(f"  {name}:" for name in LONG_NAMES)
    assert max(len(line) for line in output.splitlines() if not line.startswith(listed)) <= columns
    assert "404" in output  # the failing source's error, under the table
    assert "`newsdesk run --force` polls it now" in output  # and how to poll it now


def test_status_is_a_full_table_on_a_wide_terminal_and_with_wide(polled_site: Path) -> None:
    headers = ["last poll (UTC)", "seen", "new", "skipped", "last error", "failures in a row"]
    code, output = _newsdesk("status", "--site", str(polled_site), columns=200, terminal=True)
    assert code == 0, output
    assert all(h in output for h in headers), output
    code, piped = _newsdesk("status", "--site", str(polled_site), "--wide", columns=80)
    assert code == 0, piped
    assert all(h in piped for h in headers), piped
    assert all(name in piped for name in LONG_NAMES)
    assert "…" not in piped


def test_status_json_has_one_object_per_source_with_every_field(polled_site: Path) -> None:
    code, output = _newsdesk("status", "--site", str(polled_site), "--json")
    assert code == 0, output
    records = json.loads(output)
    assert [r["name"] for r in records] == LONG_NAMES
    good, gone = records
    assert (good["published"], good["failed"], good["last_status"]) == (2, 0, 200)
    assert gone["consecutive_failures"] == 1
    assert "404" in gone["last_error"]
    assert {"url", "seen", "new", "skipped", "next_poll_at", "recent_failures", "shrinking"} <= set(
        good
    )


def test_a_fixed_source_url_starts_fresh_without_force(tmp_path: Path, server: LocalServer) -> None:
    site = _site(tmp_path, [("wire", server.url("/typo.rss"))])
    code, output = _newsdesk("run", "--site", str(site))
    assert code == 0, output
    code, output = _newsdesk("run", "--site", str(site))
    assert "paused" in output  # the bad URL waits out its backoff
    assert "--force" in output  # and the run says how to poll now
    good = _feed(server, "/good", ["Copper climbs"])
    _site(tmp_path, [("wire", good)])  # the typo fixed
    code, output = _newsdesk("run", "--site", str(site))
    assert code == 0, output
    assert "paused" not in output
    assert len(list((site / "content" / "posts").glob("*.md"))) == 1


def test_items_published_from_the_feeds_text_are_counted_and_explained(
    tmp_path: Path, server: LocalServer
) -> None:
    feed = _feed(server, "/p", ["Copper climbs", "Zinc slips"], description=True)
    server.add("/p/1", "gone", status=404)
    site = _site(tmp_path, [("wire", feed)], fetch="max_attempts = 1\n")
    code, output = _newsdesk("run", "--site", str(site), "--wide", columns=200)
    assert code == 0, output
    header = next(line for line in output.splitlines() if "from feed" in line)
    row = next(line for line in output.splitlines() if line.strip("│ ").startswith("wire"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    names = [c.strip() for c in header.strip("┃").split("┃")]
    assert dict(zip(names, cells, strict=True))["from feed"] == "1"
    assert dict(zip(names, cells, strict=True))["published"] == "2"
    assert "published from the feed's text, the page failed: HTTP 404" in output
    assert f"next: `newsdesk build --site {site}` builds the site" in output


def test_a_site_without_sources_says_how_to_add_one(tmp_path: Path) -> None:
    site = _site(tmp_path, [])
    code, output = _newsdesk("run", "--site", str(site))
    assert code == 2
    assert "has no sources" in output
    assert "newsdesk sources add URL" in output


@pytest.mark.parametrize(
    ("flags", "says"),
    [(["--no-wait"], "can wait for it: --wait SECONDS"), (["--wait", "0.3"], "after 0.3 s")],
)
def test_the_lock_message_matches_the_flags_used(
    tmp_path: Path, server: LocalServer, flags: list[str], says: str
) -> None:
    site = _site(tmp_path, [("wire", _feed(server, "/good", ["Copper climbs"]))])
    with site_lock(site / ".newsdesk"):
        code, output = _newsdesk("run", "--site", str(site), *flags)
    assert code != 0
    assert says in " ".join(output.split()), output
