"""Robustness under faults: fault classes, hostile input, the robustness feed corpus, and
kill -9 trials.

    .venv/bin/python benchmarks/faults.py               # 50 kill trials
    .venv/bin/python benchmarks/faults.py --trials 100

Prints the fault classes tried, the hostile cases tried (tests/hostile.py: feeds, headers,
pages and links into the network, each with the outcome it must have), the feeds tried,
crashes, hangs, escaped exceptions, leaks, wrong outcomes, kill trials, duplicates and lost
items. Every count but the first three must be 0.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crashlab import kill_trial, serve_corpus  # noqa: E402
from tests.helpers import write_site  # noqa: E402
from tests.hostile import CASES, run_case  # noqa: E402
from tests.pages import investing_current_page, investing_feed  # noqa: E402
from tests.robustness import poll_corpus  # noqa: E402
from tests.server import LocalServer, drip, reset, send  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
Handler = Callable[[BaseHTTPRequestHandler], None]


def fault_handlers(feed: bytes) -> dict[str, Handler]:
    """One handler per fault class; ``feed`` is a valid feed for the ones that recover."""
    calls: dict[str, int] = {}

    def once(name: str, first: Handler) -> Handler:
        def handler(h: BaseHTTPRequestHandler) -> None:
            calls[name] = calls.get(name, 0) + 1
            if calls[name] == 1:
                first(h)
            else:
                send(h, 200, feed, Content_Type="application/rss+xml")

        return handler

    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    return {
        "slow drip": lambda h: drip(h, 6),
        "reset mid-body": reset,
        "500 then 200": once("500", lambda h: send(h, 500, b"oops")),
        "429 Retry-After then 200": once("429", lambda h: send(h, 429, b"", Retry_After="1")),
        "503 Retry-After 1h": lambda h: send(h, 503, b"", Retry_After="3600"),
        "huge body": lambda h: send(h, 200, b"<rss>" + b"x" * 12_000_000),
        "gzip bomb": lambda h: send(h, 200, bomb, Content_Encoding="gzip"),
        "redirect loop": lambda h: send(h, 302, b"", Location=h.path),
        "HTML instead of a feed": lambda h: send(
            h, 200, b"<html><body>hi</body></html>", Content_Type="text/html"
        ),
        "empty feed": lambda h: send(h, 200, investing_feed([]).encode()),
        "wrong charset": lambda h: send(
            h,
            200,
            feed.decode().replace("Story", "Caf\xe9").encode("latin-1"),
            Content_Type="text/xml; charset=utf-8",
        ),
        "garbage bytes": lambda h: send(h, 200, bytes(range(256)) * 50),
        "PDF article": lambda h: send(
            h,
            200,
            investing_feed(
                [
                    {
                        "title": "PDF",
                        "date": "2026-11-20 10:00:00",
                        "link": f"http://{h.headers['Host']}/doc.pdf",
                    }
                ]
            ).encode(),
        ),
    }


def run_fault_classes(root: Path) -> tuple[int, int, int]:
    """Each fault class as a source beside a good one, in a real `newsdesk run` process."""
    server = LocalServer()
    text = "Copper prices rose on supply worries as miners struck in the south. " * 6
    server.add("/story", investing_current_page("Story", [("p", text)]))
    server.add("/doc.pdf", b"%PDF-1.4", Content_Type="application/pdf")
    feed = investing_feed(
        [{"title": "Story", "date": "2026-11-20 10:00:00", "link": server.url("/story")}]
    ).encode()
    handlers = fault_handlers(feed)
    crashes = hangs = 0
    for n, (name, handler) in enumerate(handlers.items()):
        site = write_site(
            root / f"fault{n}",
            [{"name": "bad", "url": server.handle(f"/f{n}", handler)}],
            fetch={"timeout": 2, "max_retry_wait": 2},
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "newsdesk", "run", "--site", str(site)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
            )
        except subprocess.TimeoutExpired:
            hangs += 1
            print(f"  HANG  {name}")
            continue
        crashed = done.returncode != 0 or "Traceback" in done.stderr
        crashes += crashed
        outcome = "CRASH" if crashed else "ok   "
        row = next((line for line in done.stdout.splitlines() if "│ bad" in line), "")
        cells = [cell.strip() for cell in row.strip("│ ").split("│")]
        print(f"  {outcome} {name:<26} {' | '.join(cells[1:])}")
    server.close()
    return len(handlers), crashes, hangs


def run_hostile_cases(root: Path) -> Counter[str]:
    """Every case of the hostile corpus, each in its own site; problems counted by kind."""
    kinds: Counter[str] = Counter()
    for n, case in enumerate(CASES):
        problems = run_case(case, root / f"hostile{n}")
        kinds.update(p.kind for p in problems)
        outcome = "ok   " if not problems else "FAIL "
        detail = "; ".join(f"{p.kind}: {p.detail[:80]}" for p in problems)
        print(f"  {outcome} {case.name:<66} {detail}")
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    logging.getLogger("newsdesk").setLevel(logging.CRITICAL)  # the summary says what failed
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("fault classes:")
        classes, crashes, hangs = run_fault_classes(root)
        print("hostile input:")
        hostile = run_hostile_cases(root)

        feeds = 0
        folder = SHARED / "corpus" / "feeds" / "robustness"
        if folder.is_dir():
            server = LocalServer()
            started = time.monotonic()
            try:
                result = poll_corpus(folder, root / "corpus", server)
                feeds = result.files
                print(f"robustness corpus: {result.summary()} in {time.monotonic() - started:.1f}s")
                hangs += result.unanswered
            except Exception as exc:  # noqa: BLE001 - counted and shown
                crashes += 1
                print(f"robustness corpus: CRASH {exc!r}")
            server.close()
        else:
            print(f"robustness corpus: skipped ({folder} is missing)")

        server = LocalServer()
        sources = serve_corpus(server, sources=4, articles=10)
        rng = random.Random(2026)
        duplicates = lost = bad = temps = 0
        started = time.monotonic()
        for trial in range(args.trials):
            r = kill_trial(root / f"kill{trial}", sources, total=40, rng=rng)
            duplicates += r.duplicates
            lost += r.lost
            bad += r.bad_files
            temps += r.temp_files
        server.close()
        print(
            f"kill trials: {args.trials} in {time.monotonic() - started:.0f}s "
            f"(40 items each, killed after a random number of posts)"
        )

    lost += hostile["lost"]
    print()
    print(f"fault classes tried  {classes}")
    print(f"hostile cases tried  {len(CASES)}")
    print(f"feeds tried          {feeds}")
    print(f"crashes              {crashes}")
    print(f"hangs                {hangs}")
    print(f"escaped exceptions   {hostile['escaped']}")
    print(f"leaks                {hostile['leak']}")
    print(f"wrong outcomes       {hostile['wrong']}")
    print(f"kill trials          {args.trials}")
    print(f"duplicates           {duplicates}")
    print(f"lost items           {lost}")
    print(f"unparsable posts     {bad}")
    print(f"temp files left      {temps}")
    failed = crashes + hangs + duplicates + lost + bad + temps + sum(hostile.values())
    print("RESULT               " + ("ok" if failed == 0 else "FAILED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
