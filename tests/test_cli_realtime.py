"""`watchdog check` with the four real-time kinds, and `watchdog probe` of a WebSocket (ws://) and of a
Socket.IO server (socketio+http://): real servers, the real entry point."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.prometheus_endpoint import Endpoint
from tests.support.socketio_server import Replicas
from tests.support.websocket_server import WebSocketServer
from watchdog.checks.socketio_probe import split_probe_url


def row(out: str) -> list[str]:
    [line] = [line for line in out.splitlines() if line.split()[:1] == ["probe"]]
    return line.split()


def realtime_config(replicas: Replicas, ws: WebSocketServer, prometheus: Endpoint, user: str = "cli-user") -> str:
    a, b = replicas.urls
    return f"""
[checks.cross-replica]
type = "socketio-broadcast"
urls = ["{a}", "{b}"]
clients = 4
auth = {{ token = "${{SIO_TOKEN}}" }}
subscribe = {{ event = "subscribe:portfolio", data = {{ userId = "{user}" }}, ack = true }}
trigger = {{ http = {{ url = "{a}/test/portfolio-update", json = {{ userId = "{user}", probeId = "{{probe_id}}" }} }} }}
event = "portfolio:update"
match = {{ probeId = "{{probe_id}}" }}
wait = "1s"

[checks.socketio]
type = "socketio"
url = "{a}"
auth = {{ token = "${{SIO_TOKEN}}" }}
emit = {{ event = "ping", ack = true }}

[checks.websocket]
type = "websocket"
url = "{ws.url("/echo")}"
send = "hello"
expect = "^hello$"
ping = true

[checks.app-metrics]
type = "prometheus"
url = "{prometheus.url}"
metrics = {{ ws_connections = "socketio_connected_clients" }}
critical = ["ws_connections < 1"]
"""


def test_check_runs_the_four_kinds_and_exits_0(run_cli: Any, write_config: Any, monkeypatch: Any,
                                                socketio_replicas: Replicas, websocket_server: WebSocketServer,
                                                prometheus_endpoint: Endpoint) -> None:
    monkeypatch.setenv("SIO_TOKEN", socketio_replicas.env["SIO_TOKEN"])
    prometheus_endpoint.connections.labels("a").set(3)
    path = write_config(realtime_config(socketio_replicas, websocket_server, prometheus_endpoint))
    outcome = run_cli("check", "-c", path)
    assert outcome.code == 0, outcome.out
    assert outcome.out.strip().splitlines()[-1].startswith("OK: 4 checks, all ok")


def test_check_exits_2_when_a_replica_stops_delivering(run_cli: Any, write_config: Any, monkeypatch: Any,
                                                       socketio_replicas: Replicas, websocket_server: WebSocketServer,
                                                       prometheus_endpoint: Endpoint) -> None:
    monkeypatch.setenv("SIO_TOKEN", socketio_replicas.env["SIO_TOKEN"])
    prometheus_endpoint.connections.labels("a").set(3)
    socketio_replicas.forwarding(1, False)
    path = write_config(realtime_config(socketio_replicas, websocket_server, prometheus_endpoint))
    outcome = run_cli("check", "cross-replica", "-c", path, "--format", "nagios")
    assert outcome.code == 2
    assert outcome.out.startswith("WATCHDOG CRITICAL - cross-replica: lost = 2 (> 0) - 2 of 4 clients received")
    assert f"not delivered within 1s on {socketio_replicas.urls[1]} (2 lost)" in outcome.out


def test_probe_of_a_websocket_connects_and_pings(run_cli: Any, websocket_server: WebSocketServer) -> None:
    outcome = run_cli("probe", websocket_server.url("/echo"))
    assert outcome.code == 0
    assert row(outcome.out)[1] == "OK"
    assert "pong in" in outcome.out


def test_probe_of_a_refused_websocket_upgrade_is_critical(run_cli: Any, websocket_server: WebSocketServer) -> None:
    outcome = run_cli("probe", websocket_server.url("/forbidden"))
    assert outcome.code == 2
    assert f"127.0.0.1:{websocket_server.port} refused the WebSocket upgrade: HTTP 403 Forbidden" in outcome.out


def test_probe_of_a_socketio_namespace_connects(run_cli: Any, socketio_replicas: Replicas) -> None:
    outcome = run_cli("probe", f"socketio+{socketio_replicas.urls[0]}/open")
    assert outcome.code == 0
    assert "connected over websocket in" in outcome.out


def test_probe_of_a_socketio_server_that_wants_a_token_says_so(run_cli: Any, socketio_replicas: Replicas) -> None:
    outcome = run_cli("probe", f"socketio+{socketio_replicas.urls[0]}", "--format", "nagios")
    assert outcome.code == 2
    port = socketio_replicas.ports[0]
    assert outcome.out == f"WATCHDOG CRITICAL - probe: handshake rejected by 127.0.0.1:{port}: invalid token\n"


def test_probe_of_a_socketio_url_without_host_is_a_usage_error(run_cli: Any) -> None:
    outcome = run_cli("probe", "socketio+http://")
    assert outcome.code == 3
    assert outcome.err.strip() == "watchdog: url: must be an http:// or https:// URL, got 'http://'"


@pytest.mark.parametrize(("url", "origin", "namespace"), [
    ("https://app.example.com", "https://app.example.com", "/"),
    ("https://app.example.com/", "https://app.example.com", "/"),
    ("http://127.0.0.1:3000/admin", "http://127.0.0.1:3000", "/admin"),
    ("https://app.example.com/chat/?room=1", "https://app.example.com?room=1", "/chat"),
])
def test_the_path_of_a_socketio_url_is_its_namespace(url: str, origin: str, namespace: str) -> None:
    assert split_probe_url(url) == (origin, namespace)
