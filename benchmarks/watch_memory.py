"""Memory of the watch loop over thousands of cycles: it must stay flat.

    .venv/bin/python benchmarks/watch_memory.py                 # 2,000 cycles
    .venv/bin/python benchmarks/watch_memory.py --cycles 5000

Runs ``newsdesk.watch`` in this process against a local feed whose latest 20 items roll over
(a new item every 10 cycles, so posts keep being published), with a zero interval, and prints
the resident memory at checkpoints; the figure to watch is the growth after warm-up.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers import write_site  # noqa: E402
from tests.pages import investing_current_page, investing_feed  # noqa: E402
from tests.server import LocalServer  # noqa: E402

from newsdesk.config import load_config  # noqa: E402
from newsdesk.report import RunReport  # noqa: E402
from newsdesk.watch import watch  # noqa: E402

TEXT = "Oil prices steadied as traders weighed supply cuts against weaker demand. " * 8


def rss_mb() -> float:
    """Current resident set size of this process in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    args = parser.parse_args()
    logging.getLogger("newsdesk").setLevel(logging.ERROR)
    server = LocalServer()
    state = {"cycle": 0}

    def feed(handler) -> None:  # type: ignore[no-untyped-def]
        newest = state["cycle"] // 10
        items = []
        for n in range(max(0, newest - 19), newest + 1):
            path = f"/story/{n}"
            items.append(
                {"title": f"Story {n}", "date": "2026-11-20 10:00:00", "link": server.url(path)}
            )
        body = investing_feed(items).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    url = server.handle("/feed.rss", feed)
    # Every page exists before the first reading, so the server's own memory stays put.
    for n in range(args.cycles // 10 + 1):
        server.add(f"/story/{n}", investing_current_page(f"Story {n}", [("p", f"{n}. {TEXT}")]))
    with tempfile.TemporaryDirectory() as tmp:
        site = write_site(
            Path(tmp) / "site",
            [{"name": "wire", "url": url}],
            watch={"interval": 0, "jitter": 0, "build": False},
            fetch={"robots": False},
        )
        stop = threading.Event()
        checkpoints = {c for c in (10, 100, 250, 500, 1000, 2000, 5000, 10000) if c <= args.cycles}
        checkpoints.add(args.cycles)
        readings: list[tuple[int, float]] = []
        started = time.monotonic()

        def on_cycle(report: RunReport) -> None:
            state["cycle"] += 1
            server.requests.clear()  # the test server's request log is not newsdesk's memory
            if state["cycle"] in checkpoints:
                readings.append((state["cycle"], rss_mb()))
                print(
                    f"cycle {state['cycle']:>6}  RSS {readings[-1][1]:7.1f} MB  "
                    f"{time.monotonic() - started:6.1f} s",
                    flush=True,
                )
            if state["cycle"] >= args.cycles:
                stop.set()

        stats = watch(site, load_config(site), stop=stop, on_cycle=on_cycle)
    server.close()
    base = next((mb for cycle, mb in readings if cycle >= 100), readings[0][1])
    print(f"\n{stats.cycles} cycles, {stats.published} posts published")
    print(
        f"RSS after warm-up (cycle 100): {base:.1f} MB; at the end: {readings[-1][1]:.1f} MB; "
        f"growth {readings[-1][1] - base:+.1f} MB ({readings[-1][1] / base:.2f}x)"
    )


if __name__ == "__main__":
    main()
