"""Throwaway PostgreSQL and Redis servers for the tests: real servers on 127.0.0.1 and free
ports, in temporary folders, never a system service. A test that needs one is skipped, with
the command that installs it, where the binaries are missing.

Fixtures: ``postgres_server`` (one per session; ``create_database()`` gives each test a
fresh database) and ``redis_server`` (one per test); ``start_redis(folder)`` starts one for
any other scope.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT = 30.0  # seconds a server may take to answer


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path | None:
    """The folder of initdb and pg_ctl: from PATH, else Debian's newest version."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in found:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class PostgresServer:
    """A PostgreSQL cluster of its own (trust auth, user ``postgres``, fsync off)."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))  # not pytest's 0700 tmp_path
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
            shutil.chown(self.root, "postgres", "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_postgres, str(self.bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{log}")

    def url(self, dbname: str = "postgres") -> str:
        """The URL of database ``dbname``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, icu_locale: str | None = None) -> str:
        """A fresh, empty database; returns its URL. ``icu_locale`` (say ``en-US``) gives it
        that locale's collation instead of the cluster's byte order."""
        import psycopg

        name = f"newsdesk_{next(self._names)}"
        locale = (
            f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
            if icu_locale
            else ""
        )
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{locale}")
        return self.url(name)

    def start(self) -> None:
        """Start the server (again, on the same port); returns once it accepts connections."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F"
        self._run("pg_ctl", "-w", "-t", str(int(START_TIMEOUT)), "-D", str(self.data), "-l",
                  str(self.log), "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server now: its clients' connections are cut."""
        self._run("pg_ctl", "-w", "-D", str(self.data), "-m", "fast", "stop")

    def close(self) -> None:
        """Stop the server, if running, and delete its files."""
        with_server = (self.data / "postmaster.pid").exists()
        try:
            if with_server:
                self._run("pg_ctl", "-w", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_shared: list[PostgresServer] = []  # one server, however many modules import the fixture
_users = [0]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session."""
    if not _shared:
        bin_dir = _pg_bin()
        if bin_dir is None:
            pytest.skip(
                "PostgreSQL binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
            )
        _shared.append(PostgresServer(bin_dir))
    _users[0] += 1
    yield _shared[0]
    _users[0] -= 1
    if not _users[0]:
        _shared.pop().close()


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of its own, without persistence."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start the server; returns once it answers PING."""
        log = (self.folder / "redis.log").open("ab")
        self._process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_ping(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                text = (self.folder / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server did not start: {text}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Kill the server: its data is gone, its clients' connections are cut."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=30)
            self._process = None

    def restart(self) -> None:
        """Kill the server and start an empty one on the same port."""
        self.stop()
        self.start()


def start_redis(folder: Path) -> RedisServer:
    """Start a redis-server keeping its files in ``folder``; skip when not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: apt-get install redis-server")
    return RedisServer(binary, folder)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for one test."""
    server = start_redis(tmp_path)
    yield server
    server.stop()
