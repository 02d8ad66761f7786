"""Put a finished build in place without ever showing a reader a broken site.

Hugo and Pagefind write into a fresh folder on the same file system as ``public/``. When
both succeeded, every file of that folder moves into ``public/`` with ``os.replace``, which
replaces a file in one step: a reader gets the old file or the new one, never none. The
order makes a page or search chunk exist before the lists and the search entry that link to
it: assets and Pagefind's fragments and index chunks first, then post pages, then list pages
and feeds, then Pagefind's entry (``pagefind-entry.json``, ``pagefind.js``), and the home
page last. (Links between a new post and a new tag page go both ways; for the moment between
the two installs, the post's link leads nowhere.) Only then are the files and empty folders
that the new build no longer has removed.

``public/`` itself is never replaced, so what belongs to the folder stays: its mode, owner,
group and ACLs, a mount or bind mount on it, a web server or shell that holds it open, and
every hidden entry in it (any path component that starts with "."), such as the ``.git`` of
a GitHub Pages checkout or ``.well-known``. When ``public/`` hands its group down (the
setgid bit), installed files get that group, as files written there directly would.

One build runs at a time per site (an exclusive lock on ``.newsdesk/build.lock``, held from
before Hugo reads the posts until the install is done), so a build that read older posts can
never finish after one that read newer ones; folders left by killed builds are removed by
the next build.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.layout import Site
from newsdesk.store.lock import site_lock

# Where builds go when .newsdesk/builds cannot rename into public/ (another file system, or
# public/ is a mount point): a hidden folder inside public/, which the install never touches.
IN_PUBLIC = ".newsdesk-builds"
_PROBE = ".newsdesk-probe"  # a file renamed into public/ to see whether renames cross
_BUILD_PREFIX = "build-"
# Installed last, in this order: the search's entry points, then the home page.
_LAST = ("pagefind/pagefind-entry.json", "pagefind/pagefind.js", "index.html")
_PAGES = (".html", ".htm", ".xml")


def build_lock(site_dir: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the site's build lock while the block runs; another build of the same site (in
    any process or thread) waits for it. The same lock as a run's, on another file."""
    lock = Site(site_dir).build_lock
    return site_lock(lock.parent, name=lock.name)


@contextlib.contextmanager
def build_folder(site_dir: Path, target: Path) -> Iterator[Path]:
    """A fresh folder from which files rename into ``target`` (the real ``public/`` folder,
    created if missing); removed afterwards with what is left in it.

    Call it while holding :func:`build_lock`: build folders of earlier, killed builds are
    removed first. ``target`` is removed again if it was created and nothing was put in it.
    """
    created = not target.is_dir()
    target.mkdir(parents=True, exist_ok=True)
    try:
        root = _builds_root(site_dir, target)
        for folder in (Site(site_dir).builds, target / IN_PUBLIC):
            _remove_stale(folder)
        root.mkdir(exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=root))
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finally:
        with contextlib.suppress(OSError):
            (target / IN_PUBLIC).rmdir()  # only when empty
        if created:
            with contextlib.suppress(OSError):
                target.rmdir()


def _builds_root(site_dir: Path, target: Path) -> Path:
    """``.newsdesk/builds`` when a file renames from there into ``target``, else a hidden
    folder inside ``target``."""
    root = Site(site_dir).builds
    root.mkdir(parents=True, exist_ok=True)
    # st_dev of public/ itself: a file system mounted on public/ has its own. A bind mount
    # of the same file system has the same st_dev, but rename() refuses to cross it (EXDEV),
    # so a rename is tried.
    if os.stat(root).st_dev == os.stat(target).st_dev and _renames_into(root, target):
        return root
    return target / IN_PUBLIC


def _renames_into(root: Path, target: Path) -> bool:
    """Whether a file renames from ``root`` into ``target``."""
    fd, name = tempfile.mkstemp(prefix=_PROBE, dir=root)
    os.close(fd)
    probe = target / _PROBE  # a fixed name: one left by a killed build is replaced
    try:
        os.rename(name, probe)
    except OSError as exc:
        os.unlink(name)
        if exc.errno == errno.EXDEV:
            return False
        raise
    os.unlink(probe)
    return True


def _remove_stale(root: Path) -> None:
    """Remove what killed builds left in ``root``. Under the build lock no other build is
    running, so that is everything."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        _remove(entry)


def _remove(path: Path) -> None:
    """Remove a file, a link or a whole folder."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# --- the install ------------------------------------------------------------------------


def install(fresh: Path, target: Path) -> None:
    """Move every file of the folder ``fresh`` into ``target`` (see the module's docstring
    for the order), then remove the files and empty folders that ``fresh`` did not have,
    never touching a hidden entry of ``target``. ``fresh`` must be on the same file system."""
    files, folders = _tree(fresh, hidden=True)
    group = _inherited_group(target)
    made = {os.fspath(target)}
    for relative in install_order(files):
        # Plain strings: this loop runs once per file of the site (25,000 for 10,000 posts).
        source, destination = os.path.join(fresh, relative), os.path.join(target, relative)
        _make_folders(os.path.dirname(destination), made)
        if group is not None:
            with contextlib.suppress(OSError):  # not a member of that group: keep our own
                os.chown(source, -1, group, follow_symlinks=False)
        try:
            os.replace(source, destination)
        except IsADirectoryError:  # the old site had a folder where this file goes
            _remove(Path(destination))
            os.replace(source, destination)
    old_files, old_folders = _tree(target, hidden=False)
    for relative in set(old_files) - set(files) - set(folders):  # a link to a folder stays
        _remove(target / relative)
    for relative in sorted(set(old_folders) - set(folders), key=_depth, reverse=True):
        with contextlib.suppress(OSError):  # still holds something hidden: it stays
            (target / relative).rmdir()


def install_order(files: Iterable[str]) -> list[str]:
    """The paths of a build (relative, with "/") in the order they are installed: assets
    and search chunks, post pages, list pages and feeds, each deepest first; then the
    search's entry points and the home page.

    A list page is one whose folder has an RSS feed (``index.xml``: Hugo writes one for
    the home page, sections, taxonomies and terms), a page of its pagination
    (``<list>/page/<n>/``), or an XML file (feeds, the sitemap).
    """
    files = list(files)
    lists = {path.rpartition("/")[0] for path in files if path.rpartition("/")[2] == "index.xml"}

    def key(path: str) -> tuple[int, int, str]:
        if path in _LAST:
            return 3 + _LAST.index(path), 0, path
        folder, _, name = path.rpartition("/")
        if not name.endswith(_PAGES):
            rank = 0
        elif name.endswith(".xml") or _list_folder(folder) in lists:
            rank = 2
        else:
            rank = 1
        return rank, -_depth(path), path

    return sorted(files, key=key)


def _list_folder(folder: str) -> str:
    """The list page a folder belongs to: ``tags/x/page/2`` belongs to ``tags/x``."""
    parts = folder.split("/")
    if len(parts) >= 2 and parts[-2] == "page" and parts[-1].isdigit():
        return "/".join(parts[:-2])
    return folder


def _depth(path: str) -> int:
    return path.count("/")


def _tree(root: Path, *, hidden: bool) -> tuple[list[str], list[str]]:
    """The files (links included) and folders under ``root``, as relative paths with "/";
    with ``hidden`` False, without any entry that starts with "." or lies inside one."""
    files: list[str] = []
    folders: list[str] = []
    pending = [("", os.fspath(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if not hidden and entry.name.startswith("."):
                    continue
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(relative)
                    pending.append((relative + "/", entry.path))
                else:
                    files.append(relative)
    return files, folders


def _make_folders(folder: str, made: set[str]) -> None:
    """Make ``folder`` and its parents that are not in ``made`` (which holds the target);
    a file where a folder should be (the old site had a page there) is replaced by it."""
    if folder in made:
        return
    _make_folders(os.path.dirname(folder), made)
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not os.path.isdir(folder):  # a link to a folder is kept, and written through
            _remove(Path(folder))
            os.mkdir(folder)
    made.add(folder)


def _inherited_group(target: Path) -> int | None:
    """The group that files made in ``target`` would get, when it hands its own down
    (the setgid bit); None otherwise."""
    info = os.stat(target)
    return info.st_gid if info.st_mode & stat.S_ISGID else None
