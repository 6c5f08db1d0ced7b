"""Leak loop: N runs of one ``socketio-broadcast`` check against two real replicas; fds, RSS and tasks.

    .venv/bin/python bench/socketio_leak.py [--runs 1000] [--clients 5] [--every 100]

The check is built once and run N times, as the daemon runs it (the same instance, the
same shared HTTP client). Every ``--every`` runs it prints the open file descriptors,
the resident memory (VmRSS), the asyncio tasks alive besides the loop's own, and the
statuses so far; at the end, the growth of each from the first printed line (after a
warm-up of ``--every`` runs: imports, the shared client's first connection, caches).
tests/test_check_socketio_broadcast.py runs a short version of this in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from socketio_bench import checks  # noqa: E402
from tests.support.socketio_server import TOKEN, Replicas, started_pair  # noqa: E402
from watchdog.config import from_document  # noqa: E402
from watchdog.runner import build, context_for  # noqa: E402


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def loop(replicas: Replicas, runs: int, clients: int, every: int) -> list[tuple[int, int, float, int]]:
    config = from_document({"checks": {"cross": checks(replicas, clients)["cross"]}}, env={"SIO_TOKEN": TOKEN})
    context = context_for(config)
    [check] = build(config, ["cross"], context)
    statuses: Counter[str] = Counter()
    rows: list[tuple[int, int, float, int]] = []
    lap = time.perf_counter()
    for run in range(1, runs + 1):
        statuses[(await check.run()).status.name] += 1
        if run % every == 0:
            gc.collect()
            tasks = len(asyncio.all_tasks()) - 1
            rows.append((run, fds(), rss_mb(), tasks))
            print(f"run {run:>5}: fds {rows[-1][1]:>4}  rss {rows[-1][2]:7.1f} MB  tasks {tasks:>3}  "
                  f"{dict(statuses)}  {(time.perf_counter() - lap) / every * 1000:.1f} ms/run", flush=True)
            lap = time.perf_counter()
    await context.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        redis, replicas = started_pair(Path(directory))
        try:
            rows = asyncio.run(loop(replicas, args.runs, args.clients, args.every))
        finally:
            replicas.stop()
            redis.stop()
    first, last = rows[0], rows[-1]
    print(f"from run {first[0]} to run {last[0]} ({args.clients} clients each): fds {last[1] - first[1]:+d}, "
          f"rss {last[2] - first[2]:+.1f} MB, tasks {last[3] - first[3]:+d}")


if __name__ == "__main__":
    main()
