"""A fleet under test: a multi-host news server that logs every request, and ``newsdesk
worker`` processes started and killed like real ones."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

WORDS = [
    "market",
    "rates",
    "bank",
    "inflation",
    "yield",
    "bond",
    "equity",
    "index",
    "trade",
    "tariff",
    "growth",
    "oil",
    "gold",
    "dollar",
    "euro",
    "yen",
    "central",
    "policy",
    "outlook",
    "earnings",
    "profit",
    "revenue",
    "guidance",
    "investor",
    "fund",
    "shares",
    "price",
    "demand",
    "supply",
    "export",
    "import",
    "deficit",
    "surplus",
    "budget",
    "labor",
    "wages",
    "jobs",
    "factory",
    "output",
    "consumer",
    "retail",
    "housing",
    "mortgage",
    "credit",
    "lending",
    "default",
    "rating",
    "currency",
    "futures",
    "options",
]


def story(n: int, words: int = 160) -> list[str]:
    """Paragraphs of a text of its own for article ``n`` (no two are the same story)."""
    rng = random.Random(n)
    text = [
        f"{rng.choice(WORDS)}{n}x{i}" if i % 7 == 0 else rng.choice(WORDS) for i in range(words)
    ]
    return [" ".join(text[i : i + 40]).capitalize() + "." for i in range(0, words, 40)]


def article_html(n: int, image: str = "") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in story(n))
    og = f'<meta property="og:image" content="{image}">' if image else ""
    return (
        f"<html><head><title>Story number {n}</title>{og}</head><body><article>"
        f"<h1>Story number {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (n % 256, 80, 160)).save(out, format="JPEG")
    return out.getvalue()


def feed_xml(base: str, source: int, numbers: list[int]) -> bytes:
    items = "".join(
        f"<item><title>Story number {n}</title><link>{base}/a/{n}.html</link>"
        f"<guid>{base}/a/{n}.html</guid><pubDate>Mon, 30 Nov 2026 10:{n % 60:02d}:00 GMT</pubDate>"
        "</item>"
        for n in numbers
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Source {source}</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    start: float
    end: float


class NewsServer:
    """``sources`` feeds of ``per_source`` articles, sources spread over ``hosts`` loopback
    addresses (127.0.0.1 ... 127.0.0.N, one port); every request is logged with its host and
    its start and end times. ``latency`` holds each answer that long."""

    def __init__(
        self,
        sources: int,
        per_source: int,
        hosts: int = 2,
        latency: float = 0.0,
        failing: frozenset[int] = frozenset(),
        images: bool = False,
    ):
        self.hits: list[Hit] = []
        self.failing = failing  # article numbers that answer 503
        self.images = images  # each article names a lead image, /img/<n>.jpg
        self.latency = latency
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                start = time.monotonic()
                host = self.server.server_address[0]  # type: ignore[index]
                path = urlsplit(self.path).path
                body = server.body(host, path)
                if server.latency:
                    time.sleep(server.latency)  # a remote server's answer time
                status = 200 if body is not None else 404
                if path.startswith("/a/") and int(path[3:].split(".")[0]) in server.failing:
                    status, body = 503, b"busy"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")
                with server._lock:
                    server.hits.append(Hit(host, path, start, time.monotonic()))

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler)]
        self.port = self._servers[0].server_address[1]
        self._servers += [
            ThreadingHTTPServer((f"127.0.0.{n}", self.port), Handler) for n in range(2, hosts + 1)
        ]
        self.hosts = [f"127.0.0.{n}" for n in range(1, hosts + 1)]
        self.sources = sources
        self.numbers = {
            s: list(range(s * per_source, (s + 1) * per_source)) for s in range(sources)
        }
        for httpd in self._servers:
            httpd.daemon_threads = True
            threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            ).start()

    def base(self, source: int) -> str:
        return f"http://{self.hosts[source % len(self.hosts)]}:{self.port}"

    def feed_url(self, source: int) -> str:
        return f"{self.base(source)}/feed/{source}.rss"

    def body(self, host: str, path: str) -> bytes | None:
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n"
        if path.startswith("/feed/"):
            source = int(path.split("/")[-1].split(".")[0])
            return feed_xml(self.base(source), source, self.numbers[source])
        if path.startswith("/a/"):
            n = int(path.split("/")[-1].split(".")[0])
            image = f"http://{host}:{self.port}/img/{n}.jpg" if self.images else ""
            return article_html(n, image)
        if path.startswith("/img/") and self.images:
            return _jpeg(int(path.split("/")[-1].split(".")[0]))
        return None

    def articles(self) -> list[str]:
        """Every article URL served."""
        return [f"{self.base(s)}/a/{n}.html" for s, ns in self.numbers.items() for n in ns]

    def article_hits(self) -> Counter[tuple[str, str]]:
        return Counter((h.host, h.path) for h in self.hits if h.path.startswith("/a/"))

    def robots_hits(self) -> Counter[str]:
        return Counter(h.host for h in self.hits if h.path == "/robots.txt")

    def by_host(self) -> dict[str, list[Hit]]:
        hosts: dict[str, list[Hit]] = defaultdict(list)
        for hit in sorted(self.hits, key=lambda h: h.start):
            hosts[hit.host].append(hit)
        return hosts

    def close(self) -> None:
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()


def max_in_flight(hits: list[Hit]) -> int:
    """The most requests of ``hits`` that were open at one moment."""
    events = sorted([(h.start, 1) for h in hits] + [(h.end, -1) for h in hits])
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


class Workers:
    """``newsdesk worker`` processes for a site, each in its own process group."""

    def __init__(self, site: Path, logs: Path):
        self.site = site
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, *, threads: int = 4) -> None:
        for _ in range(count):
            log = open(self.logs / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "newsdesk",
                        "worker",
                        "--site",
                        str(self.site),
                        "--processes",
                        "1",
                        "--threads",
                        str(threads),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def kill(self, index: int) -> None:
        """SIGKILL worker ``index`` and everything it started."""
        os.killpg(self.procs[index].pid, signal.SIGKILL)
        self.procs[index].wait()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def output(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.logs.glob("worker-*.log"))
        )


def wait_for(condition: object, timeout: float = 60.0, every: float = 0.05) -> None:
    """Wait until ``condition()`` is true (polled), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        time.sleep(every)


def posts(site: Path) -> Iterator[Path]:
    return (p for p in (site / "content" / "posts").glob("*.md") if p.name.count(".") == 1)
