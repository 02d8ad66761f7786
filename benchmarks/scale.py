"""A fleet's throughput: the same corpus through 1, 2 and 4 `newsdesk worker` processes on a
Redis queue over PostgreSQL, against the in-process `newsdesk run`.

    .venv/bin/python benchmarks/scale.py                    # 960 articles, 16 hosts
    .venv/bin/python benchmarks/scale.py --articles 480 --concurrency 2 --latencies 0.15

Two servers for the same pages (from ../shared/corpus, as in benchmarks/pipeline.py), spread
over many loopback hosts 127.0.0.x so that politeness is not the limit: one adds 150 ms to
every answer (I/O-bound: the web's round trips), one answers at once (CPU-bound: extraction).
Every worker has the same fixed concurrency (``[fetch] concurrency = --concurrency``, twice
as many messages at once, one extracting thread); the in-process run gets the same
concurrency and one extracting thread, so that one worker and one run do the same work. The
default concurrency of 1 keeps the I/O-bound case I/O-bound on 2 cores: four workers at 2
would need more CPU than the machine has. Redis and PostgreSQL are throwaway servers started here
(from the Debian packages `redis-server` and `postgresql`).

Prints, per server: articles/s for the run and for 1, 2, 4 workers, the speed-up per worker
count, and the queued path's overhead on one worker; then one line per measurement:

    RESULT latency_ms=L workers=W articles_per_s=R speedup=S
    RESULT latency_ms=L overhead_one_worker=O
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import PostgresServer, _pg_bin, start_redis  # noqa: E402

from pipeline import build_world, corpus_pages, host_base  # noqa: E402


def _serve(root: Path, hosts: int, latency: float) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("corpus_server.py")), str(root), "0",
         str(hosts), str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def _site(folder: Path, sources: int, port: int, hosts: int, threads: int, state: str,
          queue: str) -> Path:  # fmt: skip
    folder.mkdir(parents=True)
    lines = [
        "[fetch]",
        f"concurrency = {threads}",
        "per_host = 4",
        "min_delay = 0",
        "allow_private = true",
        "[extract]",
        "workers = 1",
        "[state]",
        f'url = "{state}"',
        "[queue]",
        f'url = "{queue}"',
    ]
    for s in range(sources):
        kind = ("rss", "atom", "json", "rdf")[s % 4]
        lines += [
            "[[sources]]",
            f'name = "S{s}"',
            f'url = "{host_base(port, s, hosts)}/f{s}.{kind}"',
        ]
    (folder / "newsdesk.toml").write_text("\n".join(lines) + "\n")
    return folder


def _run(site: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "run", "--site", str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    if done.returncode:
        sys.exit(f"newsdesk run failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def _workers(site: Path, count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        with (logs / f"worker-{count}-{n}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "newsdesk", "worker", "--site", str(site),
                     "--processes", "1"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )  # fmt: skip
    return procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=960, help="articles in all")
    parser.add_argument("--sources", type=int, default=16)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="[fetch] concurrency of each worker and run"
    )
    parser.add_argument("--latency", type=float, default=0.15, help="seconds, I/O-bound server")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latencies", default="", help="e.g. 0.15,0 (default: --latency, 0)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    per_source = max(1, args.articles // args.sources)
    total = per_source * args.sources
    pages = corpus_pages(total)
    pg_bin = _pg_bin()
    if pg_bin is None or shutil.which("redis-server") is None:
        sys.exit("needs initdb, pg_ctl and redis-server: apt-get install postgresql redis-server")
    with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as scratch:
        root = Path(scratch)
        postgres = PostgresServer(pg_bin)
        redis = start_redis(root)
        try:
            latencies = (
                [float(x) for x in args.latencies.split(",")]
                if args.latencies
                else [
                    args.latency,
                    0.0,
                ]
            )
            for latency in latencies:
                world = root / f"world-{latency}"
                world.mkdir()
                server, port = _serve(world, args.hosts, latency)
                build_world(world, args.sources, per_source, pages, port, args.hosts)
                rates: dict[int, float] = {}
                try:
                    # The in-process run: same concurrency, one extracting thread, no queue.
                    site = _site(root / f"inproc-{latency}", args.sources, port, args.hosts,
                                 args.concurrency, postgres.create_database(), "")  # fmt: skip
                    base = total / _run(site)
                    for count in counts:
                        redis.restart()
                        site = _site(root / f"fleet-{latency}-{count}", args.sources, port,
                                     args.hosts, args.concurrency, postgres.create_database(),
                                     redis.url)  # fmt: skip
                        procs = _workers(site, count, root)
                        try:
                            rates[count] = total / _run(site)
                        finally:
                            _stop(procs)
                finally:
                    server.terminate()
                    server.wait()
                kind = "I/O-bound" if latency else "CPU-bound"
                print(f"{kind} ({latency * 1000:.0f} ms per answer), {total} articles, "
                      f"{args.concurrency} at once per worker")  # fmt: skip
                print(f"  in-process run: {base:7.1f} articles/s")
                one = rates[counts[0]]
                for count, rate in rates.items():
                    print(f"  {count} worker(s):   {rate:7.1f} articles/s  x{rate / one:.2f}")
                overhead = base / rates[1] - 1 if 1 in rates else float("nan")
                print(f"  queued path on one worker: {overhead * 100:+.1f}% time vs in-process")
                for count, rate in rates.items():
                    print(f"RESULT latency_ms={latency * 1000:.0f} workers={count} "
                          f"articles_per_s={rate:.2f} speedup={rate / one:.2f}")  # fmt: skip
                print(f"RESULT latency_ms={latency * 1000:.0f} overhead_one_worker={overhead:.3f}")
        finally:
            redis.stop()
            postgres.close()


if __name__ == "__main__":
    main()
