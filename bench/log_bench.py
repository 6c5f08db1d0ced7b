"""Benchmark: the log path on the three mixes of issue 15, next to grep and ripgrep, in one table.

    .venv/bin/python bench/log_bench.py [--lines 2000000] [--runs 3] [--mixes abc] [--dir DIR] [--repeat 1]
                                        [--compare OTHER/.venv/bin/watchdog]

For each mix (bench/log_mixes.py: a Railway-like, b JSON-heavy, c dense with a
raw-text JSON rule; generated and seeded, kept in ``--dir`` for the next run)
it times, ``--runs`` times in turn, and prints the medians:

* ``watchdog logs scan -c CONFIG FILE``: the whole process reading the file;
* ``watchdog logs scan -c CONFIG railway``: the whole process, the command
  source ``cat FILE`` through a pipe (``--repeat N``: the child writes the file
  N times; ``--lines 2000000 --repeat 5`` is the 10-million-line memory run);
* the daemon's live path: a child process whose hub runs the command source in
  live mode, timed from ``hub.start()`` to the last line read (no start-up);
* ``LC_ALL=C grep -c -E``, ``LC_ALL=C.UTF-8 grep -c -E`` with the 8 patterns
  combined, and ``rg -c`` (ASCII ``\\b``) when ripgrep is installed;

then lines/s (wall clock, and per CPU second of that process: the figure a
shared machine disturbs least), the ratio of each wall figure to ``LC_ALL=C``
grep, the peak RSS of each watchdog process and the checks' summaries (the
same counts whatever the path). The machine may be shared: compare the ratios of one run.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import log_mixes  # noqa: E402

WATCHDOG = str(Path(sys.executable).with_name("watchdog"))


def write_config(directory: Path, mix: str, log: Path, repeat: int) -> Path:
    lines = ["[sources.railway]", f"command = {json.dumps(['cat'] + [str(log)] * repeat)}"]
    for name, body in log_mixes.checks_for(mix).items():
        lines += [f"[checks.{name}]", 'source = "railway"']
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in body.items()]
    path = directory / f"bench-{mix}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(argv: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MB; GNU time's: a child forked from this process
    would count this process's pages until it execs) and stdout of one process."""
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *argv], capture_output=True, check=False)
    wall = time.perf_counter() - t0
    peak, user, system = done.stderr.decode().strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(peak) / 1024, done.stdout.decode("utf-8", "replace")


def greps(mix: str, log: Path) -> dict[str, list[str]]:
    combined = "|".join(f"({p})" for p in log_mixes.grep_patterns(mix))
    tools = {"grep -E, LC_ALL=C": ["env", "LC_ALL=C", "grep", "-c", "-E", combined, str(log)],
             "grep -E, C.UTF-8": ["env", "LC_ALL=C.UTF-8", "grep", "-c", "-E", combined, str(log)]}
    if shutil.which("rg"):
        tools["rg (ASCII \\b)"] = ["rg", "-c", combined.replace(r"\b", r"(?-u:\b)"), str(log)]
    return tools


async def live_path(config: Path, lines: int) -> dict[str, object]:
    """In a child: the daemon's way - hub started live, checks run once after the last line."""
    from watchdog import runner
    from watchdog.config import load

    cfg = load(config)
    context = runner.context_for(cfg)
    checks = runner.build(cfg, list(cfg.checks), context)
    hub = context.logs
    cpu0, t0 = time.process_time(), time.perf_counter()
    await hub.start()
    status = hub.source_status()["railway"]
    while status.lines < lines:
        await asyncio.sleep(0.005)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    results = await runner.run_checks(checks)
    await context.aclose()
    return {"wall": wall, "cpu": cpu, "lines": status.lines,
            "summaries": {r.check: r.summary for r in results}}


def run_mix(mix: str, log: Path, config: Path, runs: int, repeat: int, other: str | None) -> dict[str, object]:
    lines = sum(1 for _ in log.open("rb")) * repeat
    commands = {"scan FILE": [WATCHDOG, "logs", "scan", "-c", str(config), "-f", "json", str(log)],
                "scan via pipe": [WATCHDOG, "logs", "scan", "-c", str(config), "-f", "json", "railway"],
                "live path": [sys.executable, __file__, "--live-child", str(config), str(lines)]}
    if other:
        commands["other: scan FILE"] = [other, "logs", "scan", "-c", str(config), "-f", "json", str(log)]
    if repeat > 1:
        del commands["scan FILE"]
    commands.update({} if repeat > 1 else greps(mix, log))
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float] = {}
    outputs: dict[str, str] = {}
    for _ in range(runs):
        for name, argv in commands.items():
            wall, seconds, peak, out = timed(argv)
            if name == "live path":
                wall, seconds = json.loads(out)["wall"], json.loads(out)["cpu"]
            times[name].append(wall)
            cpu[name].append(seconds)
            rss[name] = max(rss.get(name, 0.0), peak)
            outputs[name] = out
    return {"lines": lines, "bytes": log.stat().st_size * repeat, "times": times, "cpu": cpu, "rss": rss,
            "outputs": outputs, "commands": commands}


def report(mix: str, found: dict[str, object]) -> None:
    lines = found["lines"]
    times: dict[str, list[float]] = found["times"]  # type: ignore[assignment]
    cpu: dict[str, list[float]] = found["cpu"]  # type: ignore[assignment]
    rss: dict[str, float] = found["rss"]  # type: ignore[assignment]
    base = statistics.median(times.get("grep -E, LC_ALL=C", [float("nan")]))
    print(f"\nmix {mix}: {lines:,} lines, {found['bytes'] / 1e6:.0f} MB ({len(next(iter(times.values())))} runs, medians)")
    print(f"  {'path':22} {'M lines/s':>10} {'seconds':>8} {'/ C grep':>9} {'per CPU s':>10} {'peak RSS':>9}  (all runs)")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = base / median if base == base else float("nan")
        per_cpu = lines / statistics.median(cpu[name]) / 1e6
        memory = f"{rss[name]:6.0f} MB" if "scan" in name or name == "live path" else ""
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"  {name:22} {lines / median / 1e6:10.2f} {median:8.2f} {ratio:9.2f} {per_cpu:10.2f} {memory:>9}  ({runs})")
    print_results(found["outputs"])  # type: ignore[arg-type]


def print_results(outputs: dict[str, str]) -> None:
    scan = outputs.get("scan FILE") or outputs.get("scan via pipe") or "{}"
    live = json.loads(outputs.get("live path") or "{}").get("summaries", {})
    for result in json.loads(scan).get("results", []):
        print(f"  {result['check']:15} {result['status']:8} {result['summary']}")
        if result["check"] in live:
            print(f"  {'':15} {'live':8} {live[result['check']]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (medians)")
    parser.add_argument("--mixes", default="abc")
    parser.add_argument("--repeat", type=int, default=1, help="the pipe's child writes the file this many times")
    parser.add_argument("--dir", help="where the generated logs are kept (default: a temporary directory)")
    parser.add_argument("--compare", metavar="WATCHDOG", help="another watchdog executable: its logs scan FILE too")
    parser.add_argument("--live-child", nargs=2, metavar=("CONFIG", "LINES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.live_child:
        print(json.dumps(asyncio.run(live_path(Path(args.live_child[0]), int(args.live_child[1])))))
        return
    directory = Path(args.dir or tempfile.mkdtemp(prefix="log-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared: compare ratios)")
    try:
        for mix in args.mixes:
            log = directory / f"mix-{mix}-{args.lines}.log"
            if not log.exists():
                log_mixes.write_mix(log, mix, args.lines)
            config = write_config(directory, mix, log, args.repeat)
            found = run_mix(mix, log, config, args.runs, args.repeat, args.compare)
            report(mix, found)
            for name, argv in found["commands"].items():  # type: ignore[attr-defined]
                print(f"  $ {' '.join(argv)}" if name != "live path" else f"  $ (live) {' '.join(argv)}")
    finally:
        if not args.dir:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
