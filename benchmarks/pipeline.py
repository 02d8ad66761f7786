"""End-to-end throughput: N sources x M articles through the real `newsdesk run`.

    .venv/bin/python benchmarks/pipeline.py                        # 20 sources x 25 articles
    .venv/bin/python benchmarks/pipeline.py --sources 500 --articles 20
    .venv/bin/python benchmarks/pipeline.py --feed-delay 1 --hosts 20   # slow feeds, many hosts

Feeds in every supported format (RSS 2.0 in investing.com's style, Atom, JSON Feed, RSS 1.0)
link to article pages taken from ../shared/corpus/articles (real sizes and markup), served by a
separate server process on 127.0.0.1. Prints articles/s, CPU seconds per article, peak RSS, the
time of a second run when nothing changed (every feed answers 304), and, measured in the same
run, the floor: bare trafilatura extraction of the same pages in one process on one core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import trafilatura

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FORMATS = ("rss", "atom", "json", "rdf")


def corpus_pages(limit: int) -> list[bytes]:
    """Article pages from the corpus (fundus, newspaper4k, goose3, trafilatura sets)."""
    rows = [
        json.loads(line) for line in (CORPUS / "index" / "articles.jsonl").read_text().splitlines()
    ]
    rows = [r for r in rows if r["source"] in ("fundus", "newspaper4k", "goose3", "trafilatura")]
    pages = [gzip.decompress((CORPUS / r["html"]).read_bytes()) for r in rows[:limit]]
    return pages


def feed_text(kind: str, base: str, source: int, items: list[tuple[str, str, datetime]]) -> str:
    """A feed of ``kind`` listing ``items`` (title, path, date)."""
    if kind == "json":
        return json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": f"S{source}",
                "items": [
                    {"id": p, "url": base + p, "title": t, "date_published": d.isoformat()}
                    for t, p, d in items
                ],
            }
        )
    if kind == "atom":
        entries = "".join(
            f'<entry><id>{base}{p}</id><title>{escape(t)}</title><link href="{base}{p}"/>'
            f"<updated>{d.isoformat()}</updated></entry>"
            for t, p, d in items
        )
        return (
            f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>S{source}'
            f"</title><id>urn:s{source}</id><updated>2026-11-20T00:00:00Z</updated>{entries}"
            "</feed>"
        )
    if kind == "rdf":
        entries = "".join(
            f'<item rdf:about="{base}{p}"><title>{escape(t)}</title><link>{base}{p}</link>'
            f"<dc:date>{d.isoformat()}</dc:date></item>"
            for t, p, d in items
        )
        return (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-'
            'ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>S{source}</title></channel>{entries}</rdf:RDF>"
        )
    entries = "".join(
        f"<item><title>{escape(t)}</title><pubDate>{d:%Y-%m-%d %H:%M:%S}</pubDate>"
        f"<link>{base}{p}</link></item>"
        for t, p, d in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>S{source}</title>'
        f"{entries}</channel></rss>"
    )


def host_base(port: int, source: int, hosts: int) -> str:
    """The origin of a source's feed and pages: 127.0.0.1 ... 127.0.0.``hosts``."""
    return f"http://127.0.0.{source % hosts + 1}:{port}"


def build_world(
    root: Path, sources: int, articles: int, pages: list[bytes], port: int, hosts: int
) -> None:
    """Write feeds and pages under ``root``."""
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for s in range(sources):
        items = []
        for a in range(articles):
            n = s * articles + a
            path = f"/p/{s}/{a}.html"
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pages[n % len(pages)])
            items.append((f"Story {n}", path, start - timedelta(minutes=n)))
        kind = FORMATS[s % len(FORMATS)]
        (root / f"f{s}.{'rss' if kind == 'rss' else kind}").write_text(
            feed_text(kind, host_base(port, s, hosts), s, items), encoding="utf-8"
        )


def floor_rate(pages: list[bytes], count: int) -> float:
    """Pages per second of bare trafilatura (bare_extraction with metadata), one process."""
    started = time.process_time()
    for n in range(count):
        trafilatura.bare_extraction(
            pages[n % len(pages)].decode("utf-8", "replace"), with_metadata=True
        )
    return count / (time.process_time() - started)


def timed_run(site: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MB, stdout) of one `newsdesk run` process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "run", "--site", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"newsdesk run failed:\n{out}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--articles", type=int, default=25, help="articles per source")
    parser.add_argument(
        "--feed-delay", type=float, default=0.0, help="seconds each feed takes to answer"
    )
    parser.add_argument(
        "--hosts", type=int, default=1, help="sources spread over 127.0.0.1 ... 127.0.0.N"
    )
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the benchmark needs ../shared/corpus")
    total = args.sources * args.articles
    pages = corpus_pages(600)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "www"
        root.mkdir()
        server = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("corpus_server.py")),
                str(root),
                str(args.feed_delay),
                str(args.hosts),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            port = int(server.stdout.readline()) if server.stdout else 0
            build_world(root, args.sources, args.articles, pages, port, args.hosts)
            site = Path(tmp) / "site"
            site.mkdir()
            lines = [
                "[fetch]",
                "min_delay = 0",
                "robots = false",
                "[dedupe]",
                'mode = "off"',
            ]
            for s in range(args.sources):
                kind = FORMATS[s % len(FORMATS)]
                base = host_base(port, s, args.hosts)
                lines += ["[[sources]]", f'name = "s{s}"', f'url = "{base}/f{s}.{kind}"']
            (site / "newsdesk.toml").write_text("\n".join(lines) + "\n")
            print(
                f"{args.sources} sources x {args.articles} articles = {total} articles, "
                f"{len(pages)} distinct corpus pages, feeds answer in {args.feed_delay:g} s"
            )
            floor = floor_rate(pages, min(total, 300))
            print(f"floor: bare trafilatura, one process:  {floor:6.1f} articles/s")
            wall, cpu, rss, out = timed_run(site)
            published = int(out.split(" post(s) written")[0].split()[-1])
            rate = published / wall
            print(
                f"newsdesk run:  {published} posts in {wall:.1f} s = {rate:6.1f} articles/s, "
                f"{cpu / max(published, 1) * 1000:.0f} ms CPU per article, peak RSS "
                f"{rss:.0f} MB"
            )
            print(f"ratio to the floor:  {rate / floor:.2f}x   (target >= 1.6x on 2 cores)")
            second, _, _, _ = timed_run(site)
            print(f"second run, nothing new (all 304):  {second:.2f} s")
        finally:
            server.kill()


if __name__ == "__main__":
    main()
