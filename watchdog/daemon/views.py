"""What the daemon says about itself: the ``/status`` document and the ``/metrics`` text.

Both read a ``DaemonSnapshot``: frozen, plain data the core builds
(``Daemon.snapshot()``), so this module never reaches into the daemon's parts
and cannot see them change half-way through a document. Metrics are collected
at scrape time from the snapshot by a prometheus-client collector in a private
registry: no global registry, no counters kept twice.

The checks' own measurements are one gauge family, ``watchdog_check_value{check,
metric}``, from each configured check's last result: one series per check and
metric name (the names a kind measures and the ones its config asks for, at most
``MAX_VALUES_PER_CHECK`` a check), the metric name reduced to Prometheus' name
characters, so cardinality is bounded by the config, never by the data.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from watchdog import __version__
from watchdog.model import Result
from watchdog.stats import percentile
from watchdog.status import Status


#: bounds the series one check adds to /metrics (a kind measures a few; a config names some more)
MAX_VALUES_PER_CHECK = 64
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_]")


@dataclass(frozen=True, slots=True)
class CheckView:
    """One check as the daemon sees it now."""

    name: str
    kind: str
    interval_s: float
    configured: bool  # False: results counted before a reload removed it
    last: Result | None = None
    results: Mapping[str, int] = field(default_factory=dict)
    runs: int = 0
    overruns: int = 0
    missed: int = 0
    last_lateness_s: float = 0.0


@dataclass(frozen=True, slots=True)
class DaemonSnapshot:
    """The daemon at one instant."""

    taken_at: float
    started_at: float
    config_path: str
    reloads: Mapping[str, int]  # by outcome: ok, refused, failed
    healthy: bool
    health: str
    checks: tuple[CheckView, ...]
    lateness_s: tuple[float, ...] = ()  # recent start lateness of every check's runs
    running: int = 0
    outbox: Mapping[str, Any] | None = None
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def status_document(snap: DaemonSnapshot) -> dict[str, Any]:
    """The ``/status`` JSON document."""
    checks = {c.name: _check_document(c) for c in snap.checks if c.configured}
    return {
        "healthy": snap.healthy, "health": snap.health, "uptime_s": round(snap.taken_at - snap.started_at, 1),
        "config": snap.config_path, "reloads": snap.reloads.get("ok", 0),
        "reload_failures": {k: v for k, v in snap.reloads.items() if k != "ok"}, "scheduler": _scheduler(snap), "checks": checks,
        "outbox": dict(snap.outbox) if snap.outbox is not None else None,
        "sources": {name: dict(s) for name, s in snap.sources.items()},
    }


def _check_document(c: CheckView) -> dict[str, Any]:
    last = c.last
    return {
        "kind": c.kind, "interval_s": c.interval_s,
        "status": last.status.name if last else None, "summary": last.summary if last else None,
        "last_run": last.started if last else None, "metrics": dict(last.metrics) if last else {},
        "runs": c.runs, "overruns": c.overruns,
    }


def _scheduler(snap: DaemonSnapshot) -> dict[str, Any]:
    """Runs, overruns and start lateness over the recent runs of every check."""
    lateness = sorted(x * 1000 for x in snap.lateness_s)
    return {
        "runs": sum(c.runs for c in snap.checks), "overruns": sum(c.overruns for c in snap.checks),
        "missed": sum(c.missed for c in snap.checks), "running": snap.running,
        "lateness_ms": {"p50": round(percentile(lateness, 50), 3) if lateness else None,
                        "p99": round(percentile(lateness, 99), 3) if lateness else None,
                        "max": round(lateness[-1], 3) if lateness else None, "samples": len(lateness)},
    }


def prometheus_text(snap: DaemonSnapshot) -> bytes:
    """The ``/metrics`` text (Prometheus exposition format 0.0.4)."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(snap))
    return generate_latest(registry)


class _Collector:
    def __init__(self, snap: DaemonSnapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Any]:
        yield from self._daemon()
        yield from self._checks()
        yield self._values()
        yield from self._scheduler()
        yield from self._outbox()
        yield from self._sources()

    def _daemon(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        healthy = GaugeMetricFamily("watchdog_healthy", "1 while /healthz answers 200")
        healthy.add_metric([], 1 if self.snap.healthy else 0)
        reloads = CounterMetricFamily("watchdog_config_reloads", "Config reloads (SIGHUP) by outcome: ok, "
                                      "refused (invalid file), failed (would not start)", labels=["outcome"])
        for outcome, count in self.snap.reloads.items():
            reloads.add_metric([outcome], count)
        build = GaugeMetricFamily("watchdog_build_info", "The running watchdog: version, Python", labels=["version", "python"])
        build.add_metric([__version__, ".".join(map(str, sys.version_info[:3]))], 1)
        yield from (healthy, reloads, build)

    def _checks(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        status = GaugeMetricFamily("watchdog_check_status", "Last status of a check (0 OK, 1 WARNING, "
                                   "2 CRITICAL, 3 UNKNOWN)", labels=["check"])
        duration = GaugeMetricFamily("watchdog_check_duration_seconds", "Duration of the last run", labels=["check"])
        results = CounterMetricFamily("watchdog_check_results", "Results by status", labels=["check", "status"])
        for check in self.snap.checks:
            if not check.results:
                continue
            if check.last is not None:
                status.add_metric([check.name], check.last.status.value)
                duration.add_metric([check.name], check.last.duration_s)
            for state in Status:
                results.add_metric([check.name, state.name], check.results.get(state.name, 0))
        yield from (status, duration, results)

    def _values(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        values = GaugeMetricFamily("watchdog_check_value", "A check's measurement in its last result "
                                   "(one series per check and metric name)", labels=["check", "metric"])
        for check in self.snap.checks:
            if check.configured and check.last is not None:
                for metric, value in check_values(check.last.metrics).items():
                    values.add_metric([check.name, metric], value)
        return values

    def _scheduler(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        overruns = CounterMetricFamily("watchdog_check_overruns", "Runs skipped: still running when due", labels=["check"])
        lateness = GaugeMetricFamily("watchdog_check_start_lateness_seconds", "Start lateness of the last run",
                                     labels=["check"])
        for check in self.snap.checks:
            if check.configured:
                overruns.add_metric([check.name], check.overruns)
                lateness.add_metric([check.name], check.last_lateness_s)
        yield from (overruns, lateness)

    def _outbox(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        state = self.snap.outbox
        if state is None:
            return
        pending = GaugeMetricFamily("watchdog_notifications_pending", "Notifications written, not yet delivered")
        pending.add_metric([], state["pending"])
        sent = CounterMetricFamily("watchdog_notifications", "Notifications by channel and outcome",
                                   labels=["channel", "outcome"])
        broken = GaugeMetricFamily("watchdog_channel_broken", "1 when a channel failed permanently", labels=["channel"])
        for name, ch in state["channels"].items():
            for outcome in ("sent", "retried", "failed"):
                sent.add_metric([name, outcome], ch[outcome])
            broken.add_metric([name], 1 if ch["broken"] else 0)
        yield from (pending, sent, broken)

    def _sources(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        lines = CounterMetricFamily("watchdog_log_lines", "Log lines read", labels=["source"])
        restarts = CounterMetricFamily("watchdog_log_source_restarts", "Restarts of a command source", labels=["source"])
        failing = GaugeMetricFamily("watchdog_log_source_failing", "1 while a source keeps failing", labels=["source"])
        for name, s in self.snap.sources.items():
            lines.add_metric([name], s.get("lines", 0))
            restarts.add_metric([name], s.get("restarts", 0))
            failing.add_metric([name], 1 if s.get("failing") else 0)
        yield from (lines, restarts, failing)


def check_values(metrics: Mapping[str, float]) -> dict[str, float]:
    """A result's metrics as ``watchdog_check_value`` series: names reduced to Prometheus' name
    characters, at most ``MAX_VALUES_PER_CHECK`` (first by name), numbers only."""
    out: dict[str, float] = {}
    for name in sorted(metrics)[:MAX_VALUES_PER_CHECK]:
        value = metrics[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.setdefault(_NOT_NAME.sub("_", name), float(value))
    return out
