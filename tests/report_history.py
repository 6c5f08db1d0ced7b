"""A scripted 24-hour history for the report tests (not a test module itself).

The window opens on a deploy at 07:10:30 UTC (half a minute off the minute, so
every checkpoint cuts a minute in two). Every check runs once a minute, on the
window's half minute, 1,440 results each:

* ``health`` (http, main metric response_ms): 100 + 10 * (i % 10) ms; from
  7h00m to 7h20m (results 420..439) it is CRITICAL at 2500 ms - the incident.
  ``heap_used_mb`` grows 0.5 MB an hour from 80 MB (the slow memory growth).
* ``redis`` (latency_ms): 2 + (i % 3) ms, used_memory_mb 10 flat; always OK.
* ``signal-latency`` (log-latency, p95_ms): 200 + 20 * (i % 5) ms, 450 during the incident.
* ``ws-drops`` (log-rate, count): 0, and 7 (CRITICAL) during the incident.

Events: ``deploy`` at the start; ``alert.fired`` (health, CRITICAL) at 7h00m,
``alert.resolved`` at 7h20m. Notifications: the firing and the resolve
delivered to ``oncall``, the firing failed for good on ``hook``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from watchdog.model import Result
from watchdog.reports.build import CheckInfo
from watchdog.reports.config import WindowSpec
from watchdog.reports.criteria import parse_criterion
from watchdog.status import Status
from watchdog.store.base import Event, Notification, Store, WindowState

H = 3600.0
START = datetime(2025, 10, 13, 7, 10, 30, tzinfo=UTC).timestamp()
INCIDENT = range(420, 440)
INFOS = {
    "health": CheckInfo("health", "http", "response_ms", warning=500.0, critical=2000.0),
    "redis": CheckInfo("redis", "redis", "latency_ms", warning=100.0, critical=500.0),
    "signal-latency": CheckInfo("signal-latency", "log-latency", "p95_ms", critical=500.0),
    "ws-drops": CheckInfo("ws-drops", "log-rate", "count", critical=5.0),
}
CHECKS = set(INFOS)
CRITERIA = [
    ("Performance meets SLA (<500ms latency)", "signal-latency.p95_ms.max < 500"),
    ("No critical errors in first 24 hours", "alerts.critical == 0"),
    ("Health endpoint available", "health.availability_pct >= 98.5"),
    ("No memory leak", "health.heap_used_mb.growth_per_h < 5"),
    ("No restarts", "restarts == 0"),
]
SPEC = WindowSpec(
    name="phase-3-8", title="Phase 3.8 Production Monitoring", start=None, duration_s=24 * H,
    checkpoints_s=(6 * H, 12 * H, 18 * H, 24 * H), channels=("oncall",),
    criteria=tuple(parse_criterion(expr, name=name, checks=CHECKS) for name, expr in CRITERIA),
)


def window(written: tuple[float, ...] = ()) -> WindowState:
    return WindowState(SPEC.name, SPEC.title, START, SPEC.duration_s, SPEC.checkpoints_s, written,
                       data={"opened_by": "deploy"})


def results(i: int, incident: bool = True) -> list[Result]:
    ts = START + 60 * i
    bad = incident and i in INCIDENT
    health = Result("health", "http", Status.CRITICAL if bad else Status.OK,
                    "response_ms = 2500 (> 2000)" if bad else "200 OK",
                    {"response_ms": 2500.0 if bad else 100.0 + 10 * (i % 10), "status_code": 200.0,
                     "heap_used_mb": 80.0 + 0.5 * (60 * i) / H, "uptime_s": 213.0 + 60 * i}, started=ts)
    redis = Result("redis", "redis", Status.OK, "PONG", {"latency_ms": 2.0 + i % 3, "used_memory_mb": 10.0},
                   started=ts)
    signal = Result("signal-latency", "log-latency", Status.OK, "",
                    {"p95_ms": 450.0 if bad else 200.0 + 20 * (i % 5), "pairs": 3.0}, started=ts,
                    evidence=(f"📡 Broadcasting trade:executed for user u{i}",
                              f"📡 Emitted signal quality to user u{i} for trade t{i}"))
    drops = Result("ws-drops", "log-rate", Status.CRITICAL if bad else Status.OK, "",
                   {"count": 7.0 if bad else 0.0, "per_min": 7.0 if bad else 0.0}, started=ts)
    return [health, redis, signal, drops]


def fill(store: Store, hours: float = 24.0, *, incident: bool = True) -> Store:
    """Record the history up to ``hours`` after the start, with its events and notifications."""
    mains = {name: info.metric for name, info in INFOS.items() if info.metric}
    for i in range(int(hours * 60)):
        store.record_many(results(i, incident), main_metrics=mains)
    store.add_event(Event("deploy", START, "health", "uptime_s went down from 1d to 3m33s"))
    if incident and hours > 7:
        store.add_event(Event("alert.fired", START + 7 * H, "health", "response_ms = 2500 (> 2000)",
                              {"severity": "CRITICAL"}))
        notify(store, "n1", "oncall", "firing", START + 7 * H, delivered=True)
        notify(store, "n2", "hook", "firing", START + 7 * H, delivered=False)
    if incident and hours > 7 + 20 / 60:
        store.add_event(Event("alert.resolved", START + 7 * H + 1200, "health", "200 OK",
                              {"severity": "CRITICAL"}))
        notify(store, "n3", "oncall", "resolved", START + 7 * H + 1200, delivered=True)
    store.save_window(window())
    return store


def notify(store: Store, nid: str, channel: str, event: str, ts: float, *, delivered: bool) -> None:
    store.enqueue(Notification(nid, channel, "health", event, Status.CRITICAL, ts, {"episode": "e1"}))
    if delivered:
        store.mark_delivered(nid, ts + 1)
    else:
        store.mark_attempt(nid, error="404 no_service", next_attempt=ts + 60, permanent=True)
