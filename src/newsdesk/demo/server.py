"""A tiny static HTTP server on 127.0.0.1 for the demo's sample sources.

Files come from ``newsdesk/demo/data``; ``{{BASE}}`` in a file becomes the server's address,
so feeds link to pages on the same server.
"""

from __future__ import annotations

import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from types import TracebackType
from urllib.parse import unquote, urlsplit

_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
}


def data_root() -> Traversable:
    """The folder of demo feeds and pages inside the package."""
    return resources.files("newsdesk.demo") / "data"


class DemoServer:
    """Serves the demo data on a free port until closed (use as a context manager)."""

    def __init__(self) -> None:
        root = data_root()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                path = unquote(urlsplit(self.path).path).lstrip("/")
                parts = path.split("/")
                if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
                    self.send_error(404)
                    return
                # Feeds live at /feeds/..., article pages at /<source>/<slug>.html.
                target = root.joinpath(*parts)
                if not target.is_file():
                    target = root.joinpath("pages", *parts)
                part = parts[-1]
                if not target.is_file():
                    self.send_error(404)
                    return
                suffix = "." + part.rsplit(".", 1)[-1]
                body = target.read_bytes().replace(b"{{BASE}}", base.encode())
                kind = (
                    _TYPES.get(suffix)
                    or mimetypes.guess_type(part)[0]
                    or "application/octet-stream"
                )
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base = base
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()
