"""Benchmark: 200 `http` checks in one `watchdog check` run, and the CLI's cold start.

    .venv/bin/python bench/check_bench.py [--checks 200] [--delay-ms 50] [--in-flight 10]

Starts a local HTTP server in a child process that answers every request after
``--delay-ms`` (asyncio, keep-alive), writes a config with N http checks against
it, runs the real `watchdog check -f json` as a subprocess and prints: wall time,
checks/s, the response_ms distribution the checks reported next to a bare
request (raw socket, no httpx) to the same server, the CPU cost per check, and
the cold start of `watchdog --help` against `python -c pass`. It prints figures;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WATCHDOG = str(Path(PY).with_name("watchdog"))


async def _serve(port: int, delay: float) -> None:
    body = b'{"status":"healthy","uptime":3600}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                if not request:
                    break
                await asyncio.sleep(delay)
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def start_server(delay_ms: float) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    return started(subprocess.Popen([PY, __file__, "--serve", str(port), "--delay-ms", str(delay_ms)]), port)


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return int(port)


def started(proc: subprocess.Popen[bytes], port: int) -> tuple[subprocess.Popen[bytes], int]:
    """``proc`` once it accepts connections on ``port`` (killed if it never does)."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("bench server did not start")


def bare_requests(port: int, count: int = 20) -> list[float]:
    """Sequential requests on one raw keep-alive socket: the floor for response_ms."""
    samples = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        for _ in range(count):
            t0 = time.perf_counter()
            s.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
            data = b""
            while not data.endswith(b"}"):
                data += s.recv(65536)
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def write_config(directory: str, port: int, checks: int, in_flight: int) -> str:
    lines = [f'state_dir = "{directory}/state"', "[defaults]", 'timeout = "10s"',
             f"max_concurrency = {checks}", f"http_max_in_flight = {in_flight}"]
    for i in range(checks):
        lines += [f"[checks.api-{i:03d}]", 'type = "http"', f'url = "http://127.0.0.1:{port}/health"',
                  'expect_json = { status = "healthy" }', 'warning = ["response_ms > 500"]']
    path = os.path.join(directory, "bench.toml")
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def cold_start(argv: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.delay_ms / 1000))
        return
    server, port = start_server(args.delay_ms)
    try:
        bare = bare_requests(port)
        with tempfile.TemporaryDirectory() as tmp:
            config = write_config(tmp, port, args.checks, args.in_flight)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run([WATCHDOG, "check", "-c", config, "-f", "json"], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        report(json.loads(done.stdout), done.returncode, wall, bare, after, before, args)
    finally:
        server.kill()
    print(f"cold start: watchdog --help {cold_start([WATCHDOG, '--help']) * 1000:.0f} ms, "
          f"python -c pass {cold_start([PY, '-c', 'pass']) * 1000:.0f} ms (median of 10)")


def report(doc: dict, code: int, wall: float, bare: list[float], after, before, args) -> None:  # type: ignore[no-untyped-def]
    response = sorted(c["metrics"].get("response_ms", float("nan")) for c in doc["checks"])
    statuses = {s: n for s, n in doc["counts"].items() if n}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    n = len(doc["checks"])
    print(f"{n} http checks, server delay {args.delay_ms:.0f} ms, http_max_in_flight {args.in_flight}: exit {code}, {statuses}")
    print(f"wall (whole process) {wall:.2f} s; checks phase {doc['elapsed_ms'] / 1000:.2f} s = {n / (doc['elapsed_ms'] / 1000):.0f} checks/s")
    print(f"response_ms: median {statistics.median(response):.1f}, p95 {response[int(0.95 * (n - 1))]:.1f}, "
          f"max {response[-1]:.1f}; bare request median {statistics.median(bare):.1f}")
    print(f"CPU {cpu:.2f} s for the run = {cpu / n * 1000:.2f} ms per check (including start-up and imports)")


if __name__ == "__main__":
    main()
