"""A real HTTP receiver on 127.0.0.1 standing in for Slack and for a generic webhook.

Routes (any path works; these are the ones tests use):

* ``POST /slack/webhook/...``     Slack incoming webhook: ``200 ok``
* ``POST /slack/api/chat.postMessage``  Slack Web API: ``{"ok": true, "ts": "..."}``,
  a new ``ts`` per message (the thread key)
* ``POST /hook/...``              generic webhook: ``200 {"received": true}``
* ``/pagerduty/``, ``/opsgenie/``, ``/teams/``, ``/discord/``: stand-ins that
  check each payload against the service's documented fields and limits
  (``tests/support/services.py``); a request that breaks them is answered as
  the service would (400, 422, 413...) and listed in ``receiver.invalid``,
  whatever was scripted

A test scripts the next answers with ``receiver.script(Reply(500), Reply(500),
Reply(429, headers={"Retry-After": "1"}), Reply(200))``: each request takes the
next reply; when the script is used up, the route's normal answer follows.
Every request is recorded (method, path, headers, raw body, parsed JSON).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from tests.support.services import service_for

SLACK_WEBHOOK = "/slack/webhook/T000/B000/XXXXXXXX"
SLACK_API = "/slack/api/"


@dataclass
class Reply:
    """One scripted answer; ``json`` wins over ``body``; ``delay_s`` delays it (timeouts)."""

    status: int = 200
    body: bytes | str | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class Receiver:
    """The running server: ``url`` is its base; ``requests`` what it got."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.invalid: list[tuple[str, list[str]]] = []  # (path, what the service would refuse)
        self._script: deque[Reply] = deque()
        self._lock = threading.RLock()
        self._ts = 0
        self._closing = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def slack_webhook_url(self) -> str:
        return self.url + SLACK_WEBHOOK

    @property
    def slack_api_url(self) -> str:
        return self.url + SLACK_API

    def hook_url(self, name: str = "watchdog") -> str:
        return f"{self.url}/hook/{name}"

    def script(self, *replies: Reply) -> None:
        """The next answers, in order (added after any still queued)."""
        with self._lock:
            self._script.extend(replies)

    def clear_script(self) -> None:
        """Drop the scripted answers still queued: the routes answer normally from now on."""
        with self._lock:
            self._script.clear()

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """Wait (bounded) until ``count`` requests arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.requests)

    def stop(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

    def _next(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Reply, bool]:
        service = service_for(path)
        problems = service[0](path, headers, body) if service else []
        with self._lock:
            if problems:
                self.invalid.append((path, problems))
            elif self._script:
                return self._script.popleft(), True
        if service is not None:
            status, answer = service[1](path, body, problems)
            return (Reply(status, json=answer) if not isinstance(answer, bytes) else Reply(status, body=answer)), False
        return _default(path, self), False

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1714564800.{self._ts:06d}"


def _default(path: str, receiver: Receiver) -> Reply:
    if path.startswith(SLACK_API):
        return Reply(200, json={"ok": True, "channel": "C0123456789", "ts": receiver._next_ts()})
    if path.startswith("/slack/webhook"):
        return Reply(200, body="ok", headers={"Content-Type": "text/html"})
    return Reply(200, json={"received": True})


def _make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = dict(self.headers.items())
            with receiver._lock:
                receiver.requests.append(Request("POST", self.path, headers, body))
            reply, scripted = receiver._next(self.path, headers, body)
            if reply.delay_s:
                receiver._closing.wait(reply.delay_s)
            if scripted and self.path.startswith(SLACK_API) and reply.json == {"ok": True}:
                reply.json = {"ok": True, "ts": receiver._next_ts()}
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            if reply.json is not None:
                data, ctype = json.dumps(reply.json).encode(), "application/json; charset=utf-8"
            else:
                raw = reply.body if reply.body is not None else b""
                data, ctype = (raw.encode() if isinstance(raw, str) else raw), "text/plain; charset=utf-8"
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": ctype, **reply.headers, "Content-Length": str(len(data))}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()
