"""``newsdesk demo``: the whole pipeline, offline, on built-in sample sources.

A local server on 127.0.0.1 serves four sources (RSS 2.0 in investing.com's style, Atom,
JSON Feed, RSS 1.0/RDF) and their article pages; the demo site is created afresh each time.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import CONFIG_FILE, load_config
from newsdesk.demo.server import DemoServer, data_root
from newsdesk.errors import NewsdeskError
from newsdesk.pipeline import run
from newsdesk.report import RunReport
from newsdesk.site import BuildResult, build_site, init_site
from newsdesk.site.scaffold import source_block

__all__ = ["DemoResult", "DemoServer", "demo_sources", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The demo run's report and the Hugo build's result."""

    report: RunReport
    build: BuildResult


def demo_sources(base: str) -> str:
    """``[[sources]]`` blocks for the demo feeds served at ``base``."""
    manifest = json.loads((data_root() / "manifest.json").read_text(encoding="utf-8"))
    blocks = []
    for source in manifest["sources"]:
        extra = {"lang": "en"}
        if source["feed"].endswith(".rss"):
            extra["feed_timezone"] = "UTC"
        blocks.append(source_block(source["name"], f"{base}/{source['feed']}", **extra))
    return "\n".join(blocks)


def run_demo(site_dir: Path) -> DemoResult:
    """Recreate ``site_dir``, serve the demo sources, run the pipeline, build the site."""
    site_dir = Path(site_dir)
    if site_dir.exists():
        if not (site_dir / CONFIG_FILE).exists():
            raise NewsdeskError(f"{site_dir} exists and is not a newsdesk site; not touching it")
        shutil.rmtree(site_dir)
    with DemoServer() as server:
        init_site(
            site_dir,
            title="newsdesk demo",
            sources=demo_sources(server.base),
            # The demo's server is our own, on 127.0.0.1: no need to space requests out.
            fetch="min_delay = 0\n",
        )
        cfg = load_config(site_dir)
        report = run(site_dir, cfg, wait=0)
    return DemoResult(report=report, build=build_site(site_dir, cfg))
