"""``newsdesk init``: a new site folder with a commented newsdesk.toml."""

from __future__ import annotations

from pathlib import Path

from newsdesk.errors import NewsdeskError
from newsdesk.layout import Site
from newsdesk.publish.frontmatter import quote

TEMPLATE = """\
# newsdesk configuration. Everything but [[sources]] has a default; the defaults write posts
# with the Mainroad theme's front matter. Reference: README.md, "Configuration".

[site]
title = {title}
timezone = "UTC"            # post dates are written in this zone (IANA name)
language = "en"             # site language; post language when neither source nor page says
base_url = "/"              # Hugo baseURL

[posts]
section = "posts"           # posts go to content/<section>/
summary_words = 50          # summary = the first N words of the body + "..."
body_style = "paragraphs"   # or "single": the whole body on one line
# Front matter defaults, each overridable per source:
# menu = ""
# thumbnail = ""            # "auto": the lead image, kept with the site; "hotlink": its URL
# lead = ""
# comments = false
# authorbox = false
# pager = true
# toc = false
# mathjax = false
# sidebar = "right"         # "left", or false for none
# widgets = ["search", "recent", "taglist"]

[fetch]
# user_agent = "newsdesk/0.1 (+https://github.com/newsdesk/newsdesk)"
# contact = "https://example.com/about"   # appended to the User-Agent
# timeout = 20              # seconds for one request, body included
# concurrency = 16          # requests in flight, all hosts together
# per_host = 2              # requests in flight to one host
# max_attempts = 5          # an article is given up after this many failed tries
# min_delay = 1.0           # seconds between two requests to the same host
# retries = 2               # extra tries in one run for timeouts, resets, 5xx, 429
# robots = true             # check robots.txt before fetching an article
{fetch}
[extract]
# min_words = 30            # fewer words on the page: use the feed's own text instead

# One [[sources]] block per feed (RSS, Atom, RDF or JSON Feed).
{sources}"""

EXAMPLE_SOURCE = """\
# [[sources]]
# name = "investing_us"       # category, tag and source link text; unique
# url = "https://www.investing.com/rss/news_301.rss"
# lang = "en"                 # optional: detected from the page when unset
# categories = ["markets"]    # optional: default [name]
# tags = ["markets"]          # optional: default [name]
# feed_timezone = "UTC"       # optional: zone of feed dates that carry none
"""


def source_block(name: str, url: str, **extra: str) -> str:
    """A ``[[sources]]`` block for the template."""
    lines = ["[[sources]]", f"name = {quote(name)}", f"url = {quote(url)}"]
    lines += [f"{key} = {quote(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def init_site(
    site_dir: Path,
    *,
    title: str = "newsdesk",
    sources: str = EXAMPLE_SOURCE,
    force: bool = False,
    fetch: str = "",
) -> Path:
    """Create ``site_dir`` with a commented ``newsdesk.toml``; returns the config path.

    Args:
        site_dir: the folder to create.
        title: the site title.
        sources: ``[[sources]]`` blocks (the default is a commented example).
        force: overwrite an existing ``newsdesk.toml``.
        fetch: extra lines for the ``[fetch]`` table.
    """
    site_dir = Path(site_dir)
    config = Site(site_dir).config_file
    if config.exists() and not force:
        raise NewsdeskError(f"{config} already exists (use --force to overwrite it)")
    Site(site_dir).content.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(title=quote(title), sources=sources, fetch=fetch)
    config.write_text(text, encoding="utf-8")
    ignore = site_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("public/\n.newsdesk/\nhugo.toml\n.hugo_build.lock\n", encoding="utf-8")
    return config
