"""Counting a broadcast run (pure): metrics, the summary naming lossy URLs, per-URL evidence."""

from __future__ import annotations

import pytest

from watchdog.checks.broadcast_tally import Arrival, tally

A, B = "http://a:3000", "http://b:3000"
EVENT = "portfolio:update"


def test_everyone_received() -> None:
    found = tally([A, B], [Arrival(A, 2.0, transport="websocket"), Arrival(B, 4.0, transport="websocket")], EVENT, 2)
    assert found.metrics == {"clients": 2, "received": 2, "lost": 0, "received_pct": 100.0,
                             "p50_ms": 3.0, "p95_ms": 3.9, "max_ms": 4.0}
    assert found.summary == "2 of 2 clients received 'portfolio:update' (2 URLs): p50 3.0 ms, p95 3.9 ms, max 4.0 ms"
    assert found.evidence == (f"{A}: 1 of 1 client received 'portfolio:update', slowest 2.0 ms",
                              f"{B}: 1 of 1 client received 'portfolio:update', slowest 4.0 ms")
    assert found.transports == "websocket"


def test_the_url_that_lost_events_is_named() -> None:
    found = tally([A, B], [Arrival(A, 1.0), Arrival(B, None), Arrival(A, 1.0), Arrival(B, None)], EVENT, 2)
    assert (found.metrics["lost"], found.metrics["received_pct"]) == (2, 50.0)
    assert found.summary.endswith(f"; not delivered within 2s on {B} (2 lost)")
    assert found.evidence[1] == f"{B}: 0 of 2 clients received 'portfolio:update' within 2s"


def test_nobody_received_has_no_latency_metrics() -> None:
    found = tally([A], [Arrival(A, None, ignored=3)], EVENT, 0.5)
    assert found.metrics == {"clients": 1, "received": 0, "lost": 1, "received_pct": 0.0}
    assert found.summary == f"0 of 1 clients received 'portfolio:update'; not delivered within 500ms on {A} (1 lost)"
    assert found.evidence == (f"{A}: 0 of 1 client received 'portfolio:update' within 500ms",
                              "ignored 3 'portfolio:update' events not matching this run")


@pytest.mark.parametrize(("arrivals", "line"), [
    ([Arrival(A, 1.0), Arrival(A, None)], f"{A}: 1 of 2 clients received 'portfolio:update' within 1s"),
    ([Arrival(A, 1.0), Arrival(A, 12.5)], f"{A}: 2 of 2 clients received 'portfolio:update', slowest 12 ms"),
])
def test_url_line(arrivals: list[Arrival], line: str) -> None:
    assert tally([A], arrivals, EVENT, 1).evidence[0] == line


def test_one_url_says_no_url_count() -> None:
    assert tally([A], [Arrival(A, 1.0)], EVENT, 1).summary.startswith("1 of 1 clients received 'portfolio:update': ")
