"""Benchmark: what one ``watchdog check`` of one HTTP check costs, next to the tools it replaces.

    .venv/bin/python bench/check_start.py [--runs 5] [--compare OTHER/.venv/bin/watchdog]

Starts a local HTTP server (a child process), writes a config with one
``http`` check against it, then runs in turn, ``--runs`` times each
(alternating, so a busy moment hits every command alike):

* ``watchdog check -c CONFIG -f nagios`` (the whole process);
* ``python -c 'import httpx'`` (the floor of any Python HTTP check);
* ``check_http -H 127.0.0.1 -p PORT -u /health`` when monitoring-plugins is
  installed (/usr/lib/nagios/plugins/check_http);

and prints each one's median wall time and peak RSS, and the ratio of
watchdog to ``import httpx`` (the target is at most 2x and under 35 MB).
The machine may be shared: the ratio within one run is the figure to read.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_bench import free_port, started  # noqa: E402

PY = sys.executable
WATCHDOG = str(Path(PY).with_name("watchdog"))
CHECK_HTTP = "/usr/lib/nagios/plugins/check_http"


def measure(argv: list[str]) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MB, exit code and CPU seconds of one run (output discarded).

    The RSS is GNU time's (``/usr/bin/time -f %M``): a child forked from this Python
    process would count this process's pages until it execs."""
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - t0
    peak, user, system = done.stderr.strip().splitlines()[-1].split()
    return wall, int(peak) / 1024, done.returncode, float(user) + float(system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", metavar="WATCHDOG", help="another watchdog executable (another checkout's) in the same runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "health").write_text('{"status":"healthy"}')
        server, port = start_server(tmp)
        try:
            config = Path(tmp) / "watchdog.toml"
            config.write_text(f'[checks.api]\ntype = "http"\nurl = "http://127.0.0.1:{port}/health"\n'
                              'warning = ["response_ms > 500"]\n')
            commands = {"watchdog check -f nagios": [WATCHDOG, "check", "-c", str(config), "-f", "nagios"],
                        "python -c 'import httpx'": [PY, "-c", "import httpx"]}
            if args.compare:
                commands["other watchdog check"] = [args.compare, "check", "-c", str(config), "-f", "nagios"]
            if os.path.exists(CHECK_HTTP):
                commands["check_http"] = [CHECK_HTTP, "-H", "127.0.0.1", "-p", str(port), "-u", "/health"]
            report(commands, args.runs)
        finally:
            server.kill()


def start_server(directory: str) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m http.server`` on a free port (HTTP/1.0: check_http waits for the close)."""
    port = free_port()
    proc = subprocess.Popen([PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", directory],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return started(proc, port)


def report(commands: dict[str, list[str]], runs: int) -> None:
    found: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            found[name].append(measure(argv))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared machine: read the ratio)")
    print(f"{'command':28} {'median ms':>10} {'CPU ms':>7} {'peak RSS':>9} {'exit':>5}  (all runs, ms)")
    medians, cpu = {}, {}
    for name, rows in found.items():
        medians[name] = statistics.median(row[0] for row in rows)
        cpu[name] = statistics.median(row[3] for row in rows)
        peak = max(row[1] for row in rows)
        runs_ms = " ".join(f"{row[0] * 1000:.0f}" for row in rows)
        print(f"{name:28} {medians[name] * 1000:10.1f} {cpu[name] * 1000:7.0f} {peak:7.1f} MB {rows[-1][2]:5}  ({runs_ms})")
    check, httpx = "watchdog check -f nagios", "python -c 'import httpx'"
    print(f"watchdog check / import httpx: {medians[check] / medians[httpx]:.2f}x wall, "
          f"{cpu[check] / cpu[httpx]:.2f}x CPU (target <= 2x)")
    for name, argv in commands.items():
        print(f"  $ {' '.join(argv)}")


if __name__ == "__main__":
    main()
