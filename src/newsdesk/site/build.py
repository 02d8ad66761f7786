"""``newsdesk build``: Hugo and Pagefind build the site into a fresh folder, which is then
installed into ``public/`` file by file (:mod:`newsdesk.site.install`).

While a build is installed, every file of the previous site stays readable until the new
one is whole, and the home page and the search's entry change last; a failed build leaves
``public/`` exactly as it was and says which file and line failed (:mod:`newsdesk.site.hugo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.layout import Site
from newsdesk.site.hugo import UNCHANGED, explain_failure, run_hugo, run_pagefind
from newsdesk.site.install import build_folder, build_lock, install
from newsdesk.site.tools import themes_for, write_hugo_config


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The build's exit code (Hugo's, or Pagefind's if Hugo succeeded and Pagefind failed),
    the tools' output, and where the site was written.

    ``error_file`` and ``error_line`` locate what failed, when Hugo's error names a file
    (relative to the site folder when inside it). After a failure ``public`` is unchanged.
    """

    returncode: int
    output: str
    public: Path
    search: bool = False
    error_file: Path | None = None
    error_line: int | None = None


def build_site(site_dir: Path, cfg: Config | None = None) -> BuildResult:
    """Build the site with Hugo and Pagefind, then install it into ``<site>/public``.

    One build runs at a time per site: a second one waits for the first. The result
    carries Hugo's exit code (Pagefind's when only the search index failed). On failure
    ``public/`` is left exactly as it was, and the output ends with the file and line that
    failed and what to do about it.
    """
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    public = Site(site_dir).public
    themes = themes_for(site_dir, cfg)
    with build_lock(site_dir):
        write_hugo_config(site_dir, cfg)
        Site(site_dir).content.mkdir(exist_ok=True)
        target = public.resolve()  # the folder itself, when public/ is a link to it
        with build_folder(site_dir, target) as work:
            fresh = work / "public"
            hugo = run_hugo(site_dir, fresh, themes)
            if hugo.returncode != 0:
                failed = explain_failure(hugo.output, site_dir)
                output = f"{hugo.output}\n{failed.advice}".strip()
                return BuildResult(hugo.returncode, output, public, False, failed.file, failed.line)
            search = run_pagefind(fresh, hugo.output, scratch=work, base_url=cfg.site.base_url)
            if search.returncode != 0:
                output = f"{search.output}\nsearch index failed: {UNCHANGED}".strip()
                return BuildResult(search.returncode, output, public)
            install(fresh, target)
    return BuildResult(0, search.output, public, search=search.search)
