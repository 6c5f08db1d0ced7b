"""Benchmark: the daemon with 500 HTTP checks at a 10 s interval for 2 minutes.

    .venv/bin/python bench/daemon_bench.py [--checks 500] [--interval 10] [--seconds 120]

Starts a local HTTP service (child process, answers at once), a local webhook
receiver (in this process, records when each notification arrives), and a
real `watchdog run` child. Samples the daemon's CPU and RSS from /proc every
second; at the end reads start lateness (p50/p99/max over every run) from
/status. Half-way through, the service behind one extra check ("victim") is
stopped, and the time from that moment until its alert reaches the receiver
is printed (the target: one interval + 1 s). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_bench import start_server  # noqa: E402  (the same local service)

PY = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class Receiver(ThreadingHTTPServer):
    arrivals: list[tuple[float, dict]]


def start_receiver() -> Receiver:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.server.arrivals.append((time.time(), json.loads(body)))  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = Receiver(("127.0.0.1", 0), Handler)
    server.arrivals = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_config(directory: str, port: int, victim_port: int, hook: str, checks: int, interval: int,
                 listen: int) -> str:
    lines = [f'state_dir = "{directory}/state"', "[defaults]", f'interval = "{interval}s"', 'timeout = "5s"',
             "[defaults.alert]", "after = 1", 'channels = ["hook"]',
             "[channels.hook]", 'type = "webhook"', f'url = "{hook}"',
             "[server]", f'listen = "127.0.0.1:{listen}"',
             "[checks.victim]", 'type = "http"', f'url = "http://127.0.0.1:{victim_port}/health"']
    for i in range(checks):
        lines += [f"[checks.api-{i:03d}]", 'type = "http"', f'url = "http://127.0.0.1:{port}/health"',
                  'warning = ["response_ms > 500"]']
    path = os.path.join(directory, "bench.toml")
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def proc_sample(pid: int) -> tuple[float, int]:
    """(CPU seconds so far, RSS bytes) of ``pid`` from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    service, port = start_server(0)
    victim, victim_port = start_server(0)
    receiver = start_receiver()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        listen = _free_port()
        config = write_config(tmp, port, victim_port, hook, args.checks, args.interval, listen)
        daemon = subprocess.Popen([PY, "-m", "watchdog", "run", "-c", config], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.STDOUT)
        try:
            measure(daemon, victim, receiver, listen, args)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
            service.kill()
            victim.kill()


def measure(daemon, victim, receiver, listen: int, args) -> None:  # type: ignore[no-untyped-def]
    warmup = args.interval + 2  # every check has run once: start-up and imports are behind us
    time.sleep(warmup)
    cpu0, _ = proc_sample(daemon.pid)
    t0, peak, killed_at = time.time(), 0, None
    while time.time() - t0 < args.seconds:
        time.sleep(1)
        _, rss = proc_sample(daemon.pid)
        peak = max(peak, rss)
        if killed_at is None and time.time() - t0 >= args.seconds / 2:
            victim.kill()
            killed_at = time.time()
    cpu1, rss = proc_sample(daemon.pid)
    elapsed = time.time() - t0
    with urllib.request.urlopen(f"http://127.0.0.1:{listen}/status", timeout=5) as reply:
        status = json.loads(reply.read())
    sched = status["scheduler"]
    alerts = [(t, body) for t, body in receiver.arrivals if body.get("check") == "victim"]
    print(f"{args.checks} http checks + 1 victim, interval {args.interval}s, measured {elapsed:.0f}s after a "
          f"{warmup}s warm-up")
    print(f"start lateness over {sched['lateness_ms']['samples']} runs: p50 {sched['lateness_ms']['p50']:.2f} ms, "
          f"p99 {sched['lateness_ms']['p99']:.2f} ms, max {sched['lateness_ms']['max']:.2f} ms; "
          f"runs {sched['runs']}, overruns {sched['overruns']}, missed {sched['missed']}")
    print(f"daemon CPU {100 * (cpu1 - cpu0) / elapsed:.1f}% of one core; RSS now {rss / 2**20:.0f} MB, "
          f"peak {peak / 2**20:.0f} MB")
    if alerts and killed_at:
        print(f"victim stopped -> alert at the receiver: {alerts[0][0] - killed_at:.2f} s "
              f"(target: interval {args.interval}s + 1s)")
    else:
        print("victim alert: NOT RECEIVED")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
