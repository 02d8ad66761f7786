"""Stage 7, site: scaffold a site folder and build it with Hugo."""

from newsdesk.site.build import BuildResult, build_site
from newsdesk.site.scaffold import init_site
from newsdesk.site.tools import hugo_binary, serve_site

__all__ = ["BuildResult", "build_site", "hugo_binary", "init_site", "serve_site"]
