"""The ``websocket`` check kind: a plain RFC 6455 client connects, sends, waits for a reply, pings.

    [checks.ws]
    type = "websocket"
    url = "wss://app.example.com/ws"
    headers = { Authorization = "Bearer ${WS_TOKEN}" }
    send = '{"type": "ping"}'
    expect_json = { type = "pong" }          # or expect = 'pong' (a regular expression)
    ping = true
    critical = ["connect_ms > 1000", "reply_ms > 500"]

Metrics: ``connect_ms`` (TCP connect to the 101 Switching Protocols, TLS included),
``pong_ms`` (a protocol ping to its pong, with ``ping = true``), ``reply_ms``
(``send`` to the first message matching ``expect``/``expect_json``, or the first
message at all; without ``send``, the connect's end to it). The negotiated
subprotocol is a label. A refused upgrade (HTTP 403...), a closed connection, a
subprotocol the server did not accept, or no matching reply in time is CRITICAL
with its reason. Proxies from the environment are ignored, as for every check.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from watchdog.checks.client_config import SecretTable, header_texts, matches, within
from watchdog.checks.http_endpoint import HttpConfig
from watchdog.checks.latency_probe import host_of
from watchdog.durations import format_duration
from watchdog.errors import CheckError, ProbeConnectError, ProbeResponseError, ProbeTLSError
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.neterrors import DNS_WITH_DETAIL, connect_reason
from watchdog.redact import scrub_url
from watchdog.stats import format_ms
from watchdog.text import clip

BUDGET_SHARE = 0.9
CLOSE_WITHIN_S = 1.0
MAX_MESSAGE_BYTES = 1 << 20
_QUIET = logging.getLogger("watchdog.checks.websocket.library")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


class WebSocketConfig(CheckConfig):
    """Keys of ``type = "websocket"``."""

    url: str
    headers: SecretTable = Field(default_factory=dict)
    subprotocols: list[str] = Field(default_factory=list)
    send: str | None = None
    expect: str | None = None
    expect_json: dict[str, Any] = Field(default_factory=dict)
    ping: bool = False
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _ws_url(cls, url: str) -> str:
        if not url.startswith(("ws://", "wss://")) or not urlsplit(url).hostname:
            raise ValueError(f"must be a ws:// or wss:// URL, got {scrub_url(url)!r}")
        return url

    @field_validator("expect")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        return HttpConfig._regex(pattern)  # the http kind's expect_body rule, worded the same

    @model_validator(mode="after")
    def _one_expectation(self) -> WebSocketConfig:
        if self.expect is not None and self.expect_json:
            raise ValueError("set 'expect' (a regular expression) or 'expect_json' (dot paths), not both")
        return self

    @property
    def awaits_reply(self) -> bool:
        return self.send is not None or self.expect is not None or bool(self.expect_json)


class WebSocketCheck(CheckKind[WebSocketConfig]):
    """Connect, optionally ping, send and wait for a matching reply."""

    type = "websocket"
    METRICS = frozenset({"connect_ms", "reply_ms", "pong_ms"})
    MAIN_METRIC = "connect_ms"
    _step = "connect"  # where the run is: what a timeout names as missing

    @classmethod
    def known_metrics(cls, config: WebSocketConfig) -> frozenset[str]:
        known = {"connect_ms"} | ({"pong_ms"} if config.ping else set())
        return frozenset(known | ({"reply_ms"} if config.awaits_reply else set()))

    async def measure(self) -> Measurement:
        c, host = self.config, host_of(self.config.url)
        budget = c.timeout * BUDGET_SHARE
        deadline = asyncio.get_running_loop().time() + budget
        metrics: dict[str, float] = {}
        self._step = "connect"
        async with within(deadline, lambda: metrics, lambda: _missing(self._step, host, budget)):
            ws = await self._connect(host, metrics)
            try:
                reply = await self._exchange(ws, host, metrics)
            finally:
                await asyncio.shield(asyncio.ensure_future(_close(ws)))
        labels = {"subprotocol": ws.subprotocol} if ws.subprotocol else {}
        evidence = (f"reply: {clip(reply, 200, marker='...')}",) if reply is not None else ()
        return Measurement(metrics, summary=summarize(metrics), evidence=evidence, labels=labels)

    async def _connect(self, host: str, metrics: dict[str, float]) -> Any:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        c = self.config
        t0 = time.perf_counter()
        try:
            ws = await connect(
                c.url, additional_headers=header_texts(c.headers), subprotocols=c.subprotocols or None,
                ssl=_tls(c.verify_tls) if c.url.startswith("wss://") else None, proxy=None, open_timeout=None,
                ping_interval=None, close_timeout=CLOSE_WITHIN_S, max_size=MAX_MESSAGE_BYTES, logger=_QUIET,
            )
        except (OSError, WebSocketException) as exc:
            raise handshake_failure(exc, host) from None
        metrics["connect_ms"] = (time.perf_counter() - t0) * 1000
        if c.subprotocols and ws.subprotocol is None:
            await _close(ws)
            raise ProbeResponseError(f"{host} accepted none of the subprotocols {', '.join(c.subprotocols)}")
        return ws

    async def _exchange(self, ws: Any, host: str, metrics: dict[str, float]) -> str | None:
        from websockets.exceptions import ConnectionClosed

        c = self.config
        try:
            if c.ping:
                self._step = "pong"
                t0 = time.perf_counter()
                await (await ws.ping())
                metrics["pong_ms"] = (time.perf_counter() - t0) * 1000
            if not c.awaits_reply:
                return None
            self._step = "reply"
            t0 = time.perf_counter()
            if c.send is not None:
                await ws.send(c.send)
            reply = await self._matching(ws)
            metrics["reply_ms"] = (time.perf_counter() - t0) * 1000
            return reply
        except ConnectionClosed as exc:
            closed = f"{host} closed the WebSocket {_before(self._step)} ({_close_text(exc)})"
            raise ProbeResponseError(closed) from None

    async def _matching(self, ws: Any) -> str:
        """The first message that matches ``expect``/``expect_json`` (any message when neither is set)."""
        c = self.config
        while True:
            message = await ws.recv()
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            if c.expect is not None and not re.search(c.expect, text):
                continue
            if c.expect_json and not _json_matches(text, c.expect_json):
                continue
            return text


def _json_matches(text: str, expected: dict[str, Any]) -> bool:
    try:
        return matches(json.loads(text), expected)
    except ValueError:
        return False


def _tls(verify: bool) -> ssl.SSLContext:
    from watchdog.http import system_tls_context

    if verify:
        return system_tls_context()
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


async def _close(ws: Any) -> None:
    try:
        async with asyncio.timeout(CLOSE_WITHIN_S):
            await ws.close()
    except Exception:  # the server went away mid-close: the socket is closed regardless
        ws.transport.abort()


def handshake_failure(exc: BaseException, host: str) -> CheckError:
    """The person's reason the opening handshake failed."""
    from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException

    if isinstance(exc, InvalidStatus):
        response = exc.response
        return ProbeResponseError(f"{host} refused the WebSocket upgrade: HTTP {response.status_code} "
                                  f"{response.reason_phrase}".rstrip())
    if isinstance(exc, ssl.SSLError):
        detail = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        return ProbeTLSError(f"TLS handshake with {host} failed: {detail}")
    if isinstance(exc, InvalidURI):
        return ProbeResponseError(f"invalid WebSocket URL: {exc}")
    if isinstance(exc, WebSocketException):
        return ProbeResponseError(f"WebSocket handshake with {host} failed: {exc}")
    return ProbeConnectError(connect_reason(exc, host, text=str(exc), wording=DNS_WITH_DETAIL))


def _close_text(exc: Any) -> str:
    frame = exc.rcvd
    if frame is None:
        return "no close frame"
    return f"code {frame.code}" + (f": {frame.reason}" if frame.reason else "")


def _before(step: str) -> str:
    return {"pong": "before answering the ping", "reply": "before replying"}.get(step, "")


def _missing(step: str, host: str, budget: float) -> str:
    within = f"within {format_duration(budget)}"
    return {"connect": f"no WebSocket handshake with {host} {within}",
            "pong": f"no pong from {host} {within}",
            "reply": f"no matching reply from {host} {within}"}[step]


def summarize(metrics: dict[str, float]) -> str:
    """``connected in 2.1 ms, pong in 0.30 ms, reply in 0.52 ms``."""
    words = {"connect_ms": "connected in", "pong_ms": "pong in", "reply_ms": "reply in"}
    return ", ".join(f"{words[k]} {format_ms(metrics[k])} ms" for k in words if k in metrics)
