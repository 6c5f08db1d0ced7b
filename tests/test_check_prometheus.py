"""The ``prometheus`` kind against prometheus_client's own HTTP server (a real exposition endpoint)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.prometheus_endpoint import Endpoint
from tests.support.run_check import run_table
from watchdog.config import Config, from_document
from watchdog.model import Result
from watchdog.runner import build, context_for, run_checks
from watchdog.status import Status

ERRORS = 'rate(http_requests_total{code=~"5.."})'
P95 = "histogram_quantile(0.95, http_request_duration_seconds_bucket) * 1000"


class Clock:
    """The checks' clock, moved by the endpoint's scrapes, not by how often it is read:
    ``start + step * (scrapes served so far)``."""

    def __init__(self, endpoint: Endpoint, step: float, start: float = 100.0) -> None:
        self.endpoint, self.step, self.start = endpoint, step, start

    def __call__(self) -> float:
        return self.start + self.step * self.endpoint.scrapes


def config(endpoint: Endpoint, metrics: Mapping[str, str], state_dir: Path | None = None, **keys: Any) -> Config:
    document: dict[str, Any] = {"checks": {"app": {"type": "prometheus", "url": endpoint.url,
                                                   "metrics": dict(metrics), **keys}}}
    if state_dir is not None:
        document["state_dir"] = str(state_dir)
    return from_document(document, env={})


async def run_once(cfg: Config, clock: Clock) -> Result:
    """A one-off run (a new check instance, as `watchdog check` makes)."""
    context = context_for(cfg, clock=clock)
    try:
        [result] = await run_checks(build(cfg, ["app"], context))
    finally:
        await context.aclose()
    return result


async def test_a_gauge_summed_over_matching_series(prometheus_endpoint: Endpoint) -> None:
    prometheus_endpoint.connections.labels("a").set(12)
    prometheus_endpoint.connections.labels("b").set(30)
    table = {"type": "prometheus", "url": prometheus_endpoint.url,
             "metrics": {"ws": "socketio_connected_clients", "ws_a": 'socketio_connected_clients{replica="a"}'}}
    result = await run_table(table)
    assert (result.status, result.metrics["ws"], result.metrics["ws_a"]) == (Status.OK, 42, 12)
    assert result.evidence == ("ws = socketio_connected_clients = 42 (2 series)",
                               'ws_a = socketio_connected_clients{replica="a"} = 12 (1 series)')
    assert result.summary.startswith("ws=42, ws_a=12 (scraped ")


async def test_rate_with_no_earlier_scrape_takes_two_scrapes(prometheus_endpoint: Endpoint) -> None:
    prometheus_endpoint.requests.labels("500").inc(3)
    prometheus_endpoint.after_scrape(1, lambda: prometheus_endpoint.requests.labels("500").inc(10))
    cfg = config(prometheus_endpoint, {"errors_per_s": ERRORS}, rate_interval="100ms")
    result = await run_once(cfg, Clock(prometheus_endpoint, step=2.0))
    assert result.metrics["errors_per_s"] == 5.0  # 10 errors in the 2 s between the two scrapes
    assert result.evidence == (f"errors_per_s = {ERRORS} = 5 (per second over the last 2s)",)


async def test_a_later_one_off_run_takes_the_rate_against_the_stored_scrape(prometheus_endpoint: Endpoint,
                                                                           tmp_path: Path) -> None:
    prometheus_endpoint.requests.labels("500").inc(3)
    cfg = config(prometheus_endpoint, {"errors_per_s": ERRORS}, tmp_path, rate_interval="100ms")
    clock = Clock(prometheus_endpoint, step=10.0)
    await run_once(cfg, clock)  # two scrapes; the second is stored, at 120
    prometheus_endpoint.requests.labels("500").inc(30)
    result = await run_once(cfg, clock)
    assert (result.metrics["errors_per_s"], prometheus_endpoint.scrapes) == (3.0, 3)  # one scrape: 30 in 10 s
    stored = json.loads((tmp_path / "prometheus" / "app.json").read_text())
    assert (stored["url"], stored["at"]) == (prometheus_endpoint.url, 130.0)


async def test_a_stored_scrape_older_than_rate_max_gap_is_not_used(prometheus_endpoint: Endpoint,
                                                                   tmp_path: Path) -> None:
    cfg = config(prometheus_endpoint, {"errors_per_s": ERRORS}, tmp_path, rate_interval="100ms", rate_max_gap="1m")
    prometheus_endpoint.requests.labels("500").inc(1)
    clock = Clock(prometheus_endpoint, step=100.0)
    await run_once(cfg, clock)
    prometheus_endpoint.after_scrape(3, lambda: prometheus_endpoint.requests.labels("500").inc(50))
    result = await run_once(cfg, clock)
    assert (result.metrics["errors_per_s"], prometheus_endpoint.scrapes) == (0.5, 4)  # two scrapes again


async def test_the_daemon_takes_each_rate_against_its_own_previous_scrape(prometheus_endpoint: Endpoint) -> None:
    prometheus_endpoint.requests.labels("500").inc(1)
    cfg = config(prometheus_endpoint, {"errors_per_s": ERRORS}, rate_interval="100ms")
    context = context_for(cfg, clock=Clock(prometheus_endpoint, step=30.0))
    [check] = build(cfg, ["app"], context)
    await check.run()
    prometheus_endpoint.requests.labels("500").inc(60)
    result = await check.run()
    await context.aclose()
    assert (result.metrics["errors_per_s"], prometheus_endpoint.scrapes) == (2.0, 3)  # 60 in the 30 s since


async def test_histogram_quantile_cumulative_then_over_the_increase(prometheus_endpoint: Endpoint) -> None:
    for value in [0.01] * 50 + [0.07] * 40 + [0.3] * 10:
        prometheus_endpoint.latency.observe(value)
    cfg = config(prometheus_endpoint, {"p95_ms": P95})
    context = context_for(cfg, clock=Clock(prometheus_endpoint, step=10.0))
    [check] = build(cfg, ["app"], context)
    first = await check.run()
    for value in [0.7] * 10:
        prometheus_endpoint.latency.observe(value)
    second = await check.run()
    await context.aclose()
    assert first.metrics["p95_ms"] == pytest.approx(300.0)
    assert first.evidence == (f"p95_ms = {P95} = 300 (100 observations in all)",)
    assert second.metrics["p95_ms"] == pytest.approx(975.0)
    assert second.evidence == (f"p95_ms = {P95} = 975 (10 observations in the last 10s)",)


async def test_thresholds_judge_the_named_metrics(prometheus_endpoint: Endpoint) -> None:
    prometheus_endpoint.connections.labels("a").set(0)
    table = {"type": "prometheus", "url": prometheus_endpoint.url,
             "metrics": {"ws": "socketio_connected_clients"}, "critical": ["ws < 1"]}
    result = await run_table(table)
    assert result.status is Status.CRITICAL
    assert result.summary.startswith("ws = 0 (< 1) - ws=0 (scraped ")


async def test_a_selector_matching_nothing_is_critical_naming_it(prometheus_endpoint: Endpoint) -> None:
    table = {"type": "prometheus", "url": prometheus_endpoint.url, "metrics": {"x": 'nope_total{a="b"}'}}
    result = await run_table(table)
    host = prometheus_endpoint.url.removeprefix("http://").removesuffix("/metrics")
    assert (result.status, result.summary) == (Status.CRITICAL, f'metric x: no series matches nope_total{{a="b"}} at {host}')


async def test_an_error_status_is_critical(http_service: Any) -> None:
    http_service.behave(status=503)
    result = await run_table({"type": "prometheus", "url": f"{http_service.url}/metrics", "metrics": {"x": "up"}})
    assert result.summary == f"HTTP 503 Service Unavailable from {http_service.url}/metrics"


async def test_a_body_that_is_not_the_text_format_is_critical(http_service: Any) -> None:
    result = await run_table({"type": "prometheus", "url": f"{http_service.url}/health", "metrics": {"x": "up"}})
    host = http_service.url.removeprefix("http://")
    assert result.status is Status.CRITICAL
    assert result.summary.startswith(f"{host} did not answer Prometheus text format: Invalid labels: ")
