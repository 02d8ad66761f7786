"""Put a finished build in place: a fresh folder beside ``public/`` (``.newsdesk/builds/``,
on the same file system) is swapped with it in one step, ``renameat2(RENAME_EXCHANGE)`` on
Linux, two renames elsewhere."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BUILDS = Path(".newsdesk") / "builds"  # fresh build folders, relative to the site folder
_BUILD_PREFIX = "build-"
_STALE_AFTER = 6 * 3600  # without file locks (Windows): a build folder this old is stale


@contextlib.contextmanager
def build_folder(site_dir: Path, target: Path) -> Iterator[Path]:
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


def swap_in(fresh: Path, target: Path) -> None:
    """Put the folder ``fresh`` at ``target``; the previous ``target`` ends up at ``fresh``
    (or beside it), inside the build folder that is removed afterwards."""
    if not os.path.lexists(target):
        os.rename(fresh, target)
    elif not _exchange(fresh, target):
        previous = fresh.with_name("previous")
        os.rename(target, previous)  # between these two renames public/ is briefly absent
        os.rename(fresh, target)
