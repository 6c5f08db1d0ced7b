"""A stand-in for the seeds' Socket.IO service: one replica, run as its own process.

    python -m tests.support.socketio_app --port 5001 --redis redis://127.0.0.1:6390/0 \
        --name replica-a --token s3cret

python-socketio's asyncio server on aiohttp, with ``socketio.AsyncRedisManager``
(the Python counterpart of ``@socket.io/redis-adapter``) carrying broadcasts
between replicas through a real redis-server. What it answers:

* connect: refused with ``invalid token`` unless ``auth.token`` is ``--token``
  (when one is given); the ``/open`` namespace takes anyone; no other namespace exists;
* ``ping`` (acknowledged with ``{"ok": true}``) also emits ``pong`` ``{"payload": {"ok": true}, "echo": DATA}``;
* ``subscribe:portfolio`` ``{"userId": U}`` joins the room ``user:U`` (acknowledged);
* ``test:trade`` ``{"userId": U, ...}`` broadcasts ``trade:notification`` to ``user:U``;
* ``POST /test/portfolio-update`` (and ``/api/test/portfolio-update``, the example config's)
  ``{"userId": U, ...}`` broadcasts ``portfolio:update`` to ``user:U``;
* ``POST /test/forwarding`` ``{"enabled": false}``: this replica stops delivering the
  broadcasts other replicas publish (it still accepts connections: the failure
  a monitor must see);
* ``GET /health``: ``{"status": "healthy", "replica": NAME}``.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import socketio
from aiohttp import web


class Replica(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager with a switch: ``forwarding = False`` drops other replicas' broadcasts."""

    forwarding = True

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if not self.forwarding and message.get("host_id") != self.host_id:
            return
        await super()._handle_emit(message)


def build(name: str, redis_url: str, token: str | None) -> web.Application:
    quiet = logging.getLogger("socketio-test-app")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    manager = Replica(redis_url, logger=quiet)
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager, logger=quiet, engineio_logger=quiet)
    app = web.Application()
    sio.attach(app)
    _events(sio, token)
    _routes(app, sio, manager, name)
    return app


def _events(sio: socketio.AsyncServer, token: str | None) -> None:
    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
        if token is not None and (auth or {}).get("token") != token:
            raise socketio.exceptions.ConnectionRefusedError("invalid token")

    @sio.on("connect", namespace="/open")
    async def connect_open(sid: str, environ: dict[str, Any], auth: Any) -> None:
        return None

    @sio.on("ping")
    async def ping(sid: str, data: Any = None) -> dict[str, Any]:
        await sio.emit("pong", {"payload": {"ok": True}, "echo": data}, to=sid)
        return {"ok": True}

    @sio.on("subscribe:portfolio")
    async def subscribe(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, f"user:{data['userId']}")
        return {"subscribed": data["userId"]}

    @sio.on("test:trade")
    async def trade(sid: str, data: dict[str, Any]) -> None:
        await sio.emit("trade:notification", data, room=f"user:{data['userId']}")


def _routes(app: web.Application, sio: socketio.AsyncServer, manager: Replica, name: str) -> None:
    async def portfolio_update(request: web.Request) -> web.Response:
        body = await request.json()
        await sio.emit("portfolio:update", {**body, "totalValue": 50000}, room=f"user:{body['userId']}")
        return web.json_response({"sent": True, "replica": name})

    async def forwarding(request: web.Request) -> web.Response:
        manager.forwarding = bool((await request.json())["enabled"])
        return web.json_response({"forwarding": manager.forwarding})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "replica": name})

    app.router.add_post("/test/portfolio-update", portfolio_update)
    app.router.add_post("/api/test/portfolio-update", portfolio_update)  # config.example.toml's path
    app.router.add_post("/test/forwarding", forwarding)
    app.router.add_get("/health", health)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    web.run_app(build(args.name, args.redis, args.token), host="127.0.0.1", port=args.port, print=None,
                handle_signals=True)


if __name__ == "__main__":
    main()
