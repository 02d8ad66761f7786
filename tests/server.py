"""A real HTTP server on 127.0.0.1 for tests: fixed routes and fault-injecting handlers."""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class LocalServer:
    """Serves registered routes; records every request path it receives."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.errors: list[BaseException | None] = []  # raised by handlers, not by clients
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each keep-alive body waits for a delayed ACK

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(path) or server.routes.get(self.path)
                if route is None:
                    body = b"not found"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if callable(route):
                    route(self)
                    return
                self.send_response(route.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        errors = self.errors

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                error = sys.exc_info()[1]
                # Clients that hang up mid-response are part of the fault tests; anything
                # else (a failed assert in a handler) is kept for the fixture to report.
                if not isinstance(error, ConnectionError):
                    errors.append(error)

        self.httpd = Server(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes, status: int = 200, **headers: str) -> str:
        """Serve ``body`` at ``path``; returns the absolute URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(
            data, status, {k.replace("_", "-"): v for k, v in headers.items()}
        )
        return self.url(path)

    def handle(self, path: str, handler: Handler) -> str:
        """Serve ``path`` with a custom handler (fault injection); returns the URL."""
        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if urlsplit(p).path == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    """Answer with ``status`` and ``body``; header names use ``_`` for ``-``."""
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def drip(handler: BaseHTTPRequestHandler, seconds: float = 10.0) -> None:
    """Fault: promise a large body, then send one byte every 0.1 s for ``seconds``."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(int(seconds * 10)):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)  # the fault itself: a server that dribbles
    except OSError:
        pass


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Fault: send part of the body, then reset the connection."""
    handler.send_response(200)
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(b"<rss><channel>")
    handler.wfile.flush()
    # SO_LINGER 0 turns close() into a TCP reset; the file objects hold the socket open.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()
    handler.connection.close()


class Receiver:
    """A webhook receiver on 127.0.0.1 that records each POST; ``mode`` is ok, fail or hang."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.mode = "ok"
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                if receiver.mode == "hang":
                    receiver.release.wait(timeout=30)
                status = 500 if receiver.mode == "fail" else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


API = "/v1/chat/completions"


def chat_backend(server: LocalServer, calls: list[str], answers: dict[str, int]) -> str:
    """A chat-completions API on ``server`` at ``/v1``: its "translation" prefixes each
    paragraph with ``[<language>]``; a language in ``answers`` gets that HTTP status instead.
    Each request's target language is appended to ``calls``. Returns the API's base URL."""

    def completions(handler: BaseHTTPRequestHandler) -> None:
        request = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        match = re.search(r"to (\w+)\.", request["messages"][0]["content"])
        assert match is not None
        target = match.group(1)
        calls.append(target)
        if target in answers:
            send(handler, answers[target], b"{}", Content_Type="application/json")
            return
        text = request["messages"][1]["content"]
        out = "\n\n".join(f"[{target}] {p}" for p in text.split("\n\n"))
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": out}}]})
        send(handler, 200, body.encode(), Content_Type="application/json")

    handler_class = server.httpd.RequestHandlerClass
    handler_class.do_POST = handler_class.do_GET  # type: ignore[attr-defined]
    server.handle(API, completions)
    return server.url("/v1")
