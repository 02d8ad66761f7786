"""``newsdesk worker``: processes serving a site's queue, each with threads taking messages.

A process polls sources and takes items through the stages, leaving finished posts in the
state store; it never writes to the site folder (the site's ``run`` or ``watch`` does).
SIGTERM or SIGINT stops taking messages, lets the tasks in flight finish, and exits; the
processes of a multi-process worker end with their parent, however it ended.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from newsdesk.config import Config, load_config
from newsdesk.errors import ConfigError
from newsdesk.layout import Site
from newsdesk.lifeline import bind_to
from newsdesk.queue import require_fleet
from newsdesk.queue.broker import connect
from newsdesk.queue.tasks import WorkerRuntime
from newsdesk.store.urls import is_postgres_url

log = logging.getLogger("newsdesk")

STOP_TIMEOUT_MS = 600_000
"""How long a stopping worker waits for its tasks in flight (each is bounded by the fetch
timeouts; this is only the last resort)."""


def serve(
    site_dir: Path,
    cfg: Config | None = None,
    *,
    processes: int = 1,
    threads: int = 8,
    stop: threading.Event | None = None,
) -> None:
    """Serve the site's queue until ``stop`` is set (or SIGTERM/SIGINT arrives)."""
    require_fleet()
    cfg = cfg or load_config(site_dir)
    if not cfg.queue.url:
        raise ConfigError(
            'a worker needs a queue: set [queue] url = "redis://host:6379/0" in newsdesk.toml'
        )
    if not is_postgres_url(cfg.state.url):
        log.warning(
            "this worker keeps state in SQLite (%s): only workers on this machine share it;"
            ' a fleet on several machines needs [state] url = "postgresql://..."',
            cfg.state.url,
        )
    stop = stop or _stop_on_signals()
    if processes <= 1:
        _serve_here(site_dir, cfg, threads, stop)
        return
    spawn = multiprocessing.get_context("spawn")
    children: list[Any] = []
    try:
        for _ in range(processes):
            child = spawn.Process(
                target=_child, args=(str(site_dir), threads, os.getpid()), daemon=False
            )
            child.start()
            children.append(child)
        while not stop.wait(1.0):
            for index, child in enumerate(children):
                if not child.is_alive():  # killed (out of memory, say): start another
                    log.warning(
                        "worker process %s ended (%s): starting another", child.pid, child.exitcode
                    )
                    children[index] = spawn.Process(
                        target=_child, args=(str(site_dir), threads, os.getpid()), daemon=False
                    )
                    children[index].start()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: each finishes its tasks in flight
        for child in children:
            child.join(STOP_TIMEOUT_MS / 1000)
            if child.is_alive():
                child.kill()


def _child(site_dir: str, threads: int, parent: int) -> None:
    """One process of a multi-process worker. It ends the moment its parent ends, however
    (a parent stopped by SIGTERM stops it first, gracefully; one killed cannot): what it
    held is leased, and another worker takes it when the lease ends."""
    bind_to(parent)
    from newsdesk.logs import setup_logging

    setup_logging(1)
    _serve_here(Path(site_dir), load_config(Path(site_dir)), threads, _stop_on_signals())


def _serve_here(site_dir: Path, cfg: Config, threads: int, stop: threading.Event) -> None:
    site = Site(site_dir, cfg.posts.section)
    runtime = WorkerRuntime(site, cfg)
    actors = connect(
        cfg.queue, poll=runtime.poll, process=runtime.process, time_limit_s=cfg.queue.lease
    )
    runtime.actors = actors
    actors.broker.add_middleware(_CloseRuntime(runtime))
    worker = dramatiq.Worker(
        actors.broker, queues={cfg.queue.name}, worker_threads=threads, worker_timeout=1000
    )
    worker.start()
    loop = get_event_loop_thread()
    if loop is not None:
        loop.run_coroutine(runtime.start())
    log.info("worker %s serving queue %r with %d threads", runtime.name, cfg.queue.name, threads)
    try:
        stop.wait()
    finally:
        worker.stop(timeout=STOP_TIMEOUT_MS)
        actors.broker.close()


class _CloseRuntime(Middleware):
    """Closes the worker's connections on its event loop, after the last task and before
    Dramatiq stops the loop (added after the AsyncIO middleware, so it runs first)."""

    def __init__(self, runtime: WorkerRuntime):
        self.runtime = runtime

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop = get_event_loop_thread()
        if loop is not None:
            with contextlib.suppress(Exception):
                loop.run_coroutine(self.runtime.close())


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    return stop
