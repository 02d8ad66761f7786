"""Run Hugo and Pagefind into a folder, and read from Hugo's errors which file failed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from newsdesk.layout import Site
from newsdesk.lifeline import die_with_parent
from newsdesk.site.hugo_config import SEARCH_LIST
from newsdesk.site.tools import hugo_binary, hugo_env, pagefind_binary

UNCHANGED = "the site in public/ was left as it was"


@dataclass(frozen=True, slots=True)
class Run:
    """A tool's exit code and what it printed (warnings and errors, not its banner);
    ``search`` says whether a search index was built."""

    returncode: int
    output: str
    search: bool = False


def hugo_build_command(site_dir: Path, destination: Path, themes: Path) -> list[str]:
    """The ``hugo build`` command line for a site (its hugo.toml must exist).

    ``destination`` should be a new folder: Hugo adds to what is there.
    """
    return [
        str(hugo_binary()),
        "build",
        "--source",
        str(site_dir),
        "--destination",
        str(destination),
        "--themesDir",
        str(themes),
        "--noBuildLock",
        "--gc",  # resized images of pruned posts leave Hugo's cache
        "--logLevel",
        "warn",  # warnings and errors are reported; the banner and stats are not kept
    ]


def run_hugo(site_dir: Path, destination: Path, themes: Path) -> Run:
    """Build the site with Hugo into ``destination``."""
    done = subprocess.run(
        hugo_build_command(site_dir, destination, themes),
        capture_output=True,
        text=True,
        env=hugo_env(site_dir),
        check=False,
        preexec_fn=die_with_parent(),  # ends with newsdesk, however it ends
    )
    # Hugo prints its banner and page counts on stdout and its log (WARN, ERROR) on stderr.
    return Run(done.returncode, done.stderr.strip())


_NOTHING_TO_INDEX = "Pagefind was not able to build an index"


def pagefind_command(binary: Path, pages: Path, public: Path) -> list[str]:
    """The Pagefind command line that indexes the pages under ``pages`` (the built site, or
    the part of it to search) into ``public/pagefind``."""
    output = ["--output-path", str(public / "pagefind")]
    return [str(binary), "--site", str(pages), *output, "--quiet"]


def search_input(public: Path, scratch: Path, base_url: str) -> Path:
    """The pages Pagefind should read: when the theme listed them (``search-pages.txt``, the
    newest ``[site] search_posts`` posts), a folder of just those, linked from ``public``
    into ``scratch``; else the whole site. The lists are removed from ``public``.

    Pagefind reads every page it is given, indexed or not: given only these, its time and
    memory follow the size of the index, not of the archive.
    """
    lists = search_lists(public)
    if not lists:
        return public  # another theme: Pagefind reads the whole site
    base_path = urlsplit(base_url).path
    pages = scratch / "search-input"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    for listing in lists:
        for relative in _listed_pages(listing.read_text(encoding="utf-8"), base_path):
            source = public / relative
            if not source.is_file():
                continue
            target = pages / relative
            if target.exists():
                continue  # named twice
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        listing.unlink()
    return pages


def search_lists(public: Path) -> list[Path]:
    """The built-in theme's lists of pages to search, one per language, in ``public``."""
    lists = [public / SEARCH_LIST, *public.glob(f"*/{SEARCH_LIST}")]
    return [path for path in lists if path.is_file()]


def _listed_pages(text: str, base_path: str) -> Iterator[PurePosixPath]:
    """The page files a search list names, relative to the site root; a line that is not a
    plain path inside the site is left out."""
    prefix = base_path if base_path.endswith("/") else base_path + "/"
    for line in text.splitlines():
        link = unquote(line.strip())
        if not link.startswith(prefix):
            continue
        link = link.removeprefix(prefix)
        if not link or link.endswith("/"):
            link += "index.html"
        path = PurePosixPath(link)
        if path.is_absolute() or ".." in path.parts or path.suffix != ".html":
            continue
        yield path


def run_pagefind(
    public: Path, hugo_output: str, *, scratch: Path | None = None, base_url: str = "/"
) -> Run:
    """Build the Pagefind index over post bodies (``data-pagefind-body``) into
    ``public/pagefind``, reading only the pages the theme listed when ``scratch`` (a folder
    on the same file system as ``public``) is given; the output follows Hugo's."""
    binary = pagefind_binary()
    if binary is None:
        for listing in search_lists(public):
            listing.unlink()  # not deployed, index or not
        note = "search index skipped: pagefind is not installed"
        return Run(0, f"{hugo_output}\n{note}".strip())
    pages = search_input(public, scratch, base_url) if scratch is not None else public
    done = subprocess.run(
        pagefind_command(binary, pages, public),
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=die_with_parent(),  # ends with newsdesk, however it ends
    )
    output = "\n".join(
        part for part in (hugo_output, done.stdout.strip(), done.stderr.strip()) if part
    )
    if done.returncode != 0 and _NOTHING_TO_INDEX in output:
        # Not a failure of the site: no post body has a single word (Pagefind 1.5 exits 1).
        return Run(0, f"{output}\nsearch index skipped: no post has words to index")
    return Run(done.returncode, output, search=done.returncode == 0)


# --- what failed ------------------------------------------------------------------------

# Hugo names a position as "path:line:column" in double quotes; some errors say "see <path>".
_POSITION = re.compile(r'"(?P<path>[^"\n]+?):(?P<line>\d+):\d+"')
_SEE = re.compile(r"\bsee (?P<path>\S+)")
_FIELD = re.compile(r'the "(?P<field>[^"]+)" front matter field')


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failed Hugo run names: a closing line to print, and the file (relative to the
    site folder when inside it) and line that failed, when Hugo's error says."""

    advice: str
    file: Path | None = None
    line: int | None = None


def explain_failure(output: str, site_dir: Path) -> Failure:
    """The closing line for a failed Hugo run: the file and line to fix, and what to do."""
    path, line = error_position(output, site_dir)
    if path is None:
        return Failure(f"Hugo failed; {UNCHANGED}.")
    shown = path.relative_to(site_dir) if path.is_relative_to(site_dir) else path
    lines = _read_lines(path)
    end = _front_matter_end(lines)
    if line is None:
        line = _field_line(lines, end, output)
    where = f"{shown}, line {line}" if line else f"{shown}"
    if path.is_relative_to(Site(site_dir).content):
        in_front_matter = end is not None and line is not None and line <= end
        if in_front_matter or "front matter" in output:
            problem = "Hugo cannot read the front matter (the block between the --- lines)"
        else:
            problem = "Hugo cannot render this post"
        advice = f"{where}: {problem}. Fix that file or delete it, then build again; {UNCHANGED}."
    else:
        advice = f"{where}: Hugo failed here; {UNCHANGED}."
    return Failure(advice, shown, line)


def error_position(output: str, site_dir: Path) -> tuple[Path | None, int | None]:
    """The first file (and line) that Hugo's error output names; a relative path is read
    against the site folder, whatever the current directory."""
    for text in output.splitlines():
        if "ERROR" not in text:
            continue
        if position := _POSITION.search(text):
            return site_dir / position["path"], int(position["line"])
        if see := _SEE.search(text):
            path = site_dir / see["path"].rstrip(".,;:")
            if path.is_file():
                return path, None
    return None, None


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _front_matter_end(lines: list[str]) -> int | None:
    """The line number of the front matter's closing delimiter (None: no front matter;
    one that never closes counts as all front matter)."""
    if not lines or lines[0].strip() not in ("---", "+++"):
        return None
    for number, text in enumerate(lines[1:], start=2):
        if text.strip() == lines[0].strip():
            return number
    return len(lines) + 1


def _field_line(lines: list[str], end: int | None, output: str) -> int | None:
    """The line of the front matter field an error names ("the "date" front matter field")."""
    field = _FIELD.search(output)
    if field is None or end is None:
        return None
    key = re.compile(rf"^\s*[\"']?{re.escape(field['field'])}[\"']?\s*[:=]", re.IGNORECASE)
    for number, text in enumerate(lines[1 : end - 1], start=2):
        if key.match(text):
            return number
    return None
