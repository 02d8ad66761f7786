"""Shared test helpers: write a site config, run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REFERENCE_PATH = (
    "/news/economic-indicators/trump-meets-japans-ishiba-as-china-trade-war-simmers-3855502"
)


def write_site(
    site: Path, sources: Sequence[Mapping[str, object]], **sections: Mapping[str, object]
) -> Path:
    """Create ``site/newsdesk.toml`` with the given sources and extra sections."""
    import json

    site.mkdir(parents=True, exist_ok=True)
    # Tests talk to their own server on 127.0.0.1: no politeness delay, quick retries.
    sections = {**sections, "fetch": {"min_delay": 0, "backoff": 0.05, **sections.get("fetch", {})}}
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in source.items()]
    (site / "newsdesk.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real ``newsdesk`` command line in a subprocess."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def split_post(text: str) -> tuple[str, str]:
    """(front matter, rest) of a post file."""
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return text[: end + 5], text[end + 5 :]


def session_pids(session: int) -> list[int]:
    """The processes alive in a session (Linux ``/proc``); zombies are not alive."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, session, ...
        if state[0] != "Z" and int(state[3]) == session:
            found.append(int(entry.name))
    return found
