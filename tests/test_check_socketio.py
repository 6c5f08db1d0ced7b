"""The ``socketio`` kind against real python-socketio replicas (separate processes, a real Redis)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.redis_server import free_port
from tests.support.run_check import run_table
from tests.support.socketio_server import TOKEN, Replicas
from watchdog.checks.socketio_session import connect_failure, server_reason
from watchdog.model import Result
from watchdog.status import Status

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

PING = {"event": "ping", "data": {"from": "watchdog"}, "ack": True}
PONG = {"event": "pong", "match": {"payload.ok": True}}


async def probe(replicas: Replicas, **keys: Any) -> Result:
    table = {"type": "socketio", "url": replicas.urls[0], "auth": {"token": "${SIO_TOKEN}"}, "timeout": "3s", **keys}
    return await run_table(table, env=replicas.env)


async def test_connect_ack_and_event_are_timed(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, emit=PING, expect_event=PONG)
    assert result.status is Status.OK
    assert set(result.metrics) == {"connect_ms", "ack_ms", "event_ms"}
    assert re.fullmatch(r"connected over websocket in [\d.]+ ms, ack of 'ping' in [\d.]+ ms, 'pong' in [\d.]+ ms",
                        result.summary), result.summary
    assert result.evidence == ('ack of \'ping\': {"ok": true}',)
    assert result.labels == {"transport": "websocket"}


async def test_connect_only_measures_connect_ms(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas)
    assert (result.status, set(result.metrics)) == (Status.OK, {"connect_ms"})


async def test_polling_first_upgrades_to_websocket(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, transports=["polling", "websocket"])
    assert (result.status, result.labels["transport"]) == (Status.OK, "websocket")


async def test_polling_only_stays_on_polling(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, transports=["polling"], emit=PING)
    assert (result.status, result.labels["transport"]) == (Status.OK, "polling")


async def test_thresholds_judge_the_event_time(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, emit=PING, expect_event=PONG, critical=["event_ms >= 0"])
    assert result.status is Status.CRITICAL
    assert result.summary.startswith("event_ms = ")


async def test_rejected_handshake_is_critical_with_the_servers_reason(socketio_replicas: Replicas) -> None:
    table = {"type": "socketio", "url": socketio_replicas.urls[0], "auth": {"token": "${SIO_TOKEN}"}}
    result = await run_table(table, env={"SIO_TOKEN": "not-the-token"})
    port = socketio_replicas.ports[0]
    assert (result.status, result.summary) == (Status.CRITICAL, f"handshake rejected by 127.0.0.1:{port}: invalid token")


async def test_unknown_namespace_is_refused(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, namespace="/admin")
    port = socketio_replicas.ports[0]
    assert result.summary == f"namespace '/admin' refused by 127.0.0.1:{port}: Unable to connect"
    assert result.status is Status.CRITICAL


async def test_server_down_is_connection_refused() -> None:
    port = free_port()
    result = await run_table({"type": "socketio", "url": f"http://127.0.0.1:{port}"})
    assert (result.status, result.summary) == (Status.CRITICAL, f"connection refused by 127.0.0.1:{port}")


async def test_polling_to_a_server_that_is_down_is_connection_refused() -> None:
    port = free_port()
    result = await run_table({"type": "socketio", "url": f"http://127.0.0.1:{port}", "transports": ["polling"]})
    assert result.summary == f"connection refused by 127.0.0.1:{port}"


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]])
async def test_wrong_path_names_the_http_status(socketio_replicas: Replicas, transports: list[str]) -> None:
    result = await probe(socketio_replicas, path="/ws", transports=transports)
    port = socketio_replicas.ports[0]
    assert result.summary == f"127.0.0.1:{port} answered HTTP 404 at /ws (is 'path' the server's?)"


async def test_no_matching_event_names_what_did_not_arrive(socketio_replicas: Replicas) -> None:
    never = {"event": "pong", "match": {"payload.ok": False}}
    result = await probe(socketio_replicas, emit=PING, expect_event=never, timeout="1s")
    port = socketio_replicas.ports[0]
    assert result.status is Status.CRITICAL
    assert result.summary == (f"no 'pong' event matching payload.ok = false from 127.0.0.1:{port} within 900ms "
                              '(1 other \'pong\' event, last: {"payload": {"ok": true}, "echo": {"from": "watchdog"}})')
    assert set(result.metrics) == {"connect_ms", "ack_ms"}  # what was measured is kept


async def test_no_ack_names_the_event(socketio_replicas: Replicas) -> None:
    unanswered = {"event": "nobody-handles-this", "ack": True}
    result = await probe(socketio_replicas, emit=unanswered, timeout="1s")
    port = socketio_replicas.ports[0]
    assert result.summary == f"no acknowledgement of 'nobody-handles-this' from 127.0.0.1:{port} within 900ms"


async def test_the_token_never_appears_in_what_is_shown(socketio_replicas: Replicas) -> None:
    result = await probe(socketio_replicas, emit=PING, expect_event=PONG)
    assert TOKEN not in repr(result) + json.dumps(result.to_dict())


@pytest.mark.parametrize(("data", "reason"), [
    ({"message": "invalid token"}, "invalid token"),
    ({"message": "Not authorized", "data": {"code": 401}}, "Not authorized"),
    ("Unable to connect", "Unable to connect"),
    (None, "no reason given"),
    ({}, "no reason given"),
])
def test_server_reason_reads_every_connect_error_shape(data: Any, reason: str) -> None:
    assert server_reason(data) == reason


def test_namespace_refusal_of_node_is_named_as_such() -> None:
    failure = connect_failure(ConnectionError("One or more namespaces failed to connect: /x"), "h:1", "/x",
                              "/socket.io", [{"message": "Invalid namespace"}])
    assert str(failure) == "namespace '/x' refused by h:1: Invalid namespace"
