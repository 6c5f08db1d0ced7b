"""The real-time kinds in the daemon: the same runner, the alert policy, the local Slack stand-in, reports.

A ``NullScheduler`` fires each run by hand; the broadcast runs against two real
Socket.IO replicas over a real Redis, the /metrics check against prometheus_client's server.
"""

from __future__ import annotations

import time
from typing import Any

from tests.support.prometheus_endpoint import Endpoint
from tests.support.socketio_server import Replicas
from tests.test_check_socketio_broadcast import broadcast
from tests.test_daemon import config, fire, messages, started, text_of
from watchdog.config import Config, from_document
from watchdog.reports.build import build_checkpoint, check_infos
from watchdog.status import Status
from watchdog.store.base import WindowState


def with_env(receiver: Any, checks: dict[str, Any], env: dict[str, str]) -> Config:
    """``tests.test_daemon.config`` (alert after 2, the Slack stand-in), read with ``env``."""
    return from_document({**config(receiver, {}).document, "checks": checks}, env=env)


async def test_a_replica_that_stops_delivering_pages_and_then_resolves(socketio_replicas: Replicas,
                                                                        receiver: Any) -> None:
    cfg = with_env(receiver, {"cross-replica": broadcast(socketio_replicas, timeout="3s")}, socketio_replicas.env)
    daemon = await started(cfg)
    try:
        await fire(daemon, "cross-replica")
        socketio_replicas.forwarding(1, False)
        await fire(daemon, "cross-replica", times=2)  # after = 2: the second failure pages
        [firing] = await messages(receiver, 1)
        assert text_of(firing).startswith("CRITICAL: cross-replica")
        assert socketio_replicas.urls[1] in str(firing)  # the replica that did not deliver is named
        socketio_replicas.forwarding(1, True)
        await fire(daemon, "cross-replica")
        sent = await messages(receiver, 2)
        assert [text_of(m).split(":")[0] for m in sent] == ["CRITICAL", "RESOLVED"]
    finally:
        await daemon.stop()


async def test_reports_chart_the_broadcast_latency(socketio_replicas: Replicas, receiver: Any) -> None:
    cfg = with_env(receiver, {"cross-replica": broadcast(socketio_replicas)}, socketio_replicas.env)
    start = time.time() - 1
    daemon = await started(cfg)
    try:
        await fire(daemon, "cross-replica", times=3)
        infos = check_infos(cfg)
        window = WindowState("w", "w", start, 3600, (1800, 3600))
        report = build_checkpoint(daemon.store, window, infos, checkpoint_s=1800, now=time.time())
    finally:
        await daemon.stop()
    assert infos["cross-replica"].metric == "p95_ms"
    [section] = [s for s in report.checks if s.check == "cross-replica"]
    assert section.metric == "p95_ms"
    assert (section.segments[0].results, section.segments[0].samples) == (3, 3)


async def test_the_metrics_check_runs_in_the_daemon_with_its_rate(prometheus_endpoint: Endpoint,
                                                                  receiver: Any) -> None:
    prometheus_endpoint.requests.labels("500").inc(1)
    table = {"type": "prometheus", "url": prometheus_endpoint.url, "rate_interval": "100ms",
             "metrics": {"errors_per_s": 'rate(http_requests_total{code=~"5.."})'}, "critical": ["errors_per_s > 0"]}
    daemon = await started(config(receiver, {"app-metrics": table}, after=1))
    try:
        await fire(daemon, "app-metrics")  # two scrapes 100 ms apart: no errors between them
        prometheus_endpoint.requests.labels("500").inc(5)
        await fire(daemon, "app-metrics", times=2)
        stored = [r.status for r in daemon.store.results("app-metrics", 0, 4e9)]
        sent = await messages(receiver, 2)
    finally:
        await daemon.stop()
    assert stored == [Status.OK, Status.CRITICAL, Status.OK]  # the third sees no new errors since the second
    assert [text_of(m).split(":")[0] for m in sent] == ["CRITICAL", "RESOLVED"]
