"""The daemon's own HTTP endpoint: ``/healthz``, ``/metrics``, ``/status``.

A minimal HTTP/1.1 server on asyncio streams (one request per connection): the
daemon serves three small documents to a load balancer, Prometheus and people,
and needs no web framework for that. What each route returns comes from
callables the daemon passes in, so this module knows nothing of checks.

It shares the event loop with the checks, so it must never be able to starve
them (a flood of 200 clients on ``/status`` once cut results by 67 %):

* it accepts at most ``ACCEPTS_PER_S`` connections a second (a burst of
  ``ACCEPT_BURST``): past that it stops reading its listening socket until the
  budget refills, so a flood waits in the kernel's backlog (or is refused by
  the kernel) and costs the daemon nothing; Prometheus, a load balancer and
  people together ask a few times a second;
* each document is built at most once a second (``CACHE_S``) and the bytes
  served again to everyone asking meanwhile;
* at most ``MAX_CONNECTIONS`` requests are served at once; more are answered
  503 at once, without reading them;
* a client has ``READ_TIMEOUT_S`` to send its request head (at most
  ``MAX_REQUEST`` bytes) and ``WRITE_TIMEOUT_S`` to take the answer;
* with ``[server] token`` set, ``/status`` and ``/metrics`` answer 401 unless
  the request has ``Authorization: Bearer <token>``; ``/healthz`` stays open
  for load balancers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("watchdog.server")
MAX_REQUEST = 16 * 1024  # bytes of request line + headers; the routes take no body
MAX_CONNECTIONS = 64
ACCEPTS_PER_S = 100.0
ACCEPT_BURST = 50
BACKLOG = 128
READ_TIMEOUT_S = 2.0
WRITE_TIMEOUT_S = 2.0
CACHE_S = 1.0
PROTECTED = frozenset({"/status", "/metrics"})
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
TEXT = "text/plain; charset=utf-8"


@dataclass
class Routes:
    healthz: Callable[[], tuple[bool, str]]
    metrics: Callable[[], bytes]
    status: Callable[[], dict[str, Any]]
    token: str | None = None  # required for PROTECTED paths when set


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self, head_only: bool) -> bytes:
        extra = "".join(f"{name}: {value}\r\n" for name, value in self.headers)
        head = (f"HTTP/1.1 {self.status} {REASONS[self.status]}\r\nContent-Type: {self.content_type}\r\n"
                f"Content-Length: {len(self.body)}\r\n{extra}Connection: close\r\n\r\n").encode()
        return head if head_only else head + self.body


BUSY = Answer(503, TEXT, b"too many connections: try again\n")


class StatusServer:
    def __init__(self, routes: Routes, host: str, port: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.routes = routes
        self.host, self.port = host, port
        self.clock = clock
        self.active = 0
        self.refused = 0  # answered BUSY
        self._cache: dict[str, tuple[float, Answer]] = {}
        self._listener: socket.socket | None = None
        self._budget = AcceptBudget(ACCEPTS_PER_S, ACCEPT_BURST, clock)
        self._resume: asyncio.TimerHandle | None = None
        self._serving: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        sock = socket.create_server((self.host, self.port), backlog=BACKLOG,
                                    family=socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setblocking(False)
        self._listener = sock
        self.port = sock.getsockname()[1]
        asyncio.get_running_loop().add_reader(sock.fileno(), self._accept)

    def _accept(self) -> None:
        """Take what the budget allows from the backlog; then stop listening until it refills."""
        assert self._listener is not None
        while self._budget.take():
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                self._budget.give_back()
                return
            except OSError as exc:  # out of file descriptors...: say it, try again later
                self._budget.give_back()
                log.warning("status server cannot accept: %s", exc)
                return self._pause(1.0)
            conn.setblocking(False)
            task = asyncio.ensure_future(self._serve(conn))
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)
        self._pause(self._budget.wait())

    def _pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if self._listener is None or self._resume is not None:
            return
        loop.remove_reader(self._listener.fileno())
        self._resume = loop.call_later(seconds, self._listen_again)

    def _listen_again(self) -> None:
        self._resume = None
        if self._listener is not None:
            asyncio.get_running_loop().add_reader(self._listener.fileno(), self._accept)

    async def _serve(self, conn: socket.socket) -> None:
        # the stream's limit bounds what readuntil() buffers: a larger request head is refused
        try:
            reader, writer = await asyncio.open_connection(sock=conn, limit=MAX_REQUEST)
        except OSError:
            conn.close()
            return
        await self._handle(reader, writer)

    def invalidate(self) -> None:
        """Build every document afresh at the next request (after a reload: new checks)."""
        self._cache.clear()

    async def stop(self) -> None:
        if self._listener is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._listener.fileno())
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        self._listener.close()
        self._listener = None
        if self._serving:
            await asyncio.wait(set(self._serving), timeout=WRITE_TIMEOUT_S + READ_TIMEOUT_S)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.active >= MAX_CONNECTIONS:
            self.refused += 1
            await self._send(writer, BUSY, head_only=False)
            return
        self.active += 1
        try:
            head = await self._read_head(reader)
            if head is not False:
                request = parse_request(head) if head is not None else None
                answer = self.answer(request, too_large=head is None)
                await self._send(writer, answer, head_only=request is not None and request.method == "HEAD")
        finally:
            self.active -= 1
            writer.close()

    async def _read_head(self, reader: asyncio.StreamReader) -> bytes | None | bool:
        """The request head; None when it is too large; False when the client went or dawdled."""
        try:
            return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=READ_TIMEOUT_S)
        except asyncio.LimitOverrunError:
            return None
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            return False

    async def _send(self, writer: asyncio.StreamWriter, answer: Answer, *, head_only: bool) -> None:
        writer.write(answer.encode(head_only))
        with contextlib.suppress(ConnectionError, TimeoutError):
            await asyncio.wait_for(writer.drain(), timeout=WRITE_TIMEOUT_S)
        writer.close()

    def answer(self, request: Request | None, *, too_large: bool = False) -> Answer:
        """What to answer ``request`` (None: it could not be read as one)."""
        if too_large:
            return Answer(431, TEXT, b"request header too large\n")
        if request is None:
            return Answer(400, TEXT, b"bad request\n")
        if request.method not in ("GET", "HEAD"):
            return Answer(405, TEXT, b"method not allowed\n")
        if request.path in PROTECTED and not self._authorized(request):
            return Answer(401, TEXT, b"unauthorized: send Authorization: Bearer <[server] token>\n",
                          (("WWW-Authenticate", 'Bearer realm="watchdog"'),))
        try:
            return self._cached(request.path)
        except Exception as exc:  # a broken route must not kill the server
            log.error("status server error: %r", exc)
            return Answer(500, TEXT, b"internal error\n")

    def _authorized(self, request: Request) -> bool:
        token = self.routes.token
        if not token:
            return True
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())

    def _cached(self, path: str) -> Answer:
        """The document of ``path``, built at most once per ``CACHE_S``."""
        now = self.clock()
        hit = self._cache.get(path)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        answer = self._route(path)
        self._cache[path] = (now, answer)
        return answer

    def _route(self, path: str) -> Answer:
        if path == "/healthz":
            ok, message = self.routes.healthz()
            return Answer(200 if ok else 503, TEXT, (message + "\n").encode())
        if path == "/metrics":
            return Answer(200, "text/plain; version=0.0.4; charset=utf-8", self.routes.metrics())
        if path == "/status":
            return Answer(200, "application/json", json.dumps(self.routes.status(), indent=2, default=str).encode())
        return Answer(404, TEXT, b"not found: try /healthz, /metrics, /status\n")


class AcceptBudget:
    """A token bucket: ``rate`` connections a second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self.tokens, self._at = float(burst), clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        self._refill()
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def give_back(self) -> None:
        self.tokens = min(self.burst, self.tokens + 1.0)

    def wait(self) -> float:
        """Seconds until one connection may be taken again."""
        return max((1.0 - self.tokens) / self.rate, 0.001)


def parse_request(head: bytes) -> Request | None:
    """The request line and headers of a request head; None when it is not HTTP."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return Request(parts[0].upper(), parts[1].split("?", 1)[0], headers)


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")
