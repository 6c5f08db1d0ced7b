"""The ``socketio`` check kind: one Socket.IO client connects, emits, and waits for its reply.

    [checks.realtime]
    type = "socketio"
    url = "${APP_URL}"                       # the http(s) origin; path and namespace are keys
    auth = { token = "${SOCKETIO_TOKEN}" }   # the handshake's auth table (secret-named values redacted)
    emit = { event = "ping", data = { from = "watchdog" }, ack = true }
    expect_event = { event = "pong", match = { "payload.ok" = true } }
    critical = ["connect_ms > 1000", "event_ms > 500"]

Metrics: ``connect_ms`` (Engine.IO handshake to the namespace's CONNECT),
``ack_ms`` (emit to its acknowledgement, with ``emit.ack``), ``event_ms`` (emit to
the first event matching ``expect_event``; without ``emit``, connect start to it).
The negotiated transport is the ``transport`` label. Every failure is a
``CheckError`` (CRITICAL) with its reason: refused, DNS, TLS, a wrong ``path``, the
handshake rejected with the server's reason, a refused namespace, no ack or no
matching event within the timeout (naming which). The client always disconnects.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator

from watchdog.checks.client_config import (
    EmitSpec, ExpectSpec, SecretTable, header_texts, literal_secrets, revealed, within,
)
from watchdog.checks.socketio_session import EventWatch, SocketIOClient
from watchdog.durations import format_duration
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.redact import scrub_url
from watchdog.stats import format_ms
from watchdog.text import clip

if TYPE_CHECKING:
    from watchdog.config import LoadContext

#: our own deadline, inside the runner's, so a timeout says what did not arrive
BUDGET_SHARE = 0.9
Transport = Literal["polling", "websocket"]


def http_origin(url: str) -> str:
    """``url`` if it is http(s)://host...; ValueError otherwise (both Socket.IO kinds)."""
    if url.startswith(("ws://", "wss://")):
        raise ValueError(f"give the http(s) origin, not {scrub_url(url)!r} (type = \"websocket\" is for plain "
                         "WebSocket endpoints)")
    if not url.startswith(("http://", "https://")) or not urlsplit(url).hostname:
        raise ValueError(f"must be an http:// or https:// URL, got {scrub_url(url)!r}")
    return url


def split_probe_url(url: str) -> tuple[str, str]:
    """``https://app.example.com/admin?x=1`` -> (``https://app.example.com?x=1``, ``/admin``): the path
    of a Socket.IO URL names the namespace, as in ``io("https://host/admin")``."""
    parts = urlsplit(url)
    origin = urlunsplit((parts.scheme, parts.netloc, "", parts.query, ""))
    return origin, parts.path.rstrip("/") or "/"


class SocketIOClientConfig(CheckConfig):
    """Keys every Socket.IO kind takes: where and how its clients connect."""

    path: str = "/socket.io"
    namespace: str = "/"
    transports: list[Transport] = Field(default_factory=lambda: ["websocket"], min_length=1, max_length=2)
    auth: SecretTable = Field(default_factory=dict)
    headers: SecretTable = Field(default_factory=dict)
    verify_tls: bool = True

    @field_validator("path", "namespace")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"must start with '/' (path: '/socket.io', namespace: '/'), got {value!r}")
        return value

    @field_validator("transports")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("list each transport once: [\"websocket\"] or [\"polling\", \"websocket\"]")
        return value


def refuse_literal_auth(name: str, ctx: LoadContext) -> None:
    """A handshake secret typed in the file ends up in git: it must come from the environment."""
    for key in literal_secrets(ctx.raw_check(name).get("auth")):
        raise ValueError(f"auth.{key}: put the value in an environment variable "
                         f"(auth = {{ {key} = \"${{SOCKETIO_TOKEN}}\" }}), not in the file")


class SocketIOConfig(SocketIOClientConfig):
    """Keys of ``type = "socketio"``."""

    url: str
    emit: EmitSpec | None = None
    expect_event: ExpectSpec | None = None

    @field_validator("url")
    @classmethod
    def _origin(cls, url: str) -> str:
        return http_origin(url)


class SocketIOCheck(CheckKind[SocketIOConfig]):
    """Connect one client, optionally emit (timing the ack) and wait for a matching event."""

    type = "socketio"
    METRICS = frozenset({"connect_ms", "ack_ms", "event_ms"})
    MAIN_METRIC = "connect_ms"

    @classmethod
    def known_metrics(cls, config: SocketIOConfig) -> frozenset[str]:
        known = {"connect_ms"}
        if config.emit is not None and config.emit.ack:
            known.add("ack_ms")
        if config.expect_event is not None:
            known.add("event_ms")
        return frozenset(known)

    @classmethod
    def validate_config(cls, name: str, config: SocketIOConfig, ctx: LoadContext) -> None:
        refuse_literal_auth(name, ctx)

    async def measure(self) -> Measurement:
        c = self.config
        budget = c.timeout * BUDGET_SHARE
        metrics: dict[str, float] = {}
        evidence: list[str] = []
        stage = Stage(c)
        # the deadline starts now: the first run's library imports count against it too
        deadline = asyncio.get_running_loop().time() + budget
        async with client_for(c, c.url) as client:
            watch = EventWatch(c.expect_event.match) if c.expect_event else None
            if c.expect_event and watch:
                client.on(c.expect_event.event, watch.receive)
                if c.emit is None:
                    watch.start()  # timed from the connect's start: a server may push it with the CONNECT
            async with within(deadline, lambda: metrics, lambda: stage.missing(client.host, budget, watch)):
                metrics["connect_ms"] = await client.connect(wait=budget)
                stage.connected(client.transport_used or "?")
                await self._exchange(client, watch, stage, metrics, evidence)
        return Measurement(metrics, summary=summarize(metrics, stage.transport, c), evidence=tuple(evidence),
                           labels={"transport": stage.transport})

    async def _exchange(self, client: SocketIOClient, watch: EventWatch | None, stage: Stage,
                        metrics: dict[str, float], evidence: list[str]) -> None:
        emit = self.config.emit
        if emit is not None:
            stage.now("ack" if emit.ack else "event")
            if watch is not None:
                watch.start()
            if emit.ack:
                metrics["ack_ms"], payload = await client.call(emit.event, emit.data)
                evidence.append(f"ack of {emit.event!r}: {preview(payload)}")
            else:
                await client.emit(emit.event, emit.data)
        if watch is not None:
            stage.now("event")
            await watch.arrived
            metrics["event_ms"] = watch.ms_after() or 0.0


def client_for(config: SocketIOClientConfig, url: str) -> SocketIOClient:
    """A client of ``url`` with the config's path, namespace, transports, auth and headers."""
    return SocketIOClient(
        url, path=config.path, namespace=config.namespace, transports=config.transports,
        headers=header_texts(config.headers), auth=revealed(config.auth) or None, verify_tls=config.verify_tls,
        timeout=config.timeout,
    )


class Stage:
    """Where the exchange is, so a timeout names what did not arrive."""

    def __init__(self, config: SocketIOConfig) -> None:
        self.config = config
        self.step = "connect"
        self.transport = "?"

    def connected(self, transport: str) -> None:
        self.transport = transport

    def now(self, step: str) -> None:
        self.step = step

    def missing(self, host: str, budget: float, watch: EventWatch | None) -> str:
        within = f"within {format_duration(budget)}"
        if self.step == "connect":
            return f"no Socket.IO handshake with {host} {within}"
        if self.step == "ack" and self.config.emit is not None:
            return f"no acknowledgement of {self.config.emit.event!r} from {host} {within}"
        expect = self.config.expect_event
        assert expect is not None and watch is not None
        what = f"no {expect.event!r} event" + (f" matching {match_text(expect.match)}" if expect.match else "")
        other = f" ({plural(watch.ignored, 'other ' + repr(expect.event) + ' event')}, last: " \
            f"{preview(watch.last_ignored)})" if watch.ignored else ""
        return f"{what} from {host} {within}{other}"


def plural(count: int, noun: str) -> str:
    """``1 client``, ``3 clients``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def match_text(match: dict[str, object]) -> str:
    """``payload.ok = true, userId = "u1"``."""
    return ", ".join(f"{path} = {json.dumps(value)}" for path, value in match.items())


def preview(value: object, limit: int = 80) -> str:
    return clip(json.dumps(value, ensure_ascii=False, default=str), limit, marker="...")


def summarize(metrics: dict[str, float], transport: str, config: SocketIOConfig) -> str:
    """``connected over websocket in 3.1 ms, ack of 'ping' in 0.80 ms, 'pong' in 1.2 ms``."""
    parts = [f"connected over {transport} in {format_ms(metrics['connect_ms'])} ms"]
    if "ack_ms" in metrics and config.emit is not None:
        parts.append(f"ack of {config.emit.event!r} in {format_ms(metrics['ack_ms'])} ms")
    if "event_ms" in metrics and config.expect_event is not None:
        parts.append(f"{config.expect_event.event!r} in {format_ms(metrics['event_ms'])} ms")
    return ", ".join(parts)
