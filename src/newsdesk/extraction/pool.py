"""Where extraction runs: one thread for a small run, processes once the run is big enough
to pay for starting them (extraction is CPU-bound)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from newsdesk.errors import FetchError
from newsdesk.lifeline import bind_to

log = logging.getLogger("newsdesk")
T = TypeVar("T")


class WorkerDied(FetchError):
    """The extraction process died while working on a page (out of memory, a parser crash):
    a passing failure of the page, tried again in a later run like a timeout."""


class ExtractionPool:
    """Runs extraction tasks. It starts with one thread and moves to processes as soon as
    ``expected()`` (the items the run knows of) reaches four per worker. When a worker process
    dies the pool is broken for every item; it is replaced and the page tried once more, so
    one page that kills a worker costs only that page a try."""

    def __init__(
        self,
        workers: int,
        expected: Callable[[], int],
        on_grow: Callable[[], None] | None = None,
    ):
        self._workers = workers
        self._expected = expected
        self._on_grow = on_grow
        self._growing = False
        self.executor: Executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        self._retired: list[Executor] = []

    async def _grow(self) -> None:
        """Move to processes once the run is big enough. The fork server and the workers
        start in a thread (importing the extractors takes a second), so polls and fetches
        go on meanwhile; only the page that asked for them waits, the others keep going to
        the thread until the processes are up."""
        if self._growing or self._workers < 2 or self._expected() < 4 * self._workers:
            return
        self._growing = True
        if self._on_grow is not None:
            self._on_grow()
        for attempt in (1, 2):  # a worker killed while starting (out of memory) gets one more
            pool = _process_pool(self._workers)
            try:
                await asyncio.to_thread(_start, pool, self._workers)
            except (BrokenExecutor, OSError, RuntimeError) as exc:
                _reap(pool)
                pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 1:
                    log.warning("an extraction process died; starting new ones")
                else:
                    log.warning("extraction stays in one thread: no worker process (%s)", exc)
                continue
            self._retired.append(self.executor)  # it finishes what it holds
            self.executor = pool
            return

    async def run(self, task: partial[T]) -> T:
        """Run ``task`` (an extraction, or the cleaning of an image) in the pool."""
        await self._grow()
        loop = asyncio.get_running_loop()
        breaks = 0  # pools that broke while this page was in them
        for _ in range(6):  # a bound, for pools that fail even to take the page
            executor = self.executor
            try:
                # A submit that fails says the pool is broken or closing (its pipes may be
                # closed before it says "broken"): never the page's doing.
                future = loop.run_in_executor(executor, task)
            except (BrokenExecutor, RuntimeError, OSError):
                self._replace(executor)
                continue
            try:
                return await future
            except BrokenExecutor:
                self._replace(executor)
                breaks += 1
                if breaks == 2:
                    break
        raise WorkerDied(
            "the extraction process died on this page (out of memory, or a crash in a parser)",
            transient=True,
        )

    def _replace(self, broken: Executor) -> None:
        """A new pool in place of ``broken``, unless another item has replaced it already."""
        if broken is not self.executor:
            return
        log.warning("an extraction process died; starting new ones")
        _reap(broken)  # before shutdown(), which forgets the processes
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = _process_pool(self._workers)

    def close(self) -> None:
        """Stop the workers."""
        for executor in (*self._retired, self.executor):
            executor.shutdown()


def pool_size(configured: int) -> int:
    """Extraction workers: ``[extract] workers``, or one per CPU."""
    return configured or os.cpu_count() or 1


def _ready() -> bool:
    return True


def _start(pool: Executor, workers: int) -> None:
    """Start the pool's processes (one task each) and wait until they answer."""
    for future in [pool.submit(_ready) for _ in range(workers)]:
        future.result()


def _process_pool(workers: int) -> Executor:
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the extractors once; workers fork from it ready to go. Every
    # worker ends when this process ends, however it ends (lifeline.py), and the fork server
    # with its last user.
    context.set_forkserver_preload(["newsdesk.extraction"])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=bind_to, initargs=(os.getpid(),)
    )


def _reap(executor: Executor) -> None:
    """Kill what is left of a broken process pool. CPython may start a worker into a pool
    while it breaks; nothing stops that worker, and the pool's thread waits for it at exit,
    holding the run forever."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
