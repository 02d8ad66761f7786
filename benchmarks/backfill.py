"""Backfilling an archive: 2,000 articles from a sitemap index of 20 sitemaps, through the real
`newsdesk backfill`, against the same articles listed by one feed and published by `newsdesk
run` (the baseline, measured in the same process).

    .venv/bin/python benchmarks/backfill.py                       # 20 sitemaps x 100 articles
    .venv/bin/python benchmarks/backfill.py --sitemaps 5 --per-sitemap 40

The article pages are real ones from ../shared/corpus (sizes and markup), served by
benchmarks/corpus_server.py on 127.0.0.1; both sites fetch with ``min_delay = 0`` and dedupe
off (the corpus pages repeat). Ends with

    RESULT articles=N files=F backfill_s=B run_s=R ratio=B/R articles_per_s=A

``ratio`` near 1 says walking the index and registering the archive costs little next to
fetching and extracting it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import CORPUS, corpus_pages  # noqa: E402

SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def build_world(root: Path, sitemaps: int, per: int, pages: list[bytes], base: str) -> int:
    """Article pages, the sitemaps and their index, and a feed of the same articles;
    returns the number of articles."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    links = []
    for f in range(sitemaps):
        rows = []
        for n in range(per):
            path = f"a/{f}/{n}.html"
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(pages[(f * per + n) % len(pages)])
            rows.append(f"<url><loc>{base}/{path}</loc><lastmod>{today}</lastmod></url>")
            links.append(f"{base}/{path}")
        (root / f"sm{f}.xml").write_text(f"<urlset {SM}>{''.join(rows)}</urlset>")
    children = "".join(
        f"<sitemap><loc>{base}/sm{f}.xml</loc><lastmod>{today}</lastmod></sitemap>"
        for f in range(sitemaps)
    )
    (root / "index.xml").write_text(f"<sitemapindex {SM}>{children}</sitemapindex>")
    items = "".join(
        f"<item><title>Story {n}</title><link>{escape(link)}</link></item>"
        for n, link in enumerate(links)
    )
    (root / "all.rss").write_text(
        f'<rss version="2.0"><channel><title>All</title>{items}</channel></rss>'
    )
    return len(links)


def site(folder: Path, url: str) -> Path:
    folder.mkdir()
    (folder / "newsdesk.toml").write_text(
        '[fetch]\nmin_delay = 0\nrobots = false\n[dedupe]\nmode = "off"\n'
        f'[[sources]]\nname = "archive"\nurl = "{url}"\nmax_entries = 50000\n'
    )
    return folder


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return wall, done.stdout


def posts(folder: Path) -> int:
    return len(list((folder / "content" / "posts").glob("*.md")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sitemaps", type=int, default=20)
    parser.add_argument("--per-sitemap", type=int, default=100)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: the benchmark needs ../shared/corpus")
    pages = corpus_pages(600)
    newsdesk = [sys.executable, "-m", "newsdesk"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "www"
        root.mkdir()
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("corpus_server.py")), str(root)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            port = int(server.stdout.readline()) if server.stdout else 0
            base = f"http://127.0.0.1:{port}"
            total = build_world(root, args.sitemaps, args.per_sitemap, pages, base)
            print(f"{args.sitemaps} sitemaps x {args.per_sitemap} articles = {total} articles")
            feed_site = site(Path(tmp) / "feed", f"{base}/all.rss")
            run_s, _ = timed([*newsdesk, "run", "--site", str(feed_site)])
            print(f"baseline, a feed of them all and `newsdesk run`: {posts(feed_site)} posts"
                  f" in {run_s:.1f} s")  # fmt: skip
            archive = site(Path(tmp) / "archive", f"{base}/index.xml")
            command = [*newsdesk, "backfill", "--site", str(archive), "--source", "archive"]
            backfill_s, out = timed([*command, "--since", "30d"])
            published = posts(archive)
            print(f"`newsdesk backfill`: {published} posts in {backfill_s:.1f} s")
            print(out.splitlines()[0])
            again_s, _ = timed([*command, "--since", "30d"])
            print(f"backfill again, nothing left to do: {again_s:.2f} s")
            print(
                f"RESULT articles={published} files={args.sitemaps + 1}"
                f" backfill_s={backfill_s:.1f} run_s={run_s:.1f} ratio={backfill_s / run_s:.2f}"
                f" articles_per_s={published / backfill_s:.1f}"
            )
        finally:
            server.kill()


if __name__ == "__main__":
    main()
