"""The ``socketio-broadcast`` kind: the seeds' cross-replica test against two real replicas and Redis."""

from __future__ import annotations

import asyncio
import gc
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.redis_server import free_port
from tests.support.run_check import run_table
from tests.support.socketio_server import Replicas
from watchdog.config import from_document, load
from watchdog.runner import build, context_for, run_checks
from watchdog.model import Result
from watchdog.status import Status

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

USER = "watchdog-probe"


def broadcast(replicas: Replicas, **keys: Any) -> dict[str, Any]:
    """The seeds' test: 5 clients of one user over both replicas, a trigger on replica 1."""
    return {
        "type": "socketio-broadcast", "urls": replicas.urls, "clients": 5, "auth": {"token": "${SIO_TOKEN}"},
        "subscribe": {"event": "subscribe:portfolio", "data": {"userId": USER}, "ack": True},
        "trigger": {"http": {"url": f"{replicas.urls[0]}/test/portfolio-update",
                             "json": {"userId": USER, "probeId": "{probe_id}"}}},
        "event": "portfolio:update", "match": {"userId": USER, "probeId": "{probe_id}"},
        "wait": "1s", "timeout": "5s", **keys,
    }


async def run(replicas: Replicas, **keys: Any) -> Result:
    return await run_table(broadcast(replicas, **keys), env=replicas.env)


async def test_every_client_on_both_replicas_receives(socketio_replicas: Replicas) -> None:
    result = await run(socketio_replicas)
    assert result.status is Status.OK
    assert {k: result.metrics[k] for k in ("clients", "received", "lost", "received_pct")} == {
        "clients": 5, "received": 5, "lost": 0, "received_pct": 100}
    assert set(result.metrics) >= {"p50_ms", "p95_ms", "max_ms", "connect_ms"}
    a, b = socketio_replicas.urls
    assert [re.sub(r"slowest [\d.]+ ms", "slowest N ms", line) for line in result.evidence[:2]] == [
        f"{a}: 3 of 3 clients received 'portfolio:update', slowest N ms",
        f"{b}: 2 of 2 clients received 'portfolio:update', slowest N ms",
    ]
    assert re.fullmatch(r"probe id [0-9a-f]{12}", result.evidence[2])
    assert result.labels["transport"] == "websocket"


async def test_a_replica_that_stops_forwarding_is_named(socketio_replicas: Replicas) -> None:
    socketio_replicas.forwarding(1, False)
    result = await run(socketio_replicas)
    a, b = socketio_replicas.urls
    assert result.status is Status.CRITICAL
    assert (result.metrics["received"], result.metrics["lost"]) == (3, 2)
    assert result.summary.startswith("lost = 2 (> 0) - 3 of 5 clients received 'portfolio:update' (2 URLs): ")
    assert result.summary.endswith(f"; not delivered within 1s on {b} (2 lost)")
    assert result.evidence[1] == f"{b}: 0 of 2 clients received 'portfolio:update' within 1s"


@pytest.mark.slow
async def test_redis_killed_the_other_replica_misses_the_event(fresh_socketio_replicas: Replicas) -> None:
    fresh_socketio_replicas.redis.stop()
    result = await run(fresh_socketio_replicas)
    b = fresh_socketio_replicas.urls[1]
    assert result.status is Status.CRITICAL
    assert result.metrics["lost"] == 2  # replica 1 still delivers to its own clients
    assert result.summary.endswith(f"not delivered within 1s on {b} (2 lost)")


async def test_the_example_configs_cross_replica_check_passes(socketio_replicas: Replicas) -> None:
    env = {"REPLICA_A_URL": socketio_replicas.urls[0], "REPLICA_B_URL": socketio_replicas.urls[1],
           "APP_URL": socketio_replicas.urls[0], "SOCKETIO_TOKEN": socketio_replicas.env["SIO_TOKEN"]}
    config = load(Path(__file__).resolve().parents[1] / "config.example.toml", env=env)
    context = context_for(config)
    try:
        [result] = await run_checks(build(config, ["cross-replica"], context))
    finally:
        await context.aclose()
    assert (result.status, result.metrics.get("received")) == (Status.OK, 5), result.summary


async def test_trigger_by_emit_from_the_first_client(socketio_replicas: Replicas) -> None:
    trade = {"event": "test:trade", "data": {"userId": USER, "probeId": "{probe_id}", "symbol": "AAPL"}}
    result = await run(socketio_replicas, trigger={"emit": trade}, event="trade:notification",
                       match={"probeId": "{probe_id}", "symbol": "AAPL"}, clients=4)
    assert (result.status, result.metrics["received"]) == (Status.OK, 4)


async def test_subscriptions_without_ack_settle_before_the_trigger(socketio_replicas: Replicas) -> None:
    result = await run(socketio_replicas, subscribe={"event": "subscribe:portfolio", "data": {"userId": USER}},
                       settle="200ms")
    assert (result.status, result.metrics["received"]) == (Status.OK, 5)


async def test_events_of_another_run_never_count(socketio_replicas: Replicas) -> None:
    stale = {"http": {"url": f"{socketio_replicas.urls[0]}/test/portfolio-update",
                      "json": {"userId": USER, "probeId": "an-old-run"}}}
    result = await run(socketio_replicas, trigger=stale, wait="300ms")
    assert (result.metrics["received"], result.metrics["lost"]) == (0, 5)
    assert result.evidence[-2] == "ignored 5 'portfolio:update' events not matching this run"
    assert "p50_ms" not in result.metrics


async def test_a_replica_that_is_down_fails_naming_the_client_and_url(socketio_replicas: Replicas) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = await run(socketio_replicas, urls=[socketio_replicas.urls[0], down], clients=4)
    assert result.status is Status.CRITICAL
    assert result.summary == f"client 2 of 4 ({down}): connection refused by {down.removeprefix('http://')}"


async def test_a_failing_trigger_is_critical_with_its_status(socketio_replicas: Replicas) -> None:
    missing = {"http": {"url": f"{socketio_replicas.urls[0]}/test/nothing-here", "json": {}}}
    result = await run(socketio_replicas, trigger=missing)
    assert result.summary == f"trigger POST {socketio_replicas.urls[0]}/test/nothing-here answered HTTP 404 Not Found"
    assert result.metrics["clients"] == 5 and "connect_ms" in result.metrics


@pytest.mark.slow
async def test_a_cancelled_run_disconnects_every_client(socketio_replicas: Replicas) -> None:
    never = {"http": {"url": f"{socketio_replicas.urls[0]}/test/portfolio-update",
                      "json": {"userId": "somebody-else"}}}
    config = from_document({"checks": {"x": broadcast(socketio_replicas, trigger=never, wait="20s",
                                                      timeout="30s")}}, env=socketio_replicas.env)
    context = context_for(config)
    [check] = build(config, ["x"], context)
    task = asyncio.create_task(check.run())
    await asyncio.sleep(1.0)  # connected, subscribed, waiting for an event that never comes
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await context.aclose()
    gc.collect()
    assert asyncio.all_tasks() == {asyncio.current_task()}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
async def test_repeated_runs_leave_no_sockets_or_tasks(socketio_replicas: Replicas) -> None:
    config = from_document({"checks": {"x": broadcast(socketio_replicas)}}, env=socketio_replicas.env)
    context = context_for(config)
    [check] = build(config, ["x"], context)
    await check.run()  # the first run imports and opens the shared HTTP client
    before = open_fds()
    statuses = [(await check.run()).status for _ in range(15)]
    gc.collect()
    assert statuses == [Status.OK] * 15
    assert open_fds() <= before
    assert asyncio.all_tasks() == {asyncio.current_task()}
    await context.aclose()
