"""``/metrics`` of a running daemon, read the way Prometheus reads it: the checks' own values are there."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.status_site import Site, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.support.http_service import Service

    service = Service()
    try:
        yield from serve(tmp_path_factory.mktemp("metrics"), service.url)
    finally:
        service.stop()


def scraped(site: Site) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"{site.url}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_hold_each_checks_measurements(site: Site) -> None:
    found = scraped(site)
    assert found[("watchdog_check_value", (("check", "ws-drops"), ("metric", "count")))] == 3.0
    assert found[("watchdog_check_value", (("check", "api-latency"), ("metric", "samples")))] == 3.0
    assert found[("watchdog_check_value", (("check", "health"), ("metric", "status_code")))] == 200.0


def test_metrics_hold_each_checks_status_and_the_build(site: Site) -> None:
    found = scraped(site)
    assert found[("watchdog_check_status", (("check", "redis"),))] == 2.0
    assert any(name == "watchdog_build_info" for name, _ in found)
