"""The ``socketio-broadcast`` check kind: the seeds' cross-replica test, as a check.

    [checks.cross-replica]
    type = "socketio-broadcast"
    urls = ["https://replica-a.internal", "https://replica-b.internal"]   # or one load-balanced URL
    clients = 5                                                          # spread round-robin over urls
    subscribe = { event = "subscribe:portfolio", data = { userId = "watchdog-probe" } }
    trigger = { http = { url = "${APP_URL}/test/portfolio-update", json = { userId = "watchdog-probe", probeId = "{probe_id}" } } }
    event = "portfolio:update"
    match = { userId = "watchdog-probe", probeId = "{probe_id}" }
    critical = ["lost > 0", "connect_ms > 1000", "p95_ms > 500"]

Each run: ``clients`` clients connect (concurrently), each emits ``subscribe``
(waiting for its ack with ``subscribe.ack = true``, else ``settle``), the trigger
fires once (an HTTP request, or ``trigger.emit`` from the first client), and
every client waits up to ``wait`` for ``event`` with a payload matching ``match``.
``{probe_id}`` in ``trigger``, ``subscribe`` and ``match`` is a fresh id per run,
so a stale or foreign broadcast never counts.

Metrics: ``clients``, ``received``, ``lost``, ``received_pct``, ``p50_ms``,
``p95_ms``, ``max_ms`` (trigger -> receipt), ``connect_ms`` (the slowest client).
The evidence says, per URL, how many of its clients received: the replica that
did not deliver is named. ``critical`` defaults to ``["lost > 0"]``: every client
must receive. A client that cannot connect, a refused subscription or a failed
trigger is CRITICAL with its reason. Clients always disconnect, also on timeout
and cancellation.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from watchdog.checks.broadcast_tally import Arrival, tally
from watchdog.checks.client_config import EmitSpec, SecretTable, fill_probe_id, header_texts, within
from watchdog.checks.json_body import snippet
from watchdog.checks.socketio_probe import SocketIOClientConfig, client_for, http_origin, refuse_literal_auth
from watchdog.checks.socketio_session import EventWatch, SocketIOClient
from watchdog.durations import format_duration
from watchdog.errors import CheckError, ProbeResponseError
from watchdog.kinds import CheckContext, CheckKind
from watchdog.model import Measurement
from watchdog.types import Duration, PositiveDuration, ThresholdExpr

if TYPE_CHECKING:
    from watchdog.config import LoadContext

BUDGET_SHARE = 0.9
MAX_CLIENTS = 200


class HttpTrigger(BaseModel):
    """``trigger = { http = { url, method = "POST", json = {...}, headers } }``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    json_: Any = Field(default=None, alias="json")
    headers: SecretTable = Field(default_factory=dict)
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        return http_origin(url)


class Trigger(BaseModel):
    """Exactly one of ``http`` or ``emit`` (sent by the first client)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    http: HttpTrigger | None = None
    emit: EmitSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        if (self.http is None) == (self.emit is None):
            raise ValueError("set exactly one of 'http' (a request that makes the server broadcast) or 'emit' "
                             "(an event the first client sends)")
        return self


class SocketIOBroadcastConfig(SocketIOClientConfig):
    """Keys of ``type = "socketio-broadcast"``."""

    urls: list[str] = Field(min_length=1, max_length=MAX_CLIENTS)
    clients: int = Field(default=5, ge=1, le=MAX_CLIENTS)
    subscribe: EmitSpec | None = None
    trigger: Trigger
    event: str = Field(min_length=1, max_length=200)
    match: dict[str, Any] = Field(default_factory=dict)
    #: after the subscriptions, before the trigger, when the server does not acknowledge them
    settle: Duration = 0.1
    #: how long after the trigger every client may take to receive
    wait: PositiveDuration = 5.0
    #: every client must receive, unless the table says otherwise
    critical: list[ThresholdExpr] = Field(default_factory=lambda: ["lost > 0"],  # type: ignore[arg-type]
                                          validate_default=True)

    @field_validator("urls")
    @classmethod
    def _origins(cls, urls: list[str]) -> list[str]:
        return [http_origin(url) for url in urls]

    @model_validator(mode="after")
    def _a_client_per_url(self) -> SocketIOBroadcastConfig:
        if self.clients < len(self.urls):
            raise ValueError(f"clients ({self.clients}) must be at least the number of urls ({len(self.urls)}): "
                             "every replica gets a client")
        return self


class SocketIOBroadcastCheck(CheckKind[SocketIOBroadcastConfig]):
    """N clients subscribe, one trigger, every client must receive the event."""

    type = "socketio-broadcast"
    METRICS = frozenset({"clients", "received", "lost", "received_pct", "p50_ms", "p95_ms", "max_ms", "connect_ms"})
    MAIN_METRIC = "p95_ms"

    @classmethod
    def validate_config(cls, name: str, config: SocketIOBroadcastConfig, ctx: LoadContext) -> None:
        refuse_literal_auth(name, ctx)

    async def measure(self) -> Measurement:
        c = self.config
        budget = c.timeout * BUDGET_SHARE
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        run = Run(c, self.context, secrets.token_hex(6))
        async with AsyncExitStack() as stack:
            for client in run.clients:
                await stack.enter_async_context(client)
                client.on(c.event, run.watch_of(client).receive)
            async with within(deadline, run.metrics, lambda: run.stalled(budget)):
                await run.connect(budget)
                await run.subscribe()
                await run.fire()
            await run.collect(min(c.wait, max(deadline - loop.time(), 0.0)))
        return run.measurement()


class Run:
    """One run's clients, their watches and what happened, step by step."""

    def __init__(self, config: SocketIOBroadcastConfig, context: CheckContext, probe_id: str) -> None:
        self.config, self.context, self.probe_id = config, context, probe_id
        urls = config.urls
        self.clients: list[SocketIOClient] = [client_for(config, urls[i % len(urls)]) for i in range(config.clients)]
        match = fill_probe_id(config.match, probe_id)
        self._watches: dict[int, EventWatch] = {id(cl): EventWatch(match) for cl in self.clients}
        self.connect_ms: list[float] = []
        self.step = "connect"
        self.fired_at: float | None = None
        self.waited = 0.0

    def watch_of(self, client: SocketIOClient) -> EventWatch:
        return self._watches[id(client)]

    async def connect(self, wait: float) -> None:
        outcomes = await asyncio.gather(*(cl.connect(wait) for cl in self.clients), return_exceptions=True)
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, BaseException):
                raise _for_client(outcome, index, self.clients)
        self.connect_ms = [float(ms) for ms in outcomes]  # type: ignore[arg-type]

    async def subscribe(self) -> None:
        spec = self.config.subscribe
        if spec is None:
            return
        self.step = "subscribe"
        data = fill_probe_id(spec.data, self.probe_id)
        if spec.ack:
            await asyncio.gather(*(cl.call(spec.event, data) for cl in self.clients))
            return
        await asyncio.gather(*(cl.emit(spec.event, data) for cl in self.clients))
        if self.config.settle:
            await asyncio.sleep(self.config.settle)  # the server joins the room when it reads the emit

    async def fire(self) -> None:
        self.step = "trigger"
        trigger = self.config.trigger
        for watch in self._watches.values():
            watch.start()
        self.fired_at = time.perf_counter()
        if trigger.emit is not None:
            await self.clients[0].emit(trigger.emit.event, fill_probe_id(trigger.emit.data, self.probe_id))
        elif trigger.http is not None:
            sent = await self._request(trigger.http)
            # on the wire: from the request's first byte (not the shared client's first-use setup)
            self.fired_at = sent or self.fired_at
        self.step = "wait"

    async def _request(self, http: HttpTrigger) -> float | None:
        """Send the trigger request; when its headers went out (``perf_counter``), if known."""
        headers = fill_probe_id(header_texts(http.headers), self.probe_id)
        content = None
        if http.json_ is not None:
            content = json.dumps(fill_probe_id(http.json_, self.probe_id))
            headers.setdefault("Content-Type", "application/json")
        url = fill_probe_id(http.url, self.probe_id)
        reply = await self.context.http.request(http.method, url, headers=headers, content=content,
                                                timeout=self.config.timeout, verify=http.verify_tls)
        if not 200 <= reply.status_code < 300:
            raise ProbeResponseError(f"trigger {http.method} {http.url} answered HTTP {reply.status_code} "
                                     f"{reply.reason}".rstrip(), evidence=snippet(reply.body))
        return reply.timing.sent

    async def collect(self, wait: float) -> None:
        """Wait until every client received, or ``wait`` is over."""
        pending = [w.arrived for w in self._watches.values() if not w.arrived.done()]
        if pending and wait > 0:
            await asyncio.wait(pending, timeout=wait)
        self.waited = wait

    def arrivals(self) -> list[Arrival]:
        return [Arrival(cl.url, self._received(cl), self.watch_of(cl).ignored, cl.transport_used)
                for cl in self.clients]

    def _received(self, client: SocketIOClient) -> float | None:
        return self.watch_of(client).ms_after(self.fired_at)

    def metrics(self) -> dict[str, float]:
        found = tally(self.config.urls, self.arrivals(), self.config.event, self.waited)
        out = found.metrics if self.step == "wait" else {"clients": float(len(self.clients))}
        if self.connect_ms:
            out = {**out, "connect_ms": max(self.connect_ms)}
        return out

    def measurement(self) -> Measurement:
        found = tally(self.config.urls, self.arrivals(), self.config.event, self.waited)
        metrics = {**found.metrics, "connect_ms": max(self.connect_ms)}
        # the id goes in the evidence: a person can find this run in the server's logs
        evidence = (*found.evidence, f"probe id {self.probe_id}")
        return Measurement(metrics, summary=found.summary, evidence=evidence, labels={"transport": found.transports})

    def stalled(self, budget: float) -> str:
        within = f"within {format_duration(budget)}"
        if self.step == "connect":
            slow = [cl.url for cl in self.clients if not cl.connected]
            return f"{len(self.clients) - len(slow)} of {len(self.clients)} clients connected {within}; " \
                   f"no handshake from {_first(slow)}"
        if self.step == "subscribe" and self.config.subscribe is not None:
            return f"no acknowledgement of {self.config.subscribe.event!r} {within}"
        return f"the trigger did not complete {within}"


def _for_client(exc: BaseException, index: int, clients: Sequence[SocketIOClient]) -> BaseException:
    """A client's connect failure, saying which client of how many (and so which URL)."""
    if isinstance(exc, CheckError):
        return type(exc)(f"client {index + 1} of {len(clients)} ({clients[index].url}): {exc}",
                         metrics=exc.metrics, evidence=exc.evidence)
    return exc


def _first(urls: Sequence[str]) -> str:
    return urls[0] + (f" (and {len(urls) - 1} more)" if len(urls) > 1 else "") if urls else "?"
