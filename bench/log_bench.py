"""Benchmark: a Railway-like log through the full log path, next to ``grep -c -E``.

    .venv/bin/python bench/log_bench.py [--lines 2000000] [--repeat 1] [--keep FILE]

Writes a log of ``--lines`` lines (JSON lines and emoji lines, ~1 % errors,
trade/signal pairs, disconnects, heartbeats, alerts), then reads it through a
pipe from a child process (``cat``, as ``railway logs`` would write it) and
through the whole path - command source -> framer -> matcher -> window state ->
the 8 patterns of the example's log checks -> Results - exactly as
``watchdog logs scan`` does. ``--repeat N`` has the child write the file N
times (``--lines 2000000 --repeat 5`` is the 10-million-line memory run).

Prints lines/s and MB/s (wall clock and per CPU second of this process, since
the machine may be shared), the same file through a bare pipe read (no
matching) and through ``grep -c -E`` with the combined pattern, the ratio to
grep, 8 separate ``grep -c`` passes, the checks' results and the peak RSS.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHECKS = {
    "signal-latency": {"type": "log-latency", "start": r"Broadcasting trade:executed for user (?P<user>\S+)",
                       "end": r"Emitted signal quality to user (?P<user>\S+)", "key": "user",
                       "window": "15m", "timeout": "30s", "critical": ["p95_ms > 500"]},
    "ws-drops": {"type": "log-rate", "match": "WebSocket disconnected", "window": "1m", "critical": ["count > 5"]},
    "error-rate": {"type": "log-ratio", "match": r"(?i)\berror\b|failed", "window": "5m",
                   "warning": ["ratio_pct > 1"], "critical": ["ratio_pct > 5"]},
    "heartbeat": {"type": "log-absence", "match": "Heartbeat", "within": "5m"},
    "app-alerts": {"type": "log-match", "match": "🚨 ALERT: (?P<what>.*)", "severity": "critical"},
    "redis-errors": {"type": "log-rate", "match": r"Redis (?:connection )?(?:error|lost)", "window": "5m",
                     "warning": ["count > 0"]},
    "json-errors": {"type": "log-ratio", "field": "level", "match": "^(?:error|fatal)$", "window": "5m",
                    "critical": ["ratio_pct > 5"]},
}
#: the same 8 patterns for grep (ERE; \S and \b are GNU extensions grep -E accepts)
GREP = [r"Broadcasting trade:executed for user \S+", r"Emitted signal quality to user \S+",
        "WebSocket disconnected", r"\b[Ee][Rr][Rr][Oo][Rr]\b|[Ff][Aa][Ii][Ll][Ee][Dd]", "Heartbeat",
        "🚨 ALERT: .*", "Redis (connection )?(error|lost)", '"level": ?"(error|fatal)"']


def write_log(path: Path, lines: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    ts = "2026-11-29T12:{:02d}:{:02d}.{:03d}Z"
    kinds = [
        (30.0, lambda i: f"GET /api/trades?page={i % 40} 200 {rnd.randint(3, 90)}ms"),
        (27.0, lambda i: json.dumps({"timestamp": ts.format(i // 60000 % 60, i // 1000 % 60, i % 1000),
                                     "level": "info", "msg": "request handled", "ms": i % 97,
                                     "path": "/api/providers/leaderboard"})),
        (25.0, lambda i: f"[socket.io] user:{i % 3000} joined room trades (replica {i % 2})"),
        (2.0, lambda i: f"📡 Broadcasting trade:executed for user u{i % 5000}"),
        (10.0, lambda i: f"✅ Signal quality analyzed: smartMoney={i % 7} rareInformation={i % 3} tier=HIGH"),
        (0.5, lambda i: f"❌ WebSocket disconnected: socket {i:x} (transport close)"),
        (0.2, lambda i: f"💓 Heartbeat replica={i % 2} uptime={i}s connections={i % 900}"),
        (0.05, lambda i: "🚨 ALERT: High WebSocket latency detected (p95 812ms)"),
        (0.6, lambda i: json.dumps({"timestamp": ts.format(0, 0, 0), "level": "error",
                                    "msg": "Error: provider request failed", "provider": "tradier"})),
        (0.3, lambda i: "⚠️ Redis connection lost, retrying in 1000ms"),
        (0.1, lambda i: "\x1b[31mERROR\x1b[0m order sync failed for account a1"),
    ]
    weights = [w for w, _ in kinds]
    makers = [m for _, m in kinds]
    ends: dict[int, list[str]] = {}  # line number -> signal lines due there
    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for i in range(lines):
            line = ends.pop(i, None) or [rnd.choices(makers, weights)[0](i)]
            batch.append(line.pop())
            if line:
                ends.setdefault(i + 1, []).extend(line)
            if batch[-1].startswith("📡 Broadcasting") and rnd.random() > 0.01:  # 1 % of ends never come
                user = batch[-1].rsplit(" ", 1)[1]
                ends.setdefault(i + rnd.randint(3, 400), []).append(
                    f"📡 Emitted signal quality to user {user} for trade t{i}")
            if len(batch) == 50_000:
                out.write("\n".join(batch) + "\n")
                batch = []
        out.write("\n".join(batch) + "\n" if batch else "")


async def full_path(path: Path, repeat: int) -> tuple[float, float, list[object], dict[str, object]]:
    from watchdog import runner
    from watchdog.config import from_document

    document = {"sources": {"railway": {"command": ["cat"] + [str(path)] * repeat}},
                "checks": {name: {"source": "railway", **body} for name, body in CHECKS.items()}}
    config = from_document(document, file="bench.toml")
    context = runner.context_for(config, logs_to_end=True)
    checks = runner.build(config, list(config.checks), context)
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = await runner.run_checks(checks)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    status = {n: s.to_dict() for n, s in context.logs.source_status().items()}
    await context.aclose()
    return wall, cpu, results, status


async def bare_pipe(path: Path, repeat: int) -> tuple[float, int]:
    from watchdog.logs.lines import LineFramer
    from watchdog.logs.sources import CHUNK

    proc = await asyncio.create_subprocess_exec("cat", *[str(path)] * repeat,
                                                stdout=asyncio.subprocess.PIPE, limit=CHUNK)
    framer, lines, t0 = LineFramer(), 0, time.perf_counter()
    assert proc.stdout is not None
    while chunk := await proc.stdout.read(CHUNK):
        lines += framer.feed(chunk).count(b"\n")
    await proc.wait()
    return time.perf_counter() - t0, lines


def grep_time(args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="the child writes the file this many times")
    parser.add_argument("--keep", help="write/reuse the log at this path")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="log-bench-")
    path = Path(args.keep or os.path.join(tmp, "railway.log"))
    try:
        if not path.exists():
            t0 = time.perf_counter()
            write_log(path, args.lines)
            print(f"wrote {args.lines:,} lines ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        report(path, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(path: Path, repeat: int) -> None:
    size = path.stat().st_size * repeat
    pipe_s, lines = asyncio.run(bare_pipe(path, repeat))
    wall, cpu, results, status = asyncio.run(full_path(path, repeat))
    combined = "|".join(f"({p})" for p in GREP)
    grep_s, grep_count = grep_time(["grep", "-c", "-E", combined, str(path)])
    grep_s *= repeat  # the same file again
    passes = [grep_time(["grep", "-c", "-E", p, str(path)]) for p in GREP]
    eight_s = sum(t for t, _ in passes) * repeat
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"lines: {lines:,} ({size / 1e6:.0f} MB) through a pipe from `cat`")
    print(f"bare pipe read + framing : {lines / pipe_s / 1e6:6.2f} M lines/s  {size / pipe_s / 1e6:7.1f} MB/s")
    print(f"full path, 8 patterns    : {lines / wall / 1e6:6.2f} M lines/s  {size / wall / 1e6:7.1f} MB/s  (wall {wall:.2f}s)")
    print(f"  per CPU second         : {lines / cpu / 1e6:6.2f} M lines/s  (cpu {cpu:.2f}s of this process)")
    print(f"grep -c -E combined      : {lines / grep_s / 1e6:6.2f} M lines/s  ({grep_s:.2f}s, matching lines {int(grep_count or 0) * repeat:,})")
    print(f"grep, 8 separate passes  : {lines / eight_s / 1e6:6.2f} M lines/s  ({eight_s:.2f}s)")
    print(f"ratio full path / grep combined: {grep_s / wall:.2f}   / 8 grep passes: {eight_s / wall:.2f}")
    print(f"peak RSS: {rss_mb:.0f} MB")
    print("source:", json.dumps({k: {x: v[x] for x in ("state", "lines", "bytes", "restarts", "last_error")}
                                 for k, v in status.items()}))
    for r in results:
        print(f"  {r.check:15} {r.status.name:8} {r.summary}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
