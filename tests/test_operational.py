"""Operational faults are messages: a damaged state database, a full disk, a read-only site,
missing files and absurd values each end in one line that says what to do, a non-zero exit
code, and the state as it was. Everything through the real command line."""

from __future__ import annotations

import contextlib
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsdesk.config import CONFIG_FILE, load_config
from newsdesk.errors import ConfigError
from newsdesk.layout import Site
from newsdesk.store import open_store
from tests.helpers import cli, write_site
from tests.hostile import item, rss
from tests.pages import investing_current_page, story_text
from tests.server import LocalServer

pytestmark = pytest.mark.slow  # left out of `make unit-fast`


def _one_line_error(done: subprocess.CompletedProcess[str], code: int, *phrases: str) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]


def _site_with_stories(server: LocalServer, site: Path, count: int, words: int = 150) -> Path:
    items = []
    for n in range(count):
        title = f"Operational story {n}"
        blocks = [("p", story_text(f"{title}/{k}", 150)) for k in range(max(1, words // 150))]
        items.append(item(title, server.add(f"/op/{n}", investing_current_page(title, blocks))))
    url = server.add("/op.rss", rss(items), Content_Type="application/rss+xml")
    return write_site(site, [{"name": "op", "url": url}], fetch={"robots": False})


def _published_exactly_once(site: Path, count: int) -> None:
    with open_store(site) as store:
        assert [row.status for row in store.items()] == ["published"] * count
    posts = sorted((site / "content" / "posts").iterdir())
    assert len(posts) == count, posts  # no duplicate, no temporary file left behind


@pytest.mark.parametrize("command", ["run", "status", "prune", "poll"])
def test_a_damaged_state_database_is_named_and_left_alone(tmp_path: Path, command: str) -> None:
    site = write_site(tmp_path / "site", [{"name": "a", "url": "http://127.0.0.1:9/feed"}])
    db = Site(site).state_db
    db.parent.mkdir(parents=True)
    garbage = b"this is not what SQLite wrote" * 100
    db.write_bytes(garbage)
    done = cli(command, "--site", str(site))
    _one_line_error(done, 1, str(db), "damaged", "has not changed it", ".recover")
    assert db.read_bytes() == garbage


def test_a_state_database_that_cannot_be_opened(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", [{"name": "a", "url": "http://127.0.0.1:9/feed"}])
    Site(site).state_db.mkdir(parents=True)  # a folder where the file should be
    _one_line_error(cli("run", "--site", str(site)), 1, "cannot open", "state.db")


def test_a_full_disk_stops_the_run_and_loses_nothing(tmp_path: Path, server: LocalServer) -> None:
    """A post bigger than the largest file the process may write: the kernel's EFBIG is what
    a full disk looks like to the writer (ENOSPC takes a mount no test may assume)."""
    site = _site_with_stories(server, tmp_path / "site", 1, words=30_000)
    assert cli("poll", "--site", str(site)).returncode == 0
    limit = 150_000  # the database and its WAL fit; a post of 30,000 words does not

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = _cli_as(small_files, "run", "--site", str(site))
    _one_line_error(done, 1, "no room to write", "content/posts", "nothing was lost")
    with open_store(site) as store:
        assert {row.status for row in store.items()} == {"new"}  # pending, not failed
    assert list((site / "content" / "posts").glob("*")) == []  # no half-written post
    assert cli("run", "--site", str(site)).returncode == 0
    _published_exactly_once(site, 1)


def test_a_read_only_site_stops_the_run_and_loses_nothing(
    tmp_path: Path, server: LocalServer
) -> None:
    site = _site_with_stories(server, tmp_path / "site", 2)
    assert cli("poll", "--site", str(site)).returncode == 0
    posts = site / "content" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    with _read_only(posts) as wrap:
        done = _cli_as(lambda: None, *wrap, "run", "--site", str(site))
    _one_line_error(done, 1, "cannot write to the site", "content/posts", "permissions")
    with open_store(site) as store:
        assert {row.status for row in store.items()} == {"new"}
    assert cli("run", "--site", str(site)).returncode == 0
    _published_exactly_once(site, 2)


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[tuple[str, ...]]:
    """Make ``folder`` refuse new files to the child command, whoever runs the tests; yields
    a prefix for the command line. Permissions do not bind root, so as root the folder is
    mounted read-only in the child's own mount namespace (EROFS) where the platform allows
    it, and otherwise replaced by a link to /sys, where no process may create a file."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield ()
        finally:
            folder.chmod(0o755)
        return
    remount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
    wrap = ("unshare", "--mount", "sh", "-c", remount, str(folder))
    probe = subprocess.run([*wrap, "true"], capture_output=True, check=False)
    if probe.returncode == 0:
        yield wrap
        return
    folder.rmdir()
    folder.symlink_to("/sys", target_is_directory=True)
    try:
        yield ()
    finally:
        folder.unlink()
        folder.mkdir()


def _cli_as(preexec: Callable[[], None], *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, after ``preexec`` in the child; leading words of ``args`` up to
    "run"/"poll" wrap the command (see _read_only)."""
    at = next(n for n, arg in enumerate(args) if arg in ("run", "poll"))
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [*args[:at], sys.executable, "-m", "newsdesk", *args[at:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=preexec,  # noqa: PLW1509 - single-threaded enough for setrlimit/setuid
    )


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("prune", "--older-than", "99999999999d"), "--older-than:"),
        (("prune", "--older-than", "soon"), "--older-than: expected a duration"),
        (("run", "--wait", "nan"), "--wait: expected seconds"),
        (("run", "--wait", "-1"), "--wait: expected seconds"),
        (("extract", "no-such-page.html"), "cannot read no-such-page.html"),
    ],
)
def test_absurd_flags_and_missing_files_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], phrase: str
) -> None:
    site = write_site(tmp_path / "site", [{"name": "a", "url": "http://127.0.0.1:9/feed"}])
    extra = ("--site", str(site)) if args[0] != "extract" else ()
    done = cli(*args, *extra, cwd=tmp_path)
    _one_line_error(done, 2, phrase)
    assert not Site(site).state_db.exists()  # nothing touched


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[fetch]\ntimeout = inf\n", "fetch.timeout"),
        ("[fetch]\ntimeout = nan\n", "fetch.timeout"),
        ("[fetch]\nmax_attempts = 1e20\n", "fetch.max_attempts"),
        ("[fetch]\nmax_attempts = 100000000000000000000\n", "fetch.max_attempts"),
        ("[fetch]\nmax_bytes = 99999999999999\n", "fetch.max_bytes"),
        ("[fetch]\nmin_delay = -1\n", "fetch.min_delay"),
        ('[fetch]\nuser_agent = "bot\\r\\nX-Evil: 1"\n', "fetch.user_agent"),
        ('[watch]\ninterval = "99999999999d"\n', "watch.interval"),
        ('[watch]\ndebounce = "1e9s"\n', "watch.debounce"),
        ("[dedupe]\nthreshold = inf\n", "dedupe.threshold"),
        ('[filters]\nmax_age = "99999999999999999999d"\n', "filters.max_age"),
        ("[extract]\nmin_words = 1e300\n", "extract.min_words"),
        ("[translate]\ntimeout = inf\n", "translate.timeout"),
        ('[[sources]]\nname = "a"\nurl = "http://a.test:99999/f"\n', "sources[0].url"),
        ("[site]\ntitle = " + "[" * 5000 + "\n", "is not valid TOML"),
    ],
)
def test_absurd_config_values_are_refused_with_the_key(tmp_path: Path, text: str, key: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace(".", r"\.")):
        load_config(site)


def test_an_absurd_config_value_exits_2_from_the_command_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / CONFIG_FILE).write_text("[fetch]\ntimeout = inf\n", encoding="utf-8")
    done = cli("run", "--site", str(site))
    _one_line_error(done, 2, "newsdesk.toml is invalid")
    assert "fetch.timeout: expected a finite number (got inf)" in done.stderr


def test_sqlite_faults_are_told_apart() -> None:
    from newsdesk.errors import storage_error

    full = storage_error(sqlite3.OperationalError("database or disk is full"))
    assert "free some space" in str(full)
    damaged = storage_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert ".recover" in str(damaged)
    assert storage_error(sqlite3.IntegrityError("UNIQUE constraint failed: items.id")) is None
    assert storage_error(ValueError("a bug")) is None
