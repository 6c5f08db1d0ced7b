"""The daemon's HTTP endpoint on a real socket: routes, status codes, bad and oversized requests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from watchdog.daemon.server import MAX_REQUEST, Routes, StatusServer


class Daemonish:
    healthy = True

    def healthz(self) -> tuple[bool, str]:
        return (True, "ok: 2 checks") if self.healthy else (False, "store unwritable: disk full")

    def metrics(self) -> bytes:
        return b"# HELP x y\nx 1.0\n"

    def status(self) -> dict[str, object]:
        return {"healthy": self.healthy, "checks": {"health": {"status": "OK"}}}


@pytest.fixture
async def served() -> AsyncIterator[tuple[StatusServer, Daemonish]]:
    daemon = Daemonish()
    server = StatusServer(Routes(daemon.healthz, daemon.metrics, daemon.status), "127.0.0.1", 0)
    await server.start()
    try:
        yield server, daemon
    finally:
        await server.stop()


async def exchange(server: StatusServer, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(raw)
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    await writer.wait_closed()
    head, _, body = reply.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


def get(path: str, method: str = "GET") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


async def test_healthz_is_200_with_the_reason_while_healthy(served) -> None:
    status, headers, body = await exchange(served[0], get("/healthz"))
    assert (status, headers["Content-Type"], body) == ("HTTP/1.1 200 OK", "text/plain", b"ok: 2 checks\n")


async def test_healthz_is_503_with_the_reason_when_unhealthy(served) -> None:
    served[1].healthy = False
    status, _, body = await exchange(served[0], get("/healthz"))
    assert (status, body) == ("HTTP/1.1 503 Service Unavailable", b"store unwritable: disk full\n")


async def test_metrics_are_served_as_prometheus_text(served) -> None:
    status, headers, body = await exchange(served[0], get("/metrics"))
    assert (status, headers["Content-Type"], body) == (
        "HTTP/1.1 200 OK", "text/plain; version=0.0.4; charset=utf-8", b"# HELP x y\nx 1.0\n")


async def test_status_is_json_and_a_query_string_is_ignored(served) -> None:
    status, headers, body = await exchange(served[0], get("/status?pretty=1"))
    assert (status, headers["Content-Type"]) == ("HTTP/1.1 200 OK", "application/json")
    assert json.loads(body) == {"healthy": True, "checks": {"health": {"status": "OK"}}}


async def test_head_answers_the_headers_without_a_body(served) -> None:
    status, headers, body = await exchange(served[0], get("/healthz", "HEAD"))
    assert (status, headers["Content-Length"], body) == ("HTTP/1.1 200 OK", "13", b"")


@pytest.mark.parametrize(("raw", "status", "body"), [
    (get("/nope"), "HTTP/1.1 404 Not Found", b"not found: try /healthz, /metrics, /status\n"),
    (get("/healthz", "POST"), "HTTP/1.1 405 Method Not Allowed", b"method not allowed\n"),
    (b"garbage\r\n\r\n", "HTTP/1.1 400 Bad Request", b"bad request\n"),
    (b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * MAX_REQUEST + b"\r\n\r\n",
     "HTTP/1.1 431 Request Header Fields Too Large", b"request header too large\n"),
])
async def test_bad_requests_get_their_status(served, raw: bytes, status: str, body: bytes) -> None:
    assert (await exchange(served[0], raw))[::2] == (status, body)


async def test_a_broken_route_is_a_500_and_the_server_keeps_serving(served) -> None:
    server, daemon = served
    daemon.status = lambda: 1 / 0  # type: ignore[method-assign]
    server.routes = Routes(daemon.healthz, daemon.metrics, daemon.status)
    assert (await exchange(server, get("/status")))[::2] == ("HTTP/1.1 500 Internal Server Error", b"internal error\n")
    assert (await exchange(server, get("/healthz")))[0] == "HTTP/1.1 200 OK"
