"""What ``[store] keep_html = true`` costs: the state database's growth per 1,000 posts and the
time to keep one page, on the real article pages of ../shared/corpus.

    .venv/bin/python benchmarks/kept_pages.py               # 1,000 posts
    .venv/bin/python benchmarks/kept_pages.py --posts 5000

Two SQLite stores get the same published items; one also keeps each item's page (the corpus
pages, in turn). Both are checkpointed and vacuumed, and the difference in file size is the
cost. Ends with

    RESULT posts=N html_mb=H kept_mb=K per_1000_mb=P ratio=R keep_ms=T

``html_mb``: the pages' HTML as fetched; ``kept_mb``: what keeping them added to the database;
``ratio``: html_mb / kept_mb; ``keep_ms``: median milliseconds of one ``keep_page`` (compression
included).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsdesk.models import FeedEntry  # noqa: E402
from newsdesk.store import Publication, SQLiteStore  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def _pages(limit: int) -> list[str]:
    """Up to ``limit`` distinct corpus pages, decoded as a fetch would."""
    pages = []
    for line in (CORPUS / "index" / "articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        pages.append(
            gzip.decompress((CORPUS / row["html"]).read_bytes()).decode("utf-8", "replace")
        )
        if len(pages) >= limit:
            break
    return pages


def _fill(path: Path, posts: int, pages: list[str] | None) -> list[float]:
    """A store of ``posts`` published items; with ``pages``, each keeps one. Returns the
    seconds of each ``keep_page``."""
    timings = []
    with SQLiteStore(path) as store:
        for n in range(posts):
            item, url = f"{n:016x}", f"https://news.example/{n}"
            entry = FeedEntry("wire", url, title=f"Story {n}", published=datetime.now(UTC))
            store.register(item, url, entry)
            store.reserve(item, Publication(f"content/posts/{item}.md", url, 500))
            store.finish(item)
            if pages:
                start = time.perf_counter()
                store.keep_page(item, url, pages[n % len(pages)])
                timings.append(time.perf_counter() - start)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store._db.execute("VACUUM")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"the corpus is not at {CORPUS}")
    pages = _pages(args.posts)
    html = sum(len(pages[n % len(pages)].encode()) for n in range(args.posts))
    with tempfile.TemporaryDirectory() as scratch:
        plain, kept = Path(scratch) / "plain.db", Path(scratch) / "kept.db"
        _fill(plain, args.posts, None)
        timings = _fill(kept, args.posts, pages)
        added = kept.stat().st_size - plain.stat().st_size
    mb = 1024 * 1024
    print(f"{len(pages)} distinct corpus pages, {args.posts} posts")
    print(f"HTML as fetched: {html / mb:.1f} MB ({html / args.posts / 1024:.0f} KB per page)")
    print(f"kept in the state: {added / mb:.1f} MB ({added / args.posts / 1024:.0f} KB per post)")
    print(
        f"RESULT posts={args.posts} html_mb={html / mb:.1f} kept_mb={added / mb:.1f}"
        f" per_1000_mb={added / mb * 1000 / args.posts:.1f} ratio={html / added:.2f}"
        f" keep_ms={statistics.median(timings) * 1000:.2f}"
    )


if __name__ == "__main__":
    main()
