"""A real Prometheus exposition endpoint: prometheus_client's own HTTP server on 127.0.0.1.

    def test_x(prometheus_endpoint):
        prometheus_endpoint.url                       # http://127.0.0.1:PORT/metrics
        prometheus_endpoint.requests.labels("500").inc(5)
        prometheus_endpoint.latency.observe(0.07)
        prometheus_endpoint.connections.set(12)

Its own registry (nothing of the test process leaks in): a counter
``http_requests_total{code}``, a histogram ``http_request_duration_seconds``
(buckets 0.05, 0.1, 0.5, 1) and a gauge ``socketio_connected_clients{replica}``.
``scrapes`` counts the scrapes served; ``after_scrape(n, fn)`` runs ``fn`` once scrape ``n``
is collected (the traffic an app serves between two scrapes, at an exact point).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


class Endpoint:
    def __init__(self) -> None:
        self.scrapes = 0
        self._hooks: dict[int, Callable[[], None]] = {}
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests", "requests", ["code"], registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "latency", registry=self.registry,
                                 buckets=(0.05, 0.1, 0.5, 1))
        self.connections = Gauge("socketio_connected_clients", "clients", ["replica"], registry=self.registry)
        self.registry.register(_ScrapeCounter(self))  # last: it runs once the others are collected
        self.server: Any
        self.server, self.thread = start_http_server(0, addr="127.0.0.1", registry=self.registry)
        self.url = f"http://127.0.0.1:{self.server.server_port}/metrics"

    def after_scrape(self, n: int, action: Callable[[], None]) -> None:
        self._hooks[n] = action

    def collected(self) -> None:
        self.scrapes += 1
        hook = self._hooks.pop(self.scrapes, None)
        if hook is not None:
            hook()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class _ScrapeCounter:
    """A collector exposing nothing: it only tells the endpoint a scrape was collected."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def collect(self) -> Iterator[Any]:
        self.endpoint.collected()
        return iter(())


@pytest.fixture
def prometheus_endpoint() -> Iterator[Endpoint]:
    endpoint = Endpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()
