"""The daemon's own HTTP endpoint: ``/healthz``, ``/metrics``, ``/status``.

A minimal HTTP/1.1 server on asyncio streams (one request per connection): the
daemon serves three small documents to a load balancer, Prometheus and people,
and needs no web framework for that. What each route returns comes from
callables the daemon passes in, so this module knows nothing of checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("watchdog.server")
MAX_REQUEST = 16 * 1024  # bytes of request line + headers; the routes take no body
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Routes:
    healthz: Callable[[], tuple[bool, str]]
    metrics: Callable[[], bytes]
    status: Callable[[], dict[str, Any]]


class StatusServer:
    def __init__(self, routes: Routes, host: str, port: int) -> None:
        self.routes = routes
        self.host, self.port = host, port
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        # the stream's limit bounds what readuntil() buffers: a larger request head is refused
        self._server = await asyncio.start_server(self._handle, self.host, self.port, limit=MAX_REQUEST)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        except asyncio.LimitOverrunError:
            head = None
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            writer.close()
            return
        method, (status, ctype, body) = self._answer(head)
        reason = REASONS[status]
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + (body if method != "HEAD" else b""))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    def _answer(self, head: bytes | None) -> tuple[str, tuple[int, str, bytes]]:
        """(method, (status, content type, body)) for a request head (None: it was too large)."""
        if head is None:
            return "GET", (431, "text/plain", b"request header too large\n")
        try:
            method, path = _request_line(head)
        except ValueError:
            return "GET", (400, "text/plain", b"bad request\n")
        try:
            return method, self._route(method, path)
        except Exception as exc:  # a broken route must not kill the server
            log.error("status server error: %r", exc)
            return method, (500, "text/plain", b"internal error\n")

    def _route(self, method: str, path: str) -> tuple[int, str, bytes]:
        if method not in ("GET", "HEAD"):
            return 405, "text/plain", b"method not allowed\n"
        path = path.split("?", 1)[0]
        if path == "/healthz":
            ok, message = self.routes.healthz()
            return (200 if ok else 503), "text/plain", (message + "\n").encode()
        if path == "/metrics":
            return 200, "text/plain; version=0.0.4; charset=utf-8", self.routes.metrics()
        if path == "/status":
            return 200, "application/json", json.dumps(self.routes.status(), indent=2, default=str).encode()
        return 404, "text/plain", b"not found: try /healthz, /metrics, /status\n"


def _request_line(head: bytes) -> tuple[str, str]:
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(line)
    return parts[0].upper(), parts[1]
