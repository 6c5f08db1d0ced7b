"""The daemon's own HTTP endpoint: ``/healthz``, ``/metrics``, ``/status``, the status page ``/``
and the reports under ``/reports/``.

A minimal HTTP/1.1 server on asyncio streams (one request per connection): the
daemon serves a few small documents to a load balancer, Prometheus and people,
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
  the request has ``Authorization: Bearer <token>`` (or the page's cookie), and
  so do ``/`` and ``/reports/`` unless ``[server] public = true``; a browser
  gives ``?token=`` once and is redirected to the same path without it, with a
  cookie (``access.py``); ``/healthz`` stays open for load balancers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from watchdog.daemon.access import AcceptBudget, refusal

log = logging.getLogger("watchdog.server")
MAX_REQUEST = 16 * 1024  # bytes of request line + headers; the routes take no body
MAX_CONNECTIONS = 64
ACCEPTS_PER_S = 100.0
ACCEPT_BURST = 50
BACKLOG = 128
READ_TIMEOUT_S = 2.0
WRITE_TIMEOUT_S = 2.0
CACHE_S = 1.0
MAX_CACHED = 128  # documents kept at once (reports are many paths)
PROTECTED = frozenset({"/status", "/metrics"})
REASONS = {200: "OK", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
#: a page loads nothing from anywhere, tells no one where it was read, and is never stored
PAGE_HEADERS = (("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
                ("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"))
NOT_FOUND = b"not found: try /, /healthz, /metrics, /status, /reports/\n"


@dataclass
class Routes:
    healthz: Callable[[], tuple[bool, str]]
    metrics: Callable[[], bytes]
    status: Callable[[], dict[str, Any]]
    token: str | None = None  # required for PROTECTED paths when set (and the pages unless public)
    page: Callable[[], bytes] | None = None  # the status page's HTML
    report: Callable[[str], tuple[str, bytes] | None] | None = None  # path under /reports/ -> (type, body)
    public: bool = False  # the status page and the reports need no token


def is_page(path: str) -> bool:
    """``/`` and everything under ``/reports``: what ``[server] public`` opens."""
    return path == "/" or path == "/reports" or path.startswith("/reports/")


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    query: str = ""


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
        if self._guarded(request.path):
            refused = self._refused(request)
            if refused is not None:
                return refused
        try:
            return self._cached(request.path)
        except Exception as exc:  # a broken route must not kill the server
            log.error("status server error: %r", exc)
            return Answer(500, TEXT, b"internal error\n")

    def _guarded(self, path: str) -> bool:
        return bool(self.routes.token) and (path in PROTECTED or (is_page(path) and not self.routes.public))

    def _refused(self, request: Request) -> Answer | None:
        """None when the request may read its guarded path; else the 401, or the redirect that
        trades a right ``?token=`` for the cookie (``access.refusal``)."""
        assert self.routes.token
        found = refusal(request.path, request.query, request.headers, self.routes.token, page=is_page(request.path))
        return None if found is None else Answer(found[0], TEXT, found[1], found[2])

    def _cached(self, path: str) -> Answer:
        """The document of ``path``, built at most once per ``CACHE_S``."""
        now = self.clock()
        hit = self._cache.get(path)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        answer = self._route(path)
        if answer.status == 404:
            return answer  # never cache what anyone may ask for: the cache stays small
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
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
        if path == "/" and self.routes.page is not None:
            return Answer(200, HTML, self.routes.page(), PAGE_HEADERS)
        if is_page(path) and self.routes.report is not None:
            found = self.routes.report(unquote(path.removeprefix("/reports").lstrip("/")))
            if found is not None:
                return Answer(200, found[0], found[1], PAGE_HEADERS)
        return Answer(404, TEXT, NOT_FOUND)


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
    path, _, query = parts[1].partition("?")
    return Request(parts[0].upper(), path, headers, query)


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")
