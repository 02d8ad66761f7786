"""Site build cost at scale: Hugo with the built-in theme against a bare one-template theme,
same posts, same run, then the Pagefind search index over the built-in theme's site.

    .venv/bin/python benchmarks/site_build.py                      # 1,000 and 10,000 posts
    .venv/bin/python benchmarks/site_build.py --posts 1000 10000 100000
    .venv/bin/python benchmarks/site_build.py --posts 2000 --search-posts 0

Prints, per size and theme, Hugo's wall time, CPU time (all its threads) and peak RSS, the
built-in / bare ratios (target <= 1.2: the theme must not add work that grows faster than
the posts), then Pagefind's time and peak RSS; and per size one machine-readable line:

    RESULT posts=N ratio=R hugo_s=S hugo_rss_mb=M search_s=T search_rss_mb=K

(ratio: built-in / bare Hugo wall time; hugo_*: the built-in theme's build; search_*: the
Pagefind index of that site, holding the newest ``--search-posts`` posts as a site's
``[site] search_posts`` does). Sites are built into a RAM folder (/dev/shm) when there is
one, so that the figures are Hugo's and Pagefind's, not the disk's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdesk.config import Config, FrontMatterDefaults, SiteConfig, SourceConfig
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.publish import render_post
from newsdesk.site.hugo import hugo_build_command, pagefind_command, search_input
from newsdesk.site.tools import pagefind_binary, theme_dir, write_hugo_config

WORDS = [
    "markets",
    "rallied",
    "as",
    "investors",
    "weighed",
    "central",
    "bank",
    "signals",
    "tariffs",
    "earnings",
    "guidance",
    "yields",
    "currency",
    "oil",
    "demand",
    "supply",
    "chain",
    "analysts",
    "said",
    "the",
    "outlook",
    "remained",
    "uncertain",
    "while",
]
BARE = """<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>{{ .Content }}
{{ if .IsNode }}{{ range .Paginator.Pages }}
<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}
</body></html>
"""


def make_site(root: Path, posts: int, search_posts: int = 20_000) -> Path:
    """A site folder with ``posts`` generated posts from 20 sources."""
    sources = tuple(
        SourceConfig(name=f"source{n:02d}", url=f"https://s{n}.test/feed") for n in range(20)
    )
    cfg = Config(sources=sources, site=SiteConfig(search_posts=search_posts))
    site = root / f"site-{posts}"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "newsdesk.toml").write_text("", encoding="utf-8")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(posts):
        # A rare word per post, so that the index grows with the posts as a real one does.
        words = [WORDS[(n * 7 + i) % len(WORDS)] for i in range(400)] + [f"w{n:x}"]
        blocks = tuple(
            Block("p", " ".join(words[i : i + 80]).capitalize() + ".") for i in range(0, 401, 80)
        )
        source = sources[n % len(sources)]
        article = Article(
            id=f"{n:016x}",
            url=f"https://s.test/{n}",
            source=source.name,
            title=f"Story {n}",
            blocks=blocks,
            published=start + timedelta(minutes=n),
            summary=" ".join(words[:50]),
            categories=(source.name,),
            tags=(source.name, WORDS[n % len(WORDS)]),
            language="en",
        )
        text = render_post(article, FrontMatterDefaults(), timezone="UTC", body_style="paragraphs")
        path = Site(site).post_path(article.id)  # generated data: no need for atomic writes
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_hugo_config(site, cfg)
    return site


def timed(command: list[str]) -> tuple[float, float, float]:
    """Run a command; returns (wall seconds, CPU seconds, peak RSS in MB) of its process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command[0]} failed:\n{output}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def timed_build(site: Path, themes: Path, out: Path) -> tuple[float, float, float]:
    """One Hugo build of ``site`` into ``out``, from nothing."""
    shutil.rmtree(out, ignore_errors=True)
    return timed(hugo_build_command(site, out, themes))


def scratch_folder() -> str | None:
    """A RAM-backed folder to build into, when there is one with room."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 8 << 30:
        return str(shm)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--search-posts", type=int, default=20_000, help="newest posts indexed (0: all)"
    )
    parser.add_argument("--repeat", type=int, help="builds per theme (best kept)")
    args = parser.parse_args()
    pagefind = pagefind_binary()
    if pagefind is None:
        sys.exit("pagefind is not installed: pip install 'pagefind[extended]'")
    results: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryDirectory(dir=scratch_folder()) as scratch,
    ):
        root, out = Path(tmp), Path(scratch) / "public"
        bare = root / "bare-themes"
        (bare / "newsdesk" / "layouts").mkdir(parents=True)
        (bare / "newsdesk" / "layouts" / "all.html").write_text(BARE, encoding="utf-8")
        print(f"building into {out.parent}")
        print(f"{'posts':>7} {'theme':>9} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
        for posts in args.posts:
            site = make_site(root, posts, args.search_posts)
            repeat = args.repeat or (2 if posts <= 20_000 else 1)
            if repeat > 1:
                timed_build(site, theme_dir(), out)  # warm the file cache once
            measured = {}
            for name, themes in (("bare", bare), ("built-in", theme_dir())):
                wall, cpu, rss = min(timed_build(site, themes, out) for _ in range(repeat))
                measured[name] = (wall, cpu, rss)
                print(f"{posts:>7} {name:>9} {wall:>8.2f} {cpu:>8.2f} {rss:>12.0f}")
            built, bare_run = measured["built-in"], measured["bare"]
            ratios = [b / a for b, a in zip(built, bare_run, strict=True)]
            print(
                f"{posts:>7} {'ratio':>9} {ratios[0]:>8.2f} {ratios[1]:>8.2f} {ratios[2]:>12.2f}"
                f"   (built-in / bare; target <= 1.2)"
            )
            # The index of the built-in theme's site (the last build left it in out), made
            # as `newsdesk build` makes it: from the pages the theme lists.
            started = time.perf_counter()
            pages = search_input(out, out.parent, "/")
            linking = time.perf_counter() - started
            search_wall, search_cpu, search_rss = timed(pagefind_command(pagefind, pages, out))
            search_wall += linking
            print(
                f"{posts:>7} {'pagefind':>9} {search_wall:>8.2f} {search_cpu:>8.2f} "
                f"{search_rss:>12.0f}"
            )
            results.append(
                f"RESULT posts={posts} ratio={ratios[0]:.2f} hugo_s={built[0]:.2f} "
                f"hugo_rss_mb={built[2]:.0f} search_s={search_wall:.2f} "
                f"search_rss_mb={search_rss:.0f}"
            )
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
