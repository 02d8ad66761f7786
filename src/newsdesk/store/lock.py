"""One run at a time per site: an exclusive lock on ``.newsdesk/lock`` (and one build at a
time, on ``.newsdesk/build.lock``)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsdesk.errors import SiteLockedError, storage_error


@contextmanager
def site_lock(state_dir: Path, *, wait: float | None = None, name: str = "lock") -> Iterator[None]:
    """Hold the site's lock for the duration of the block.

    Args:
        state_dir: the site's ``.newsdesk`` folder.
        wait: seconds to wait for another run to finish; None waits forever, 0 not at all.
        name: the lock file in ``state_dir`` (runs and builds lock separately).
    """
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(state_dir / name, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise storage_error(exc) or exc from None
    try:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait is None else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    waited = (
                        f"it is still working after {wait:g} s; try again later or pass a"
                        " longer --wait (no --wait: until it ends)"
                        if wait
                        else "try again later (run and poll can wait for it: --wait SECONDS)"
                    )
                    raise SiteLockedError(
                        f"another newsdesk run is working on this site ({state_dir.parent}): "
                        + waited
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
