"""Serve every file of ../shared/corpus/feeds/robustness as a feed and poll it as a source."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newsdesk.pipeline import RunOptions, run
from tests.helpers import write_site
from tests.server import LocalServer, Route

_HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.MULTILINE)
# Headers that would change what the client does with the body rather than describe it.
_SKIP = {"content-length", "transfer-encoding", "connection", "content-location"}


@dataclass
class RobustnessResult:
    """How the corpus went: sources with items, empty feeds, clear errors, and crashes."""

    files: int
    with_items: int
    empty: int
    errors: Counter[str]
    unanswered: int

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.errors.most_common())
        return (
            f"{self.files} feeds: {self.with_items} with items, {self.empty} empty, "
            f"{sum(self.errors.values())} clear errors ({kinds}), "
            f"{self.unanswered} without an answer"
        )


def _headers(body: bytes) -> dict[str, str]:
    head = body[:2000]
    found = {}
    for name, value in _HEADER.findall(head):
        key = name.decode("ascii", "replace")
        if key.lower() not in _SKIP:
            found[key] = value.decode("latin-1")
    found.setdefault("Content-Type", "application/xml")
    return found


def poll_corpus(folder: Path, site: Path, server: LocalServer) -> RobustnessResult:
    """Serve every file under ``folder``, poll each once (no article fetches), count."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    sources = []
    for n, path in enumerate(files):
        body = path.read_bytes()
        server.routes[f"/r/{n}"] = Route(body, 200, _headers(body))
        url = server.url(f"/r/{n}")
        sources.append({"name": f"r{n:04d}", "url": url})
    fetch: dict[str, object] = {
        "robots": False,
        "retries": 0,
        "timeout": 10,
        "per_host": 16,
        "concurrency": 32,
    }
    write_site(site, sources, fetch=fetch)
    report = run(site, options=RunOptions(fetch_articles=False))
    errors: Counter[str] = Counter()
    with_items = empty = unanswered = 0
    for source in report.sources.values():
        if source.error:
            errors[source.error.split(":")[0]] += 1
        elif source.status is None:
            unanswered += 1
        elif source.seen:
            with_items += 1
        else:
            empty += 1
    return RobustnessResult(len(files), with_items, empty, errors, unanswered)
