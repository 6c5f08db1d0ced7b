"""The ``redis`` check kind: PING latency, memory, clients and a pub/sub round trip.

    [checks.redis]
    type = "redis"
    url = "redis://:${REDIS_PASSWORD}@redis.internal:6379/0"   # or rediss://, unix://
    pubsub = true
    warning = ["latency_ms > 100"]

What it measures, on one fresh connection (a monitor reports what a new client
of the service would see, so no pooling across runs and no retries):

* ``connect_ms``: opening the connection until its first PONG (TCP, TLS, AUTH,
  CLIENT SETNAME, the first PING);
* ``latency_ms``: the median of three PINGs sent after the connection is up
  (connect and AUTH are not the server's PING latency);
* ``total_ms``: the whole run, from before connecting to the connections closed;
* ``used_memory_mb``, ``connected_clients`` and, when ``maxmemory`` is set,
  ``memory_pct`` from ``INFO``;
* with ``pubsub = true``, ``pubsub_ms``: a random token published on a private
  random channel and received back through a subscription on a second
  connection - the path the socket.io Redis adapter uses between replicas.

Every phase is timed, so a run that sat on a frozen server cannot read as a fast
PONG: when one phase took most of a run of at least ``WAIT_NOTE_MS``, the summary
says so ("PONG in 0.08 ms, ... (connecting took 1.27 s of 1.30 s)").

The password is read only from the environment (``validate_config`` refuses one
written in the file) and never shown: every host text here comes from ``target_of``,
which has no userinfo, and every library message passes through ``_scrub``.
"""

from __future__ import annotations

import asyncio
import errno
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator

from watchdog.durations import format_duration
from watchdog.errors import CheckError, ProbeConnectError, ProbeResponseError, ProbeTimeout
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.neterrors import connect_reason, map_exceptions
from watchdog.redact import MASK, scrub_url
from watchdog.stats import format_ms, percentile
from watchdog.thresholds import format_number

if TYPE_CHECKING:
    from watchdog.config import LoadContext

SCHEMES = ("redis://", "rediss://", "unix://")
PINGS = 3
MIB = 1024 * 1024
#: our own deadline, inside the runner's, so a timeout names the host instead of "timed out"
BUDGET_SHARE = 0.9
#: the shared reasons (watchdog.neterrors), with the one only a unix:// URL meets
_WORDING = {errno.ENOENT: "no Redis socket at {host}"}
#: a run this long whose time went mostly to one phase names that phase in its summary
WAIT_NOTE_MS = 200.0


class RedisConfig(CheckConfig):
    """Keys of ``type = "redis"``."""

    url: str
    pubsub: bool = False
    channel_prefix: str = Field(default="watchdog:probe:", min_length=1, max_length=200)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if not value.startswith(SCHEMES):
            raise ValueError(f"must start with redis://, rediss:// or unix://, got {scrub_url(value)!r}")
        parts = urlsplit(value)
        if "password" in parse_qs(parts.query):
            raise ValueError(
                "put the password before the host (unix://:${REDIS_PASSWORD}@/run/redis.sock), "
                "not in ?password= where output could show it"
            )
        try:
            target_of(value)
        except ValueError as exc:
            raise ValueError(f"invalid Redis URL {scrub_url(value)!r}: {exc}") from None
        return value


def target_of(url: str) -> str:
    """``host:port`` (or the socket path) of a Redis URL, never with its userinfo."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError("no socket path")
        return parts.path
    if not parts.hostname:
        raise ValueError("no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{parts.port or 6379}"  # .port raises ValueError for a bad port


def password_of(url: str) -> str | None:
    password = urlsplit(url).password
    return unquote(password) if password else None


class RedisCheck(CheckKind[RedisConfig]):
    """PING, INFO and optionally a pub/sub round trip against one Redis server."""

    type = "redis"
    METRICS = frozenset({
        "latency_ms", "connect_ms", "total_ms", "used_memory_mb", "connected_clients", "memory_pct", "pubsub_ms",
    })
    MAIN_METRIC = "latency_ms"

    @classmethod
    def known_metrics(cls, config: RedisConfig) -> frozenset[str]:
        if not config.pubsub:
            return cls.METRICS - {"pubsub_ms"}
        return cls.METRICS

    @classmethod
    def validate_config(cls, name: str, config: RedisConfig, ctx: LoadContext) -> None:
        """A password written in the file ends up in git: it must come from the environment."""
        url = ctx.raw_check(name).get("url")
        if isinstance(url, str) and scrub_url(url) != url and "${" not in url.split("@", 1)[0]:
            raise ValueError(
                "url: put the Redis password in an environment variable "
                "(url = \"redis://:${REDIS_PASSWORD}@host:6379\"), not in the file"
            )

    async def measure(self) -> Measurement:
        from redis.exceptions import RedisError

        target, password = target_of(self.config.url), password_of(self.config.url)
        budget = self.config.timeout * BUDGET_SHARE
        metrics: dict[str, float] = {}
        spent: dict[str, float] = {}  # phase -> ms, in the order they ran
        started = time.perf_counter()
        client = _client(self.config.url, self.config.timeout)
        try:
            async with asyncio.timeout(budget):
                with map_exceptions({RedisError: lambda exc: map_redis_error(exc, target, password, metrics)}):
                    info = await _ping_and_info(client, metrics, spent)
                    if self.config.pubsub:
                        async with _timed(spent, "pub/sub"):
                            metrics["pubsub_ms"] = await _pubsub_round_trip(
                                client, self.config.channel_prefix, target)
        except TimeoutError:
            raise ProbeTimeout(f"no answer from {target} within {format_duration(budget)}", metrics=metrics) from None
        except CheckError as exc:
            exc.metrics = {**metrics, **exc.metrics}
            raise
        finally:
            await client.aclose()
        metrics["total_ms"] = (time.perf_counter() - started) * 1000
        return Measurement(
            metrics,
            summary=summarize(metrics) + wait_note(spent, metrics["total_ms"]),
            evidence=(describe_server(info, target),),
            labels={"target": target, "redis_version": str(info.get("redis_version", "?"))},
        )


def _client(url: str, timeout: float) -> Any:
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aredis.Redis.from_url(
        url,
        # a belt behind our own (shorter) deadline, which names the host when it fires
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # one attempt: a monitor reports what it sees
        client_name="watchdog",
        max_connections=2,  # commands + the pub/sub subscription
    )


async def _ping_and_info(client: Any, metrics: dict[str, float], spent: dict[str, float]) -> Mapping[str, Any]:
    """Fill ``connect_ms``, ``latency_ms`` and the INFO metrics, each phase's time in ``spent``; return INFO."""
    async with _timed(spent, "connecting"):
        await client.ping()  # connects and authenticates: not part of the PING latency
    metrics["connect_ms"] = spent["connecting"]
    rtts: list[float] = []
    for _ in range(PINGS):
        t0 = time.perf_counter()
        await client.ping()
        rtts.append((time.perf_counter() - t0) * 1000)
    spent["the PINGs"] = sum(rtts)
    # The median, not the best: best-of-3 would hide a server that stalls two
    # PINGs out of three; the median still ignores one scheduling blip on our side.
    metrics["latency_ms"] = percentile(sorted(rtts), 50)
    async with _timed(spent, "INFO"):
        info = await client.info()
    metrics.update(info_metrics(info))
    return info


@asynccontextmanager
async def _timed(spent: dict[str, float], phase: str) -> AsyncIterator[None]:
    """Record the milliseconds the block took under ``phase`` (only when it finished)."""
    t0 = time.perf_counter()
    yield
    spent[phase] = (time.perf_counter() - t0) * 1000


def info_metrics(info: Mapping[str, Any]) -> dict[str, float]:
    """``used_memory_mb``, ``connected_clients`` and ``memory_pct`` (only when maxmemory > 0)."""
    used = float(info.get("used_memory", 0))
    out = {"used_memory_mb": used / MIB, "connected_clients": float(info.get("connected_clients", 0))}
    maxmemory = float(info.get("maxmemory", 0) or 0)
    if maxmemory > 0:
        out["memory_pct"] = used / maxmemory * 100
    return out


async def _pubsub_round_trip(client: Any, prefix: str, target: str) -> float:
    """Milliseconds from PUBLISH of a random token to its arrival through a subscription."""
    channel = f"{prefix}{secrets.token_hex(8)}"
    token = secrets.token_hex(8).encode()
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(channel)
        # wait for the confirmation, or the PUBLISH could overtake the SUBSCRIBE
        await _next(pubsub, "subscribe", None)
        t0 = time.perf_counter()
        receivers = await client.publish(channel, token)
        if receivers < 1:
            raise ProbeResponseError(f"PUBLISH on {target} reached no subscriber (pub/sub does not work)")
        await _next(pubsub, "message", token)
        return (time.perf_counter() - t0) * 1000
    finally:
        await pubsub.aclose()


async def _next(pubsub: Any, kind: str, data: bytes | None) -> None:
    """Read until a message of ``kind`` (carrying ``data`` if given); the caller's timeout bounds it."""
    while True:
        message = await pubsub.get_message(timeout=None)
        if message and message["type"] == kind and (data is None or message["data"] == data):
            return


def map_redis_error(exc: BaseException, target: str, password: str | None,
                    metrics: Mapping[str, float] | None = None) -> CheckError:
    """redis-py's exceptions as the project's probe errors, naming ``target``, never the password."""
    from redis import exceptions as rex

    text = _scrub(str(exc), password)
    kept = dict(metrics or {})
    if isinstance(exc, rex.AuthenticationError):
        how = "wrong password or user" if password else "the server wants a password and the URL has none"
        return ProbeConnectError(f"authentication failed for {target} ({how})", metrics=kept)
    if isinstance(exc, rex.TimeoutError):
        return ProbeTimeout(f"no answer from {target} ({text})", metrics=kept)
    if isinstance(exc, rex.ConnectionError):
        return ProbeConnectError(connect_reason(exc, target, text=text, wording=_WORDING), metrics=kept)
    if isinstance(exc, rex.NoPermissionError):
        return ProbeResponseError(f"{target} refused a command: {text}", metrics=kept)
    return ProbeResponseError(f"{target} answered with an error: {text}", metrics=kept)


def _scrub(text: str, password: str | None) -> str:
    text = scrub_url(text)
    return text.replace(password, MASK) if password else text


def summarize(metrics: Mapping[str, float]) -> str:
    """``PONG in 0.4 ms, 1.2 MB used (2% of maxmemory), 3 clients, pub/sub round trip 0.9 ms``."""
    parts = [f"PONG in {format_ms(metrics['latency_ms'])} ms"]
    memory = f"{format_number(round(metrics['used_memory_mb'], 1))} MB used"
    if "memory_pct" in metrics:
        memory += f" ({format_number(round(metrics['memory_pct'], 1))}% of maxmemory)"
    parts.append(memory)
    clients = int(metrics["connected_clients"])
    parts.append(f"{clients} client{'' if clients == 1 else 's'}")
    if "pubsub_ms" in metrics:
        parts.append(f"pub/sub round trip {format_ms(metrics['pubsub_ms'])} ms")
    return ", ".join(parts)


def wait_note(spent: Mapping[str, float], total_ms: float) -> str:
    """`` (connecting took 1.27 s of 1.30 s)`` when one phase took most of a run that was not short."""
    if not spent or total_ms < WAIT_NOTE_MS:
        return ""
    phase, ms = max(spent.items(), key=lambda item: item[1])
    if ms * 2 <= total_ms:
        return ""
    return f" ({phase} took {ms / 1000:.2f} s of {total_ms / 1000:.2f} s)"


def describe_server(info: Mapping[str, Any], target: str) -> str:
    """One evidence line: ``redis 7.0.15 (master) at 127.0.0.1:6380, up 3h``."""
    version = info.get("redis_version", "?")
    role = info.get("role", "?")
    uptime = float(info.get("uptime_in_seconds", 0) or 0)
    up = format_duration(uptime) if uptime >= 1 else "0s"  # whole seconds; "0ms" would read oddly
    return f"redis {version} ({role}) at {target}, up {up}"
