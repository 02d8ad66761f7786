"""Site build cost: the built-in theme against a bare one-template theme, same posts, same run.

    .venv/bin/python benchmarks/site_build.py            # 1,000 and 10,000 posts
    .venv/bin/python benchmarks/site_build.py --posts 500 2000

Prints, per size and theme, Hugo's wall time, CPU time (all its threads; steadier than wall
time on a busy machine) and peak RSS, and the built-in / bare ratios.
The target is a ratio <= 1.2: the theme must not add work that grows faster than the posts.
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

from newsdesk.config import Config, FrontMatterDefaults, SourceConfig
from newsdesk.layout import Site
from newsdesk.models import Article, Block
from newsdesk.publish import render_post, write_atomic
from newsdesk.site.hugo import hugo_build_command
from newsdesk.site.tools import theme_dir, write_hugo_config

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


def make_site(root: Path, posts: int) -> Path:
    """A site folder with ``posts`` generated posts from 20 sources."""
    sources = tuple(
        SourceConfig(name=f"source{n:02d}", url=f"https://s{n}.test/feed") for n in range(20)
    )
    cfg = Config(sources=sources)
    site = root / f"site-{posts}"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "newsdesk.toml").write_text("", encoding="utf-8")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(posts):
        words = [WORDS[(n * 7 + i) % len(WORDS)] for i in range(400)]
        blocks = tuple(
            Block("p", " ".join(words[i : i + 80]).capitalize() + ".") for i in range(0, 400, 80)
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
        write_atomic(Site(site).post_path(article.id), text)
    write_hugo_config(site, cfg)
    return site


def timed_build(site: Path, themes: Path) -> tuple[float, float, float]:
    """Run one Hugo build; returns (wall seconds, CPU seconds, peak RSS in MB) of the Hugo
    process."""
    shutil.rmtree(site / "public", ignore_errors=True)  # every build starts from nothing
    command = hugo_build_command(site, site / "public", themes)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"hugo failed:\n{output}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bare = root / "bare-themes"
        (bare / "newsdesk" / "layouts").mkdir(parents=True)
        (bare / "newsdesk" / "layouts" / "all.html").write_text(BARE, encoding="utf-8")
        print(f"{'posts':>7} {'theme':>9} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
        for posts in args.posts:
            site = make_site(root, posts)
            timed_build(site, theme_dir())  # warm the file cache once
            results = {}
            for name, themes in (("bare", bare), ("built-in", theme_dir())):
                wall, cpu, rss = min(timed_build(site, themes) for _ in range(2))
                results[name] = (wall, cpu, rss)
                print(f"{posts:>7} {name:>9} {wall:>8.2f} {cpu:>8.2f} {rss:>12.0f}")
            built, bare_run = results["built-in"], results["bare"]
            ratios = [b / a for b, a in zip(built, bare_run, strict=True)]
            print(
                f"{posts:>7} {'ratio':>9} {ratios[0]:>8.2f} {ratios[1]:>8.2f} {ratios[2]:>12.2f}"
                f"   (built-in / bare; target <= 1.2)"
            )


if __name__ == "__main__":
    main()
