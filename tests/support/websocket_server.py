"""A real WebSocket server (the ``websockets`` library) on 127.0.0.1, in its own thread and loop.

    async def test_x(websocket_server):
        websocket_server.url("/echo")        # ws://127.0.0.1:PORT/echo

Paths:

* ``/echo``: every text message comes back as is; ``"status?"`` is answered with
  ``{"type": "status", "ok": true}`` after one unrelated ``{"type": "noise"}`` message;
* ``/forbidden``: the upgrade is refused with HTTP 403;
* ``/close``: the server closes with code 1008 ("policy violation") on the first message;
* ``/silent``: accepts, reads, never answers.

Subprotocol ``chat.v1`` is accepted when the client offers it; a client offering
others gets none.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest


class WebSocketServer:
    """The running server; ``url(path)`` names an endpoint; ``connections`` counts handshakes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.connections = 0
        #: the opening handshake's headers of the latest connection
        self.last_headers: dict[str, str] = {}
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("the WebSocket server did not start")

    def url(self, path: str = "/echo") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        from websockets.asyncio.server import serve

        self.server = await serve(self._handle, "127.0.0.1", 0, process_request=_refuse_forbidden,
                                  select_subprotocol=_chat_only)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, ws: Any) -> None:
        self.connections += 1
        self.last_headers = dict(ws.request.headers.raw_items())
        path = ws.request.path
        async for message in ws:
            if path == "/close":
                await ws.close(1008, "policy violation")
                return
            if path == "/silent":
                continue
            if message == "status?":
                await ws.send(json.dumps({"type": "noise"}))
                await ws.send(json.dumps({"type": "status", "ok": True}))
            else:
                await ws.send(message)

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _refuse_forbidden(connection: Any, request: Any) -> Any:
    if request.path == "/forbidden":
        return connection.respond(403, "no entry\n")
    return None


def _chat_only(connection: Any, subprotocols: Any) -> Any:
    return "chat.v1" if "chat.v1" in subprotocols else None


@pytest.fixture
def websocket_server() -> Iterator[WebSocketServer]:
    server = WebSocketServer()
    try:
        yield server
    finally:
        server.stop()
