"""A static file server for benchmarks, run as its own process: serves a folder on 127.0.0.1
with ETag / If-None-Match (304) and prints its port on the first line of stdout.

    corpus_server.py FOLDER [FEED_DELAY [HOSTS [LATENCY]]]

FEED_DELAY (seconds) holds every feed's answer that long, as a slow remote server would;
LATENCY holds every answer (pages, robots.txt, feeds) that long, as the web's round trips do.
HOSTS > 1 serves the same folder on 127.0.0.1 ... 127.0.0.HOSTS (one port), so that sources
can live on hosts of their own, as on the web."""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve()
FEED_DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
HOSTS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
LATENCY = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
FEEDS = (".rss", ".atom", ".json", ".rdf")
TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".rdf": "application/rdf+xml",
    ".html": "text/html; charset=utf-8",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK (up to 40 ms) on every keep-alive response.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802
        if LATENCY:
            time.sleep(LATENCY)
        path = (ROOT / self.path.split("?")[0].lstrip("/")).resolve()
        if ROOT not in path.parents or not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if FEED_DELAY and path.suffix in FEEDS:
            time.sleep(FEED_DELAY)
        body = path.read_bytes()
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(path.suffix, "application/octet-stream"))
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    for n in range(2, HOSTS + 1):
        other = ThreadingHTTPServer((f"127.0.0.{n}", port), Handler)
        other.daemon_threads = True
        threading.Thread(target=other.serve_forever, daemon=True).start()
    print(port, flush=True)
    server.serve_forever()
