"""The ``prometheus`` check kind: read the app's own ``/metrics`` and judge numbers from it.

    [checks.app-metrics]
    type = "prometheus"
    url = "${APP_URL}/metrics"
    metrics = { ws_connections = 'socketio_connected_clients', errors_per_s = 'rate(http_requests_total{code=~"5.."})',
                p95_ms = 'histogram_quantile(0.95, http_request_duration_seconds_bucket) * 1000' }
    critical = ["p95_ms > 500", "errors_per_s > 1"]

Each ``metrics`` entry is a selector (``checks/promql.py``: label matchers, summed
over matching series, ``rate(...)``, ``histogram_quantile(...)``, an optional
``* NUMBER``). The exposition is parsed by ``prometheus_client``'s own parser.

``rate`` and the quantile's increase need an earlier scrape. The daemon keeps
each check's previous scrape in memory; every run also writes it to
``state_dir/prometheus/NAME.json``, so a one-off ``watchdog check`` (or a restarted
daemon) uses the last scrape an earlier run stored when it is younger than
``rate_max_gap``; else, when a ``rate`` needs it, it scrapes twice, ``rate_interval``
apart. (``validate_config`` notes the settings' ``state_dir`` on the config: a
kind sees only its own table at run time.)

Metrics: the names in ``metrics``, plus ``scrape_ms`` (the request, on the wire)
and ``samples`` (how many the endpoint exposed). A selector matching nothing is
CRITICAL naming it; so are a non-2xx answer and a body that is not the text format.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, PlainSerializer, PlainValidator, PrivateAttr, field_validator, model_validator

from watchdog.checks.client_config import SecretTable, header_texts
from watchdog.checks.json_body import snippet
from watchdog.checks.latency_probe import host_of
from watchdog.checks.promql import NoSeries, Query, Scrape, evaluate, parse_query, series_of
from watchdog.errors import ProbeResponseError
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement
from watchdog.redact import scrub_url
from watchdog.stats import format_ms
from watchdog.text import format_number, one_line
from watchdog.types import PositiveDuration

if TYPE_CHECKING:
    from watchdog.config import LoadContext

BUILTIN = frozenset({"scrape_ms", "samples"})
_METRIC_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QueryExpr = Annotated[Query, PlainValidator(parse_query), PlainSerializer(str, return_type=str)]


class PrometheusConfig(CheckConfig):
    """Keys of ``type = "prometheus"``."""

    url: str
    headers: SecretTable = Field(default_factory=dict)
    metrics: dict[str, QueryExpr] = Field(min_length=1)
    #: with no earlier scrape to take a rate against: the gap between two scrapes
    rate_interval: PositiveDuration = 1.0
    #: an earlier scrape older than this is not used for rates
    rate_max_gap: PositiveDuration = 600.0
    verify_tls: bool = True
    max_body_bytes: int = Field(default=16 << 20, ge=1, le=256 << 20)
    _state_dir: Path | None = PrivateAttr(default=None)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, got {scrub_url(url)!r}")
        return url

    @field_validator("metrics")
    @classmethod
    def _names(cls, metrics: dict[str, Query]) -> dict[str, Query]:
        for name in metrics:
            if not _METRIC_NAME.match(name):
                raise ValueError(f"metric name {name!r} must be letters, digits and '_'")
            if name in BUILTIN:
                raise ValueError(f"metric name {name!r} is already a built-in prometheus metric")
        return metrics

    @model_validator(mode="after")
    def _interval_fits(self) -> PrometheusConfig:
        if self.rate_interval >= self.timeout / 2:
            raise ValueError("rate_interval must be shorter than half the timeout (two scrapes fit in it)")
        return self


class PrometheusCheck(CheckKind[PrometheusConfig]):
    """Scrape, evaluate each selector, remember the scrape for the next run's rates."""

    type = "prometheus"
    METRICS = BUILTIN
    MAIN_METRIC = "scrape_ms"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._previous: Scrape | None = None

    @classmethod
    def known_metrics(cls, config: PrometheusConfig) -> frozenset[str]:
        return BUILTIN | frozenset(config.metrics)

    @classmethod
    def validate_config(cls, name: str, config: PrometheusConfig, ctx: LoadContext) -> None:
        config._state_dir = Path(ctx.settings.state_dir)

    @property
    def _kept(self) -> set[str]:
        """The sample names a later run needs from this scrape (rates and quantiles)."""
        return {q.selector.name for q in self.config.metrics.values() if q.function != "sum"}

    async def measure(self) -> Measurement:
        c = self.config
        metrics: dict[str, float] = {}
        now = await self._scrape(metrics)
        before = self._earlier(now)
        if before is None and any(q.needs_previous for q in c.metrics.values()):
            await asyncio.sleep(c.rate_interval)
            before, now = now, await self._scrape(metrics)
        evidence = [self._evaluated(name, query, now, before, metrics) for name, query in c.metrics.items()]
        self._remember(now)
        return Measurement(metrics, summary=summarize(metrics, c), evidence=tuple(evidence))

    async def _scrape(self, metrics: dict[str, float]) -> Scrape:
        c = self.config
        reply = await self.context.http.request(
            "GET", c.url, headers={"Accept": "text/plain", **header_texts(c.headers)}, timeout=c.timeout,
            max_body_bytes=c.max_body_bytes, verify=c.verify_tls)
        at = self.context.clock()
        metrics.update({"scrape_ms": reply.timing.metrics().get("response_ms", 0.0)})
        if not 200 <= reply.status_code < 300:
            raise ProbeResponseError(f"HTTP {reply.status_code} {reply.reason} from {scrub_url(c.url)}".rstrip(),
                                     metrics=metrics, evidence=snippet(reply.body))
        if reply.truncated:
            raise ProbeResponseError(f"the exposition is larger than max_body_bytes ({c.max_body_bytes} bytes)",
                                     metrics=metrics)
        samples = parse_exposition(reply.body, host_of(c.url))
        metrics["samples"] = float(len(samples))
        names = {q.selector.name for q in c.metrics.values()}
        return Scrape(at, series_of(((n, labels, v) for n, labels, v in samples), names))

    def _evaluated(self, name: str, query: Query, now: Scrape, before: Scrape | None,
                   metrics: dict[str, float]) -> str:
        try:
            outcome = evaluate(query, now, before)
        except NoSeries:
            raise ProbeResponseError(f"metric {name}: no series matches {query} at {host_of(self.config.url)}",
                                     metrics=metrics) from None
        if outcome.value is None:
            return f"{name} = {query}: no observations yet"
        metrics[name] = outcome.value
        return f"{name} = {query} = {format_number(round(outcome.value, 3))} ({outcome.basis})"

    def _earlier(self, now: Scrape) -> Scrape | None:
        """The previous scrape (this process's, else the stored one) if recent enough for a rate."""
        before = self._previous or load_scrape(self._state_file(), self.config.url)
        if before is None or not 0 < now.at - before.at <= self.config.rate_max_gap:
            return None
        return before

    def _remember(self, now: Scrape) -> None:
        kept = Scrape(now.at, {k: v for k, v in now.series.items() if k[0] in self._kept})
        self._previous = kept
        if kept.series:
            save_scrape(self._state_file(), self.config.url, kept)

    def _state_file(self) -> Path | None:
        state_dir = self.config._state_dir
        return state_dir / "prometheus" / f"{self.name}.json" if state_dir is not None else None


def parse_exposition(body: bytes, host: str) -> list[tuple[str, dict[str, str], float]]:
    """``(sample name, labels, value)`` of every sample, read by prometheus_client's parser."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        return [(s.name, dict(s.labels), float(s.value))
                for family in text_string_to_metric_families(body.decode("utf-8", "replace"))
                for s in family.samples]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ProbeResponseError(f"{host} did not answer Prometheus text format: {one_line(str(exc), 120)}",
                                 evidence=snippet(body)) from None


def load_scrape(path: Path | None, url: str) -> Scrape | None:
    """The scrape an earlier run stored for this URL; None when there is none (or it is unreadable)."""
    if path is None:
        return None
    try:
        stored = json.loads(path.read_text())
        if stored.get("url") != url:
            return None
        return Scrape(float(stored["at"]), {(n, tuple(sorted(labels.items()))): float(v)
                                            for n, labels, v in stored["series"]})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing or damaged file only means: no earlier scrape


def save_scrape(path: Path | None, url: str, scrape: Scrape) -> None:
    """Store atomically (the daemon and a one-off run may write at once); a read-only state dir is no error."""
    if path is None:
        return
    series = [[name, dict(labels), value] for (name, labels), value in scrape.series.items()]
    document = {"url": url, "at": scrape.at, "series": series}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(document))
        os.replace(temporary, path)
    except OSError:  # the next run takes two scrapes instead: no harm
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def summarize(metrics: dict[str, float], config: PrometheusConfig) -> str:
    """``ws_connections=12, p95_ms=120 (scraped 412 samples in 3.1 ms)``."""
    shown = ", ".join(f"{n}={format_number(round(metrics[n], 3))}" for n in config.metrics if n in metrics)
    scraped = f"scraped {format_number(metrics.get('samples', 0))} samples in {format_ms(metrics['scrape_ms'])} ms"
    return f"{shown} ({scraped})" if shown else scraped
