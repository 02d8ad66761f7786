"""Processes that end with the process they work for.

A run killed with SIGKILL (a ``timeout -s KILL`` wrapper, the OOM killer, a container stop)
gets no chance to stop its children. Each child therefore watches its parent itself:

- the extraction pool's fork server and each of its workers run a thread that waits on a
  pidfd of the run's process (a poll of the pid where pidfds are missing) and ends its
  process the moment the run's ends (``bind_to``); multiprocessing's resource tracker then
  sees its pipe close and ends too;
- Hugo, Pagefind and ``hugo server`` get a parent-death signal (Linux ``PR_SET_PDEATHSIG``,
  ``die_with_parent``): SIGTERM, as a stop would send them.

SIGTERM and SIGINT are untouched: the run stops its children in order, as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable

PARENT_ENV = "NEWSDESK_LIFELINE_PARENT"
"""Set for the fork server: the pid of the process that started it, which it watches."""
POLL_SECONDS = 0.5
"""How often a parent's pid is checked where the kernel gives no pidfd."""
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
    except (AttributeError, OSError):  # not Linux 5.3+: look now and then
        while _alive(pid):
            time.sleep(POLL_SECONDS)
        os._exit(1)
    select.select([fd], [], [])  # readable once the process has ended
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_fork_server_parent() -> None:
    """Tell a fork server started from now on which process it works for."""
    os.environ[PARENT_ENV] = str(os.getpid())


def bind_fork_server() -> None:
    """In the fork server (imported by its preload): watch the process that started it. Any
    other process that imports this is left alone."""
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit() and os.getppid() == int(parent) != os.getpid():
        bind_to(int(parent))


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child process get SIGTERM when this one ends (Linux);
    None where the platform has no such signal."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
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
