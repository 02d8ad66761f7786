"""Processes that end with the process they work for.

A run killed with SIGKILL (a ``timeout -s KILL`` wrapper, the OOM killer, a container stop)
gets no chance to stop its children. Each child therefore watches its parent itself:

- the extraction pool's workers and a multi-process worker's processes run a thread that
  waits on a pidfd of the process they work for and end their own process the moment it
  ends (``bind_to``); the pool's fork server then sees its last user gone and ends, and
  multiprocessing's resource tracker sees its pipe close and ends too;
- Hugo, Pagefind and ``hugo server`` get a parent-death signal (Linux ``PR_SET_PDEATHSIG``,
  ``die_with_parent``): SIGTERM, as a stop would send them.

SIGTERM and SIGINT are untouched: the run stops its children in order, as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

POLL_SECONDS = 0.5
"""How often a parent is looked at where the kernel gives no pidfd (before Linux 5.3)."""
_PR_SET_PDEATHSIG = 1


def bind_to(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` ends; returns at once."""
    thread = threading.Thread(target=_wait_for, args=(pid,), daemon=True, name="lifeline")
    thread.start()


def _wait_for(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # already gone
    except (AttributeError, OSError):  # no pidfd here: look now and then
        while _alive(pid):
            time.sleep(POLL_SECONDS)
        os._exit(1)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while not poller.poll():  # readable once the process has ended
        pass
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs: a zombie (ended, not yet reaped) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child process get SIGTERM when this one ends (Linux);
    None where the platform has no such signal."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def arm() -> None:
        # In the child, between fork and exec: the signal survives the exec. A parent that
        # died before it was armed is checked for at once.
        with contextlib.suppress(Exception):
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return arm
