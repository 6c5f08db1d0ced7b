"""The ``latency`` check kind: N samples of an HTTP URL or a TCP connect, as percentiles.

    [checks.api-latency]
    type = "latency"
    url = "${APP_URL}/health"        # or: target = "db.internal:5432" (TCP connect time)
    samples = 20
    concurrency = 2
    warning = ["p95_ms > 200", "p99_ms > 500"]

How it measures, and why:

* HTTP samples go through the shared ``HttpTransport`` and use its on-wire
  ``response_ms`` (first byte sent to last byte read), so waiting for an
  in-flight slot or a pooled connection never counts as the server's latency.
* TCP samples time ``connect()`` to an address resolved once up front: DNS is
  not the target's connect time (a DNS failure fails the whole check).
* Percentiles come from ``watchdog.stats`` over the samples that succeeded; a
  failed sample (refused, timed out, a status outside ``expect_status``) is
  counted in ``error_pct`` instead, so a fast 503 never flatters the p95.
* All samples together get one budget inside the check's timeout; samples not
  started when it runs out are not taken (``samples`` says how many were), so a
  slow target still reports what it measured instead of a bare "timed out".
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from watchdog.durations import format_duration
from watchdog.errors import CheckError, ProbeConnectError
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.neterrors import DNS_WITH_DETAIL, connect_reason
from watchdog.redact import scrub_url
from watchdog.checks.http_endpoint import status_allowed, status_ranges
from watchdog.stats import format_ms, latency_summary
from watchdog.thresholds import format_number
from watchdog.types import Duration

MAX_CONCURRENCY = 20
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: our own deadline, inside the runner's, so the samples taken so far are reported
BUDGET_SHARE = 0.9
MAX_EVIDENCE = 3


class LatencyConfig(CheckConfig):
    """Keys of ``type = "latency"``: exactly one of ``url`` / ``target``."""

    url: str | None = None
    target: str | None = None
    samples: int = Field(default=10, ge=1, le=1000)
    #: fewer good samples than this: the percentiles are not judged (error_pct still is);
    #: default: half of ``samples``
    min_samples: int | None = Field(default=None, ge=1)
    concurrency: int = Field(default=2, ge=1, le=MAX_CONCURRENCY)
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    #: statuses that count as a good sample (default: 200-399)
    expect_status: list[int | str] | None = None
    verify_tls: bool = True
    interval_between: Duration = 0.0

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith(("http://", "https://")) or not urlsplit(value).hostname):
            raise ValueError(f"must be an http:// or https:// URL, got {scrub_url(value)!r}")
        return value

    @field_validator("target")
    @classmethod
    def _tcp_target(cls, value: str | None) -> str | None:
        if value is not None:
            split_target(value)
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value.upper() not in METHODS:
            raise ValueError(f"unknown HTTP method {value!r} (one of {', '.join(METHODS)})")
        return value.upper()

    @field_validator("expect_status")
    @classmethod
    def _statuses(cls, value: list[int | str] | None) -> list[int | str] | None:
        status_ranges(value or [])  # the http kind's parser: 200, "2xx", "200-299"
        return value

    @model_validator(mode="after")
    def _one_target(self) -> LatencyConfig:
        if (self.url is None) == (self.target is None):
            which = "both are set" if self.url is not None else "neither is set"
            raise ValueError(
                f"set exactly one of 'url' (HTTP samples) or 'target' (\"host:port\", TCP connect samples); {which}"
            )
        if self.target is not None:
            for key in ("headers", "expect_status"):
                if getattr(self, key):
                    raise ValueError(f"'{key}' applies to HTTP samples only ('url'), not to a TCP 'target'")
            if self.method != "GET":
                raise ValueError("'method' applies to HTTP samples only ('url'), not to a TCP 'target'")
        return self


def split_target(target: str) -> tuple[str, int]:
    """``"host:port"`` / ``"[::1]:port"`` -> (host, port); ValueError naming what is wrong."""
    host, sep, port_text = target.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"expected \"host:port\", got {target!r}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} of {target!r} is out of range (1-65535)")
    return host, port


def host_of(url: str) -> str:
    """``host:port`` of a URL, without userinfo."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample: its latency, or why it failed."""

    ms: float | None = None
    error: str | None = None


Sampler = Callable[[], Awaitable[Sample]]


class LatencyCheck(CheckKind[LatencyConfig]):
    """Percentiles of N HTTP requests or TCP connects, taken with bounded concurrency."""

    type = "latency"
    METRICS = frozenset({"p50_ms", "p95_ms", "p99_ms", "max_ms", "min_ms", "error_pct", "samples"})
    MAIN_METRIC = "p95_ms"

    async def measure(self) -> Measurement:
        loop = asyncio.get_running_loop()
        budget = self.config.timeout * BUDGET_SHARE
        deadline = loop.time() + budget
        if self.config.url is not None:
            sampler = self._http_sampler(deadline, budget)
        else:
            sampler = await self._tcp_sampler(deadline, budget)
        taken = await take_samples(
            sampler, self.config.samples, self.config.concurrency, self.config.interval_between, deadline
        )
        needed = self.config.min_samples or max(1, self.config.samples // 2)
        return judge_samples(taken, self.config.samples, budget, min_samples=needed)

    def _http_sampler(self, deadline: float, budget: float) -> Sampler:
        config, http = self.config, self.context.http
        url, host = str(config.url), host_of(str(config.url))
        expected = config.expect_status or ["200-399"]

        async def sample() -> Sample:
            try:
                async with asyncio.timeout_at(deadline):
                    reply = await http.request(config.method, url, headers=config.headers, timeout=config.timeout,
                                               verify=config.verify_tls)
            except TimeoutError:
                return Sample(error=f"no answer from {host} within {format_duration(budget)}")
            except CheckError as exc:
                return Sample(error=str(exc))
            if not status_allowed(reply.status_code, expected):
                return Sample(error=f"HTTP {reply.status_code} {reply.reason} from {host}".rstrip())
            return Sample(ms=reply.timing.metrics().get("response_ms"))

        return sample

    async def _tcp_sampler(self, deadline: float, budget: float) -> Sampler:
        target = str(self.config.target)
        family, address = await _resolve(target)
        loop = asyncio.get_running_loop()

        async def sample() -> Sample:
            try:
                async with asyncio.timeout_at(deadline):
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sock.setblocking(False)
                    try:
                        t0 = time.perf_counter()
                        await loop.sock_connect(sock, address)
                        return Sample(ms=(time.perf_counter() - t0) * 1000)
                    finally:
                        sock.close()
            except TimeoutError:
                return Sample(error=f"no answer from {target} within {format_duration(budget)}")
            except OSError as exc:
                return Sample(error=connect_reason(exc, target, text=exc.strerror or str(exc)))

        return sample


async def _resolve(target: str) -> tuple[int, tuple[object, ...]]:
    """Resolve once, before timing; the first address is the one every sample connects to."""
    host, port = split_target(target)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ProbeConnectError(connect_reason(exc, target, text=str(exc), wording=DNS_WITH_DETAIL)) from None
    family, _, _, _, address = infos[0]
    return family, address


async def take_samples(sample: Sampler, count: int, concurrency: int, pause: float, deadline: float) -> list[Sample]:
    """Up to ``count`` samples, ``concurrency`` at a time, each worker pausing ``pause`` between
    its samples; a sample that would start after ``deadline`` (loop time) is not taken."""
    loop = asyncio.get_running_loop()
    taken: list[Sample] = []
    tickets = iter(range(count))  # shared by the workers: each sample is taken once

    async def worker() -> None:
        for index in tickets:
            if loop.time() >= deadline:
                return
            taken.append(await sample())
            if pause and index + concurrency < count:
                if loop.time() + pause >= deadline:
                    return
                await asyncio.sleep(pause)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return taken


def judge_samples(taken: Sequence[Sample], planned: int, budget: float, *, min_samples: int = 1) -> Measurement:
    """Metrics, summary and evidence of the samples; CheckError when none succeeded. With fewer
    good samples than ``min_samples`` the percentiles are left out (not judged), and said."""
    latencies = [s.ms for s in taken if s.ms is not None and s.error is None]
    errors = [s.error or "no timing" for s in taken if s.ms is None or s.error is not None]
    error_pct = 100.0 * len(errors) / len(taken) if taken else 100.0
    evidence = tuple(f"{n} x {reason}" for reason, n in Counter(errors).most_common(MAX_EVIDENCE))
    if not latencies:
        first = errors[0] if errors else f"no sample could start within {format_duration(budget)}"
        raise CheckError(
            f"all {len(taken)} samples failed; first: {first}" if len(taken) > 1 else first,
            metrics={"error_pct": 100.0, "samples": float(len(taken))},
            evidence=evidence,
        )
    metrics = {**latency_summary(latencies), "min_ms": min(latencies), "error_pct": error_pct,
               "samples": float(len(taken))}
    if len(latencies) < min_samples:
        kept = {"error_pct": error_pct, "samples": float(len(taken))}
        return Measurement(kept, f"not enough data ({len(latencies)} of {min_samples} good samples) for "
                                 f"percentiles: {summarize(kept, planned, budget)}", evidence)
    return Measurement(metrics, summary=summarize(metrics, planned, budget), evidence=evidence)


def summarize(metrics: dict[str, float], planned: int, budget: float) -> str:
    """``20 samples: p50 51 ms, p95 55 ms, p99 58 ms, 0% errors``."""
    if "p50_ms" not in metrics:
        return f"{_taken(metrics, planned, budget)}, {format_number(round(metrics['error_pct'], 1))}% errors"
    spread = ", ".join(f"{p} {format_ms(metrics[f'{p}_ms'])} ms" for p in ("p50", "p95", "p99"))
    return f"{_taken(metrics, planned, budget)}: {spread}, {format_number(round(metrics['error_pct'], 1))}% errors"


def _taken(metrics: dict[str, float], planned: int, budget: float) -> str:
    taken = int(metrics["samples"])
    if taken == planned:
        return "1 sample" if taken == 1 else f"{taken} samples"
    return f"{taken} of {planned} samples (stopped at the {format_duration(budget)} budget)"
