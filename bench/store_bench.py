"""Store benchmark: 24 h of 200 checks at a 10 s interval (1.728 M results) in SQLite.

Prints the insert rate (batches of 200, one transaction each, as the daemon
writes), the time to read one check's main-metric series, a JSON-metric series
and its rollups over 24 h, ``latest()`` over all checks, the same reads for
every check (what a report does), and the file size.

    .venv/bin/python bench/store_bench.py [--checks 200] [--hours 24] [--dir DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from watchdog.model import Result
from watchdog.status import Status
from watchdog.store.sqlite import SqliteStore

INTERVAL = 10.0
START = 1_714_521_600.0  # 2024-05-01T00:00:00Z


def batch(checks: int, ts: float, rng: random.Random) -> list[Result]:
    out = []
    for i in range(checks):
        ms = rng.lognormvariate(4.0, 0.4)
        status = Status.CRITICAL if ms > 200 else Status.WARNING if ms > 120 else Status.OK
        out.append(Result(
            check=f"check-{i:03d}", kind="http", status=status,
            summary=f"HTTP 200 in {ms:.0f} ms",
            metrics={"response_ms": ms, "status_code": 200.0, "body_bytes": 512.0,
                     "websocket.activeConnections": float(rng.randint(100, 900))},
            started=ts + i * INTERVAL / checks, duration_s=ms / 1000,
        ))
    return out


def timed(label: str, fn, repeat: int = 5) -> object:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<44} {best * 1000:8.1f} ms")
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    state_dir = Path(args.dir or tempfile.mkdtemp(prefix="store-bench-"))
    store = SqliteStore(state_dir)
    rng = random.Random(7)
    rounds = int(args.hours * 3600 / INTERVAL)
    mains = {f"check-{i:03d}": "response_ms" for i in range(args.checks)}
    t0 = time.perf_counter()
    for n in range(rounds):
        store.record_many(batch(args.checks, START + n * INTERVAL, rng), main_metrics=mains)
    elapsed = time.perf_counter() - t0
    total = rounds * args.checks
    print(f"inserted {total} results in {elapsed:.1f} s: {total / elapsed:,.0f} results/s, "
          f"{elapsed / rounds * 1000:.2f} ms per batch of {args.checks}")
    end = START + args.hours * 3600
    pts = timed("series(check, main metric, 24h)", lambda: store.series("check-042", "response_ms", START, end))
    print(f"  {len(pts)} points")
    timed("series(check, JSON metric, 24h)",
          lambda: store.series("check-042", "websocket.activeConnections", START, end))
    ups = timed("rollups(check, 24h)", lambda: store.rollups("check-042", START, end))
    print(f"  {len(ups)} rollups")
    timed("results(check, 24h) materialised", lambda: list(store.results("check-042", START, end)))
    timed("latest() over all checks", store.latest)
    timed(f"series(main) for all {args.checks} checks",
          lambda: [store.series(c, "response_ms", START, end) for c in mains], repeat=1)
    timed(f"rollups for all {args.checks} checks",
          lambda: [store.rollups(c, START, end) for c in mains], repeat=1)
    quarter = (end - START) / 4
    timed(f"totals, 4 segments x {args.checks} checks, main metric",
          lambda: [store.totals(c, START + k * quarter, START + (k + 1) * quarter, metrics=["response_ms"])
                   for c in mains for k in range(4)], repeat=1)
    timed(f"totals, 4 segments x {args.checks} checks, all metrics",
          lambda: [store.totals(c, START + k * quarter, START + (k + 1) * quarter)
                   for c in mains for k in range(4)], repeat=1)
    store.close()
    size = sum(p.stat().st_size for p in state_dir.iterdir())
    print(f"database size: {size / 1e6:.0f} MB ({size / total:.0f} bytes/result) in {state_dir}")


if __name__ == "__main__":
    main()
