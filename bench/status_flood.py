"""Benchmark: a flood on /status must not cost the checks their results.

    .venv/bin/python bench/status_flood.py [--checks 200] [--clients 200] [--seconds 30]

Starts a local HTTP service (child process), a real `watchdog run` with N http
checks at a 1 s interval, lets it warm up, then counts the results it stores
for ``--seconds`` without a flood and ``--seconds`` with ``--clients`` clients
(a child process) looping on /status as fast as they can. Prints both counts,
the ratio (target >= 90 %), the runs skipped, and how many /status answers the
flood got. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_bench import start_server  # noqa: E402  (the same local service)

PY = sys.executable


def write_config(directory: str, port: int, checks: int, listen: int) -> str:
    lines = [f'state_dir = "{directory}/state"', "[defaults]", 'interval = "1s"', 'timeout = "5s"',
             "max_concurrency = 200", "[server]", f'listen = "127.0.0.1:{listen}"']
    for i in range(checks):
        lines += [f"[checks.api-{i:03d}]", 'type = "http"', f'url = "http://127.0.0.1:{port}/health"']
    path = os.path.join(directory, "flood.toml")
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def status(listen: int) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(f"http://127.0.0.1:{listen}/status", timeout=10) as reply:
        return json.loads(reply.read())  # type: ignore[no-any-return]


def skipped(listen: int) -> int:
    """Runs skipped so far (overruns + missed), from the daemon's own counters."""
    sched = status(listen)["scheduler"]
    return int(sched["overruns"] + sched["missed"])


def results(state: str, since: float, until: float) -> int:
    """Results stored in ``[since, until)``, read from the store file after the run."""
    import sqlite3

    with sqlite3.connect(f"{state}/watchdog.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM results WHERE ts >= ? AND ts < ?", (since, until)).fetchone()[0])


async def flood(port: int, clients: int, seconds: float) -> None:
    """``clients`` loops of GET /status; prints how many answers came back."""
    answered = [0, 0]  # 200, other

    async def one() -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /status HTTP/1.1\r\nHost: flood\r\n\r\n")
                reply = await reader.read()
                writer.close()
                answered[0 if reply.startswith(b"HTTP/1.1 200") else 1] += 1
            except OSError:
                answered[1] += 1

    await asyncio.gather(*(one() for _ in range(clients)))
    print(json.dumps({"ok": answered[0], "other": answered[1]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--flood", type=int, help=argparse.SUPPRESS)  # the child: flood this port
    args = parser.parse_args()
    if args.flood:
        asyncio.run(flood(args.flood, args.clients, args.seconds))
        return
    service, port = start_server(0)
    with tempfile.TemporaryDirectory() as tmp:
        listen = _free_port()
        daemon = subprocess.Popen([PY, "-m", "watchdog", "run", "-c", write_config(tmp, port, args.checks, listen)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            phases, skips, answers = measure(listen, args)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
            service.kill()
        quiet, flooded = (results(f"{tmp}/state", *phase) for phase in phases)
        report(args, quiet, flooded, skips, answers)


def measure(listen: int, args: argparse.Namespace) -> tuple[list[tuple[float, float]], list[int], dict]:  # type: ignore[type-arg]
    time.sleep(4)  # start-up and the first runs behind us
    t0 = time.time()
    skipped0 = skipped(listen)
    time.sleep(args.seconds)
    t1, skipped1 = time.time(), skipped(listen)
    child = subprocess.Popen([PY, __file__, "--flood", str(listen), "--clients", str(args.clients),
                              "--seconds", str(args.seconds + 2)], stdout=subprocess.PIPE)
    time.sleep(1)
    t2 = time.time()
    time.sleep(args.seconds)
    t3 = time.time()
    out, _ = child.communicate(timeout=args.seconds + 60)
    skipped2 = skipped(listen)  # the flood is over: /status answers us again
    answers = json.loads(out.decode().strip().splitlines()[-1])
    return [(t0, t1), (t2, t3)], [skipped1 - skipped0, skipped2 - skipped1], answers


def report(args: argparse.Namespace, quiet: int, flooded: int, skips: list[int], answers: dict) -> None:  # type: ignore[type-arg]
    quiet_skipped, flooded_skipped = skips
    print(f"{args.checks} http checks at 1s, {args.seconds:.0f}s each phase")
    print(f"results without a flood: {quiet} ({quiet_skipped} runs skipped)")
    print(f"results with {args.clients} clients looping on /status: {flooded} ({flooded_skipped} runs skipped), "
          f"{100 * flooded / max(quiet, 1):.1f}% of the quiet run (target >= 90%)")
    print(f"/status answers to the flood: {answers['ok']} OK, {answers['other']} other "
          f"({answers['ok'] / args.seconds:.0f}/s)")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
