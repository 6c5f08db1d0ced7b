"""The ``http`` check kind: status, on-wire response time, JSON assertions and metrics.

Measures one request through the shared ``HttpTransport`` and asserts what the
config asks (status, body regex, JSON values). Numbers read out of the JSON
body by dot path (``websocket.activeConnections``) become metrics the
thresholds can judge. A target that cannot be reached, or answers other than
asserted, is a ``CheckError``: CRITICAL with the reason, keeping the metrics
measured so far (the response time of a 503 is still history).
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from watchdog.checks.json_body import (
    body_lines,
    capture_labels,
    capture_metrics,
    json_failures,
    parse_json_body,
    snippet,
)
from watchdog.errors import ProbeResponseError
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.redact import scrub_url
from watchdog.thresholds import format_number

BUILTIN_METRICS = frozenset(
    {"status_code", "response_ms", "ttfb_ms", "connect_ms", "tls_ms", "body_bytes", "body_truncated", "cert_days_left"}
)
_METRIC_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STATUS_RANGE = re.compile(r"^([1-5])xx$|^(\d{3})\s*-\s*(\d{3})$|^(\d{3})$")


class HttpConfig(CheckConfig):
    """``[checks.NAME]`` with ``type = "http"``."""

    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    follow_redirects: bool = False
    verify_tls: bool = True
    expect_status: list[int | str] = Field(default_factory=lambda: ["200-399"])
    expect_json: dict[str, Any] = Field(default_factory=dict)
    expect_body: str | None = None
    metrics: dict[str, str] = Field(default_factory=dict)
    #: label name -> dot path: text values kept with the result (``version`` changing marks a deploy)
    labels: dict[str, str] = Field(default_factory=dict)
    max_body_bytes: int = Field(default=1 << 20, ge=1, le=64 << 20)
    #: put the body (JSON flattened to `path = value` lines) in the evidence even when OK
    show_body: bool = False

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")) or not urlsplit(url).hostname:
            raise ValueError(f"must be an http:// or https:// URL, got {scrub_url(url)!r}")
        return url

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    @field_validator("expect_status")
    @classmethod
    def _statuses(cls, values: list[int | str]) -> list[int | str]:
        for value in values:
            status_ranges([value])
        if not values:
            raise ValueError("must list at least one status, e.g. [200] or ['2xx']")
        return values

    @field_validator("expect_body")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return pattern

    @field_validator("metrics")
    @classmethod
    def _metric_names(cls, metrics: dict[str, str]) -> dict[str, str]:
        for name, path in metrics.items():
            if not _METRIC_NAME.match(name):
                raise ValueError(f"metric name {name!r} must be letters, digits and '_'")
            if name in BUILTIN_METRICS:
                raise ValueError(f"metric name {name!r} is already a built-in http metric")
            if not isinstance(path, str) or not path.strip():
                raise ValueError(f"metric {name!r} needs a dot path into the JSON body, e.g. 'uptime'")
        return metrics


class HttpCheck(CheckKind[HttpConfig]):
    type: ClassVar[str] = "http"
    METRICS: ClassVar[frozenset[str]] = BUILTIN_METRICS
    MAIN_METRIC: ClassVar[str | None] = "response_ms"

    @classmethod
    def known_metrics(cls, config: HttpConfig) -> frozenset[str]:
        return cls.METRICS | frozenset(config.metrics)

    async def measure(self) -> Measurement:
        c = self.config
        reply = await self.context.http.request(
            c.method, c.url, headers=c.headers, content=c.body, timeout=c.timeout,
            follow_redirects=c.follow_redirects, max_body_bytes=c.max_body_bytes, verify=c.verify_tls,
        )
        metrics: dict[str, float] = {
            "status_code": float(reply.status_code), "body_bytes": float(len(reply.body)),
            "body_truncated": 1.0 if reply.truncated else 0.0,
        }
        metrics.update(reply.timing.metrics())
        days = cert_days_left(reply.peer_cert)
        if days is not None:
            metrics["cert_days_left"] = days
        described = describe_reply(reply.status_code, reply.reason, metrics)
        if not status_allowed(reply.status_code, c.expect_status):
            raise ProbeResponseError(
                f"HTTP {reply.status_code} {reply.reason} (expected {_expected(c.expect_status)}) "
                f"in {format_number(round(metrics.get('response_ms', 0.0)))} ms",
                metrics=metrics, evidence=snippet(reply.body),
            )
        if c.expect_body and not re.search(c.expect_body, reply.body.decode("utf-8", "replace")):
            raise ProbeResponseError(
                f"body does not match /{c.expect_body}/ ({described})", metrics=metrics, evidence=snippet(reply.body)
            )
        labels = self._judge_json(reply.body, reply.truncated, metrics, described)
        evidence = body_lines(reply.body) if c.show_body else ()
        return Measurement(metrics=metrics, summary=described, evidence=evidence, labels=labels)

    def _judge_json(self, body: bytes, truncated: bool, metrics: dict[str, float], described: str) -> dict[str, str]:
        """``expect_json``, ``metrics`` and ``labels`` (when any is asked): the labels; metrics filled in place."""
        c = self.config
        if not (c.expect_json or c.metrics or c.labels):
            return {}
        document = parse_json_body(body, cut_text(c.max_body_bytes) if truncated else None, metrics)
        failures = json_failures(document, c.expect_json)
        captured, missing = capture_metrics(document, c.metrics)
        metrics.update(captured)
        labels = capture_labels(document, c.labels)
        if failures or missing:
            raise ProbeResponseError("; ".join([*failures, *missing]) + f" ({described})",
                                     metrics=metrics, evidence=snippet(body))
        return labels


def describe_reply(status: int, reason: str, metrics: Mapping[str, float]) -> str:
    """``HTTP 200 OK in 52 ms, 1.2 kB`` (``..., body cut at 1 MB (max_body_bytes)`` for a cut body)."""
    ms = metrics.get("response_ms")
    timing = f" in {format_number(round(ms))} ms" if ms is not None else ""
    size = int(metrics.get("body_bytes", 0))
    # a cut body is exactly max_body_bytes long, so its size names the cap
    body = cut_text(size) if metrics.get("body_truncated") else _size(size)
    return f"HTTP {status} {reason}{timing}, {body}".replace("  ", " ")


def cut_text(cap: int) -> str:
    """``body cut at 1 MB (max_body_bytes)``: a cap is a round number, written without ``.0``."""
    return f"body cut at {_size(cap).replace('.0 ', ' ')} (max_body_bytes)"


def status_ranges(values: list[int | str]) -> list[tuple[int, int]]:
    """``[200, "2xx", "300-399"]`` -> inclusive ranges; ValueError on anything else."""
    ranges = []
    for value in values:
        if isinstance(value, bool):
            raise ValueError(f"invalid status {value!r}")
        if isinstance(value, int):
            if not 100 <= value <= 599:
                raise ValueError(f"invalid HTTP status {value} (100-599)")
            ranges.append((value, value))
            continue
        m = _STATUS_RANGE.match(str(value).strip().lower())
        if not m:
            raise ValueError(f"invalid status {value!r} (use 200, '2xx' or '200-299')")
        if m.group(1):
            base = int(m.group(1)) * 100
            ranges.append((base, base + 99))
        elif m.group(4):
            ranges.append((int(m.group(4)), int(m.group(4))))
        else:
            low, high = int(m.group(2)), int(m.group(3))
            if low > high:
                raise ValueError(f"invalid status range {value!r} (low > high)")
            ranges.append((low, high))
    return ranges


def status_allowed(status: int, expected: list[int | str]) -> bool:
    return any(low <= status <= high for low, high in status_ranges(expected))


def cert_days_left(cert: Mapping[str, Any] | None) -> float | None:
    if not cert or "notAfter" not in cert:
        return None
    try:
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
    except ValueError:
        return None
    return round((expires - time.time()) / 86400, 2)


def _expected(values: list[int | str]) -> str:
    return ", ".join(str(v) for v in values)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1 << 20:
        return f"{n / 1024:.1f} kB"
    return f"{n / (1 << 20):.1f} MB"
