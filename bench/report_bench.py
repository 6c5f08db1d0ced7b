"""Report benchmark: the 24 h checkpoint report and the daily report over 1.7 M stored results.

A SQLite store holds 24 hours of 200 checks at a 10 s interval (8,640 results
each, 1,728,000 in all): 150 HTTP checks (response_ms; 5 also report
heap_used_mb), 30 Redis checks (latency_ms; 5 with used_memory_mb), 20 log
checks (p95_ms), an incident on 3 checks, a deploy. A monitoring window with
the seeds' five acceptance criteria covers the day.

Each build runs in a fresh child process, so its peak RSS is the build's own
(filling the store happens in another process). Targets: < 3 s, < 300 MB.

    .venv/bin/python bench/report_bench.py [--dir DIR] [--checks 200] [--hours 24]

``--dir`` keeps the filled store for the next run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INTERVAL = 10.0
START = 1_760_339_430.0  # 2025-10-13 07:10:30 UTC, the deploy
H = 3600.0


def kind_of(i: int) -> tuple[str, str]:
    if i < 150:
        return "http", "response_ms"
    if i < 180:
        return "redis", "latency_ms"
    return "log-latency", "p95_ms"


def name_of(i: int) -> str:
    return "health" if i == 0 else f"{kind_of(i)[0]}-{i:03d}"


def fill(state_dir: Path, checks: int, hours: float) -> int:
    from watchdog.model import Result
    from watchdog.status import Status
    from watchdog.store.base import Event
    from watchdog.store.sqlite import SqliteStore

    store, rng = SqliteStore(state_dir), random.Random(7)
    mains = {name_of(i): kind_of(i)[1] for i in range(checks)}
    rounds = int(hours * H / INTERVAL)
    for r in range(rounds):
        ts, batch = START + r * INTERVAL, []
        bad = 7 * H <= r * INTERVAL < 7 * H + 1200
        for i in range(checks):
            kind, metric = kind_of(i)
            value = rng.lognormvariate(4.0, 0.4) * (20 if bad and i < 3 else 1)
            metrics = {metric: value}
            if kind == "http" and i < 5:
                metrics["heap_used_mb"] = 80 + 0.5 * r * INTERVAL / H + rng.random()
            if kind == "redis" and i < 155:
                metrics["used_memory_mb"] = 10 + rng.random()
            status = Status.CRITICAL if value > 500 else Status.WARNING if value > 200 else Status.OK
            batch.append(Result(name_of(i), kind, status, f"{metric} {value:.0f}", metrics,
                                started=ts + i * INTERVAL / checks))
        store.record_many(batch, main_metrics=mains)
    store.add_event(Event("deploy", START, "health", "uptime_s went down from 1d to 3m33s"))
    for i in range(3):
        store.add_event(Event("alert.fired", START + 7 * H + 30, name_of(i), "slow", {"severity": "CRITICAL"}))
        store.add_event(Event("alert.resolved", START + 7 * H + 1230, name_of(i), "ok", {"severity": "CRITICAL"}))
    store.close()
    return rounds * checks


def build(state_dir: Path, which: str, checks: int, hours: float) -> dict[str, float]:
    from watchdog.reports.build import CheckInfo, build_checkpoint
    from watchdog.reports.criteria import parse_criterion
    from watchdog.reports.daily import build_daily
    from watchdog.reports.render_html import render_checkpoint, render_daily
    from watchdog.store.base import WindowState
    from watchdog.store.sqlite import SqliteStore

    store = SqliteStore(state_dir)
    infos = {name_of(i): CheckInfo(name_of(i), kind_of(i)[0], kind_of(i)[1], warning=200.0, critical=500.0)
             for i in range(checks)}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    if which == "checkpoint":
        exprs = ["log-latency-190.p95_ms.max < 5000", "alerts.critical == 0", "health.availability_pct >= 99.5",
                 "health.heap_used_mb.growth_per_h < 5", "restarts == 0"]
        criteria = tuple(parse_criterion(e, checks=set(infos)) for e in exprs)
        duration = hours * H
        window = WindowState("bench", "Benchmark window", START, duration, tuple(duration * k / 4 for k in (1, 2, 3, 4)))
        from watchdog.reports.config import WindowSpec

        spec = WindowSpec("bench", "Benchmark window", None, duration, window.checkpoints_s, (), criteria)
        report = build_checkpoint(store, window, infos, checkpoint_s=duration, now=START + duration, spec=spec)
        built = time.perf_counter() - t0
        html = render_checkpoint(report)
        results = report.summary.results
    else:
        report = build_daily(store, infos, now=START + 2 * 86400, date="2025-10-13")
        built = time.perf_counter() - t0
        html = render_daily(report)
        results = report.summary.results
    total = time.perf_counter() - t0
    store.close()
    return {"results": results, "build_s": built, "with_html_s": total, "html_kb": len(html) / 1024,
            "rss_before_mb": rss_before, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default=None, help="state dir to fill (kept) or reuse")
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--child", choices=("fill", "checkpoint", "daily"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "fill":
        print(json.dumps({"rows": fill(Path(args.dir), args.checks, args.hours)}))
        return
    if args.child:
        print(json.dumps(build(Path(args.dir), args.child, args.checks, args.hours)))
        return
    state_dir = Path(args.dir or tempfile.mkdtemp(prefix="report-bench-"))
    common = ["--dir", str(state_dir), "--checks", str(args.checks), "--hours", str(args.hours)]
    if not (state_dir / "watchdog.sqlite3").exists():
        t0 = time.perf_counter()
        rows = json.loads(child("fill", common))["rows"]
        print(f"filled {rows:,} results in {time.perf_counter() - t0:.1f} s ({state_dir})")
    for which, label in (("checkpoint", "24h checkpoint report"), ("daily", "daily report")):
        r = json.loads(child(which, common))
        print(f"{label:<22} {int(r['results']):>10,} results  build {r['build_s']:.2f} s  "
              f"(+HTML {r['with_html_s']:.2f} s, {r['html_kb']:.0f} KB)  "
              f"peak RSS {r['peak_rss_mb']:.0f} MB (after imports {r['rss_before_mb']:.0f} MB)")


def child(which: str, common: list[str]) -> str:
    out = subprocess.run([sys.executable, __file__, "--child", which, *common], check=True,
                         capture_output=True, text=True)
    return out.stdout


if __name__ == "__main__":
    main()
