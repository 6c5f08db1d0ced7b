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
    assert (status, headers["Content-Type"], body) == ("HTTP/1.1 200 OK", "text/plain; charset=utf-8", b"ok: 2 checks\n")


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
    (get("/nope"), "HTTP/1.1 404 Not Found", b"not found: try /, /healthz, /metrics, /status, /reports/\n"),
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


async def started_server(routes: Routes, clock=None) -> StatusServer:  # type: ignore[no-untyped-def]
    server = StatusServer(routes, "127.0.0.1", 0, **({"clock": clock} if clock else {}))
    await server.start()
    return server


def protected(token: str | None) -> Routes:
    d = Daemonish()
    return Routes(d.healthz, d.metrics, d.status, token)


@pytest.mark.parametrize(("path", "authorization", "status"), [
    ("/status", None, "HTTP/1.1 401 Unauthorized"),
    ("/metrics", "Bearer wrong", "HTTP/1.1 401 Unauthorized"),
    ("/metrics", "Basic dG9rZW4=", "HTTP/1.1 401 Unauthorized"),
    ("/status", "Bearer s3cr3t-token", "HTTP/1.1 200 OK"),
    ("/metrics", "bearer s3cr3t-token", "HTTP/1.1 200 OK"),
    ("/healthz", None, "HTTP/1.1 200 OK"),  # load balancers have no token
])
async def test_a_token_guards_status_and_metrics_not_healthz(path: str, authorization: str | None,
                                                             status: str) -> None:
    server = await started_server(protected("s3cr3t-token"))
    try:
        extra = f"Authorization: {authorization}\r\n" if authorization else ""
        got, headers, body = await exchange(server, f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    finally:
        await server.stop()
    assert got == status
    if status.endswith("401 Unauthorized"):
        assert headers["WWW-Authenticate"] == 'Bearer realm="watchdog"' and b"s3cr3t" not in body


async def test_a_document_is_built_at_most_once_a_second_whoever_asks() -> None:
    built = []
    now = [100.0]

    def status() -> dict[str, object]:
        built.append(now[0])
        return {"n": len(built)}

    server = await started_server(Routes(lambda: (True, "ok"), lambda: b"", status), clock=lambda: now[0])
    try:
        for _ in range(5):
            await exchange(server, get("/status"))
        now[0] += 1.0
        _, _, body = await exchange(server, get("/status"))
    finally:
        await server.stop()
    assert (built, json.loads(body)) == ([100.0, 101.0], {"n": 2})


async def test_past_the_connection_cap_requests_are_answered_busy_at_once(served) -> None:
    from watchdog.daemon.server import MAX_CONNECTIONS

    server, _ = served
    server.active = MAX_CONNECTIONS  # as many as it serves at once are being served
    status, _, body = await exchange(server, get("/status"))
    assert (status, body, server.refused) == ("HTTP/1.1 503 Service Unavailable", b"too many connections: try again\n", 1)


async def test_a_client_that_never_sends_its_request_is_cut_off(served, monkeypatch) -> None:
    from watchdog.daemon import server as module

    monkeypatch.setattr(module, "READ_TIMEOUT_S", 0.2)
    reader, writer = await asyncio.open_connection("127.0.0.1", served[0].port)
    writer.write(b"GET /status HT")  # and then nothing
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # closed without an answer
    writer.close()


def with_pages(token: str | None, *, public: bool = False) -> Routes:
    d = Daemonish()
    reports = {"post-deploy/6h.html": ("text/html; charset=utf-8", b"<p>6h</p>")}
    return Routes(d.healthz, d.metrics, d.status, token, page=lambda: b"<h1>status</h1>",
                  report=reports.get, public=public)


def asking(path: str, *headers: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


async def answered(routes: Routes, raw: bytes) -> tuple[str, dict[str, str], bytes]:
    server = await started_server(routes)
    try:
        return await exchange(server, raw)
    finally:
        await server.stop()


async def test_the_status_page_and_a_report_are_html_that_loads_nothing_from_elsewhere() -> None:
    status, headers, body = await answered(with_pages(None), asking("/"))
    assert (status, headers["Content-Type"], body) == ("HTTP/1.1 200 OK", "text/html; charset=utf-8", b"<h1>status</h1>")
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert (await answered(with_pages(None), asking("/reports/post-deploy/6h.html")))[::2] == (
        "HTTP/1.1 200 OK", b"<p>6h</p>")


async def test_a_report_that_does_not_exist_is_404() -> None:
    assert (await answered(with_pages(None), asking("/reports/../../etc/passwd")))[0] == "HTTP/1.1 404 Not Found"


async def test_with_a_token_the_page_needs_it_and_says_how_without_echoing_it() -> None:
    status, _, body = await answered(with_pages("s3cr3t-token"), asking("/?token=wrong-guess"))
    assert (status, body) == ("HTTP/1.1 401 Unauthorized", b"unauthorized: open this address once with "
                              b"?token=<[server] token>, or send Authorization: Bearer <[server] token>\n")


async def test_a_right_token_in_the_query_is_traded_for_a_cookie_and_a_clean_address() -> None:
    status, headers, body = await answered(with_pages("s3cr3t-token"), asking("/reports/post-deploy/6h.html?token=s3cr3t-token"))
    assert (status, headers["Location"], body) == ("HTTP/1.1 303 See Other", "/reports/post-deploy/6h.html", b"")
    cookie = headers["Set-Cookie"].split(";")[0]
    assert "s3cr3t" not in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
    assert (await answered(with_pages("s3cr3t-token"), asking("/", f"Cookie: a=b; {cookie}")))[0] == "HTTP/1.1 200 OK"


async def test_the_cookie_is_secure_behind_https() -> None:
    _, headers, _ = await answered(with_pages("t0k"), asking("/?token=t0k", "X-Forwarded-Proto: https"))
    assert headers["Set-Cookie"].endswith("; SameSite=Lax; Secure")


async def test_a_public_page_needs_no_token_but_status_and_metrics_still_do() -> None:
    routes = with_pages("s3cr3t-token", public=True)
    assert (await answered(routes, asking("/")))[0] == "HTTP/1.1 200 OK"
    assert (await answered(routes, asking("/reports/post-deploy/6h.html")))[0] == "HTTP/1.1 200 OK"
    assert (await answered(routes, asking("/status")))[0] == "HTTP/1.1 401 Unauthorized"


async def test_answers_not_found_are_not_kept_in_the_cache() -> None:
    server = await started_server(with_pages(None))
    try:
        for n in range(5):
            await exchange(server, asking(f"/reports/nope-{n}"))
    finally:
        await server.stop()
    assert server._cache == {}
