"""The ``websocket`` kind against a real ``websockets`` server on 127.0.0.1."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.redis_server import free_port
from tests.support.run_check import run_table
from tests.support.websocket_server import WebSocketServer
from watchdog.model import Result
from watchdog.status import Status

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")


async def probe(server: WebSocketServer, path: str = "/echo", **keys: Any) -> Result:
    return await run_table({"type": "websocket", "url": server.url(path), "timeout": "2s", **keys})


def host(server: WebSocketServer) -> str:
    return f"127.0.0.1:{server.port}"


async def test_connect_ping_and_a_json_reply_are_timed(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, send="status?", expect_json={"type": "status", "ok": True}, ping=True)
    assert result.status is Status.OK
    assert set(result.metrics) == {"connect_ms", "pong_ms", "reply_ms"}
    assert re.fullmatch(r"connected in [\d.]+ ms, pong in [\d.]+ ms, reply in [\d.]+ ms", result.summary)
    assert result.evidence == ('reply: {"type": "status", "ok": true}',)  # the "noise" message before it is skipped


async def test_expect_is_a_regular_expression(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, send="hello there", expect="^hello")
    assert (result.status, result.evidence) == (Status.OK, ("reply: hello there",))


async def test_connect_only(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server)
    assert (result.status, set(result.metrics), websocket_server.connections) == (Status.OK, {"connect_ms"}, 1)


async def test_the_negotiated_subprotocol_is_a_label(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, subprotocols=["chat.v1"])
    assert (result.status, result.labels) == (Status.OK, {"subprotocol": "chat.v1"})


async def test_a_subprotocol_the_server_does_not_accept_is_critical(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, subprotocols=["graphql-ws"])
    assert result.summary == f"{host(websocket_server)} accepted none of the subprotocols graphql-ws"


async def test_a_refused_upgrade_names_the_status(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, "/forbidden")
    assert (result.status, result.summary) == (Status.CRITICAL,
                                               f"{host(websocket_server)} refused the WebSocket upgrade: HTTP 403 Forbidden")


async def test_a_close_before_replying_gives_the_close_code(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, "/close", send="hi")
    assert result.summary == f"{host(websocket_server)} closed the WebSocket before replying (code 1008: policy violation)"
    assert set(result.metrics) == {"connect_ms"}


async def test_no_reply_names_what_did_not_arrive(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, "/silent", send="hi", timeout="1s")
    assert result.summary == f"no matching reply from {host(websocket_server)} within 900ms"


async def test_a_reply_that_never_matches_times_out(websocket_server: WebSocketServer) -> None:
    result = await probe(websocket_server, send="hi", expect="^bye", timeout="1s")
    assert result.summary == f"no matching reply from {host(websocket_server)} within 900ms"


async def test_server_down_is_connection_refused() -> None:
    port = free_port()
    result = await run_table({"type": "websocket", "url": f"ws://127.0.0.1:{port}/ws"})
    assert result.summary == f"connection refused by 127.0.0.1:{port}"


async def test_headers_are_sent(websocket_server: WebSocketServer) -> None:
    result = await run_table({"type": "websocket", "url": websocket_server.url("/echo"),
                              "headers": {"Authorization": "Bearer ${WS_TOKEN}"}}, env={"WS_TOKEN": "ws-s3cret-1"})
    assert result.status is Status.OK
    assert websocket_server.last_headers["Authorization"] == "Bearer ws-s3cret-1"
