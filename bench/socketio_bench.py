"""Benchmark: what the ``socketio`` and ``socketio-broadcast`` kinds add over a bare python-socketio client.

    .venv/bin/python bench/socketio_bench.py [--rounds 200] [--clients 5]

Starts a private redis-server and two Socket.IO replicas (tests/support/socketio_app.py,
python-socketio over aiohttp with AsyncRedisManager), then alternates, round by round:

* the ``socketio`` kind (connect, emit ``ping`` with an ack, wait for ``pong``) run through
  ``CheckKind.run()`` as ``watchdog check`` runs it, against a bare ``socketio.AsyncClient``
  doing the same with its defaults, timed the same way (``perf_counter`` in the callbacks);
* the ``socketio-broadcast`` kind (``--clients`` clients over both replicas, an HTTP trigger)
  against bare clients doing the same.

It prints the median and p95 of each figure, the watchdog/bare ratio and the difference
(the target: watchdog adds < 2 ms at the median), and the wall time of a whole run. It
prints figures; it asserts nothing. Numbers from a shared machine are noisy: compare
medians of the same run, not runs of different days.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.socketio_server import TOKEN, Replicas, post, started_pair  # noqa: E402
from watchdog.config import from_document  # noqa: E402
from watchdog.runner import build, context_for  # noqa: E402
from watchdog.stats import percentile  # noqa: E402

USER = "bench-user"


async def bare_round_trip(url: str) -> dict[str, float]:
    """connect / ack / event with python-socketio's own client and defaults."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    loop = asyncio.get_running_loop()
    pong: asyncio.Future[float] = loop.create_future()
    ack: asyncio.Future[float] = loop.create_future()
    sio.on("pong", lambda *_: pong.done() or pong.set_result(time.perf_counter()))
    t0 = time.perf_counter()
    await sio.connect(url, auth={"token": TOKEN}, transports=["websocket"])
    connected = time.perf_counter()
    await sio.emit("ping", {"from": "bench"}, callback=lambda *_: ack.done() or ack.set_result(time.perf_counter()))
    acked, ponged = await ack, await pong
    await sio.disconnect()
    return {"connect_ms": (connected - t0) * 1000, "ack_ms": (acked - connected) * 1000,
            "event_ms": (ponged - connected) * 1000, "wall_ms": (time.perf_counter() - t0) * 1000}


async def bare_broadcast(urls: list[str], clients: int) -> dict[str, float]:
    """N bare clients subscribe, one HTTP trigger, the slowest receipt."""
    import aiohttp
    import socketio

    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    sios = [socketio.AsyncClient(reconnection=False) for _ in range(clients)]
    got = [loop.create_future() for _ in range(clients)]
    for sio, future in zip(sios, got):
        sio.on("portfolio:update", lambda *_, f=future: f.done() or f.set_result(time.perf_counter()))
    await asyncio.gather(*(s.connect(urls[i % len(urls)], auth={"token": TOKEN}, transports=["websocket"])
                           for i, s in enumerate(sios)))
    await asyncio.gather(*(s.call("subscribe:portfolio", {"userId": USER}) for s in sios))
    async with aiohttp.ClientSession() as http:
        fired = time.perf_counter()
        async with http.post(f"{urls[0]}/test/portfolio-update", json={"userId": USER}) as reply:
            await reply.read()
        arrivals = await asyncio.gather(*got)
    await asyncio.gather(*(s.disconnect() for s in sios))
    return {"p50_ms": percentile(sorted((a - fired) * 1000 for a in arrivals), 50),
            "wall_ms": (time.perf_counter() - t0) * 1000}


def checks(replicas: Replicas, clients: int) -> dict[str, Any]:
    ping = {"type": "socketio", "url": replicas.urls[0], "auth": {"token": "${SIO_TOKEN}"},
            "emit": {"event": "ping", "data": {"from": "bench"}, "ack": True},
            "expect_event": {"event": "pong", "match": {"payload.ok": True}}}
    cross = {"type": "socketio-broadcast", "urls": replicas.urls, "clients": clients, "auth": {"token": "${SIO_TOKEN}"},
             "subscribe": {"event": "subscribe:portfolio", "data": {"userId": USER}, "ack": True},
             "trigger": {"http": {"url": f"{replicas.urls[0]}/test/portfolio-update", "json": {"userId": USER}}},
             "event": "portfolio:update", "match": {"userId": USER}}
    return {"ping": ping, "cross": cross}


async def watchdog_run(check: Any) -> dict[str, float]:
    t0 = time.perf_counter()
    result = await check.run()
    assert result.status.name == "OK", result.summary
    return {**result.metrics, "wall_ms": (time.perf_counter() - t0) * 1000}


async def rounds(replicas: Replicas, count: int, clients: int) -> dict[str, dict[str, list[float]]]:
    config = from_document({"checks": checks(replicas, clients)}, env={"SIO_TOKEN": TOKEN})
    context = context_for(config)
    ping, cross = build(config, ["ping", "cross"], context)
    seen: dict[str, dict[str, list[float]]] = {k: {} for k in ("ping", "bare ping", "cross", "bare cross")}
    await watchdog_run(ping), await bare_round_trip(replicas.urls[0])  # warm both: imports, first connections
    await watchdog_run(cross), await bare_broadcast(replicas.urls, clients)
    for _ in range(count):
        for name, figures in (("ping", await watchdog_run(ping)), ("bare ping", await bare_round_trip(replicas.urls[0])),
                              ("cross", await watchdog_run(cross)),
                              ("bare cross", await bare_broadcast(replicas.urls, clients))):
            for key, value in figures.items():
                seen[name].setdefault(key, []).append(value)
    await context.aclose()
    return seen


def report(seen: dict[str, dict[str, list[float]]]) -> None:
    print(f"{'figure':<28} {'watchdog p50':>12} {'bare p50':>10} {'added':>8} {'ratio':>6} "
          f"{'watchdog p95':>13} {'bare p95':>9}")
    for kind, metrics in (("ping", ("connect_ms", "ack_ms", "event_ms", "wall_ms")), ("cross", ("p50_ms", "wall_ms"))):
        for metric in metrics:
            ours, bare = sorted(seen[kind][metric]), sorted(seen[f"bare {kind}"][metric])
            mine, theirs = statistics.median(ours), statistics.median(bare)
            print(f"{kind + ' ' + metric:<28} {mine:>12.2f} {theirs:>10.2f} {mine - theirs:>+8.2f} "
                  f"{mine / theirs:>6.2f} {percentile(ours, 95):>13.2f} {percentile(bare, 95):>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--clients", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        redis, replicas = started_pair(Path(directory))
        try:
            post(f"{replicas.urls[1]}/test/forwarding", {"enabled": True})
            seen = asyncio.run(rounds(replicas, args.rounds, args.clients))
        finally:
            replicas.stop()
            redis.stop()
    print(f"{args.rounds} rounds, {args.clients} broadcast clients over 2 replicas (python-socketio + Redis)")
    report(seen)


if __name__ == "__main__":
    main()
