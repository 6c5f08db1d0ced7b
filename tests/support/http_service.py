"""A real HTTP service on 127.0.0.1 that a test can make healthy, slow, failing or odd.

It stands in for the monitored Node/Express app: ``GET /health`` answers the
JSON the seeds show (status, uptime, websocket.activeConnections, memory);
``service.behave(...)`` changes what it answers next.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

HEALTHY = {
    "status": "healthy",
    "uptime": 3600,
    "version": "1.0.0",
    "websocket": {"activeConnections": 12, "totalConnections": 15},
    "memory": {"heapUsed": 81.5},
}


@dataclass
class Behaviour:
    status: int = 200
    delay_s: float = 0.0
    body: bytes | None = None  # None: the HEALTHY JSON
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    close_without_answer: bool = False
    trickle_s: float = 0.0  # > 0: the headers at once, then the body one byte per trickle_s


class Service:
    """The running server; ``url`` is its base, ``hits`` counts requests."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.hits = 0
        self.lock = threading.Lock()
        handler = _make_handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def behave(self, **changes: Any) -> None:
        self.behaviour = Behaviour(**changes)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _make_handler(service: Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms) on a kept-alive connection and skews every timing.
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._answer()

        do_HEAD = do_GET

        def _answer(self) -> None:
            b = service.behaviour
            with service.lock:
                service.hits += 1
            if b.delay_s:
                time.sleep(b.delay_s)
            if b.close_without_answer:
                self.close_connection = True
                return
            body = b.body if b.body is not None else json.dumps(HEALTHY).encode()
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", "/health")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(b.status)
            self.send_header("Content-Type", b.content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in b.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            if b.trickle_s:
                self._trickle(body, b.trickle_s)
            else:
                self.wfile.write(body)

        def _trickle(self, body: bytes, pause_s: float) -> None:
            self.wfile.flush()
            for i in range(len(body)):
                time.sleep(pause_s)
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:  # the client gave up: what the test wanted
                    self.close_connection = True
                    return

    return Handler


@pytest.fixture
def http_service() -> Iterator[Service]:
    service = Service()
    yield service
    service.stop()
