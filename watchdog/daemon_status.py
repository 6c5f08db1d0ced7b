"""What the daemon says about itself: the ``/status`` document and ``/metrics`` text.

Metrics are collected at scrape time from the daemon's own state by a custom
prometheus-client collector in a private registry: no global registry, no
counters kept twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from watchdog.status import Status

if TYPE_CHECKING:
    from watchdog.daemon import Daemon


def status_document(daemon: Daemon) -> dict[str, Any]:
    ok, health = daemon.healthz()
    checks = {}
    for name, check in daemon.checks.items():
        stats = daemon.stats.get(name)
        last = stats.last if stats else None
        sched = daemon.scheduler.stats.get(name) if daemon.scheduler else None
        checks[name] = {
            "kind": check.type, "interval_s": check.config.interval,
            "status": last.status.name if last else None, "summary": last.summary if last else None,
            "last_run": last.started if last else None, "metrics": dict(last.metrics) if last else {},
            "runs": sched.runs if sched else 0, "overruns": sched.overruns if sched else 0,
        }
    return {
        "healthy": ok, "health": health, "uptime_s": round(time.time() - daemon.started_at, 1),
        "config": daemon.config_path, "reloads": daemon.reloads, "scheduler": _scheduler(daemon), "checks": checks,
        "outbox": daemon.outbox.status() if daemon.outbox else None,
        "sources": _sources(daemon),
    }


def _scheduler(daemon: Daemon) -> dict[str, Any]:
    """Runs, overruns and start lateness over the recent runs of every check."""
    from watchdog.stats import percentile

    stats = list(daemon.scheduler.stats.values()) if daemon.scheduler else []
    lateness = sorted(x * 1000 for s in stats for x in s.lateness)
    return {
        "runs": sum(s.runs for s in stats), "overruns": sum(s.overruns for s in stats),
        "missed": sum(s.missed for s in stats), "running": daemon.scheduler.running if daemon.scheduler else 0,
        "lateness_ms": {"p50": round(percentile(lateness, 50), 3) if lateness else None,
                        "p99": round(percentile(lateness, 99), 3) if lateness else None,
                        "max": round(lateness[-1], 3) if lateness else None, "samples": len(lateness)},
    }


def _sources(daemon: Daemon) -> dict[str, Any]:
    if daemon.context is None or not daemon.context.logs_in_use:
        return {}
    return {name: status.to_dict() for name, status in daemon.context.logs.source_status().items()}


def prometheus_text(daemon: Daemon) -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(daemon))
    return generate_latest(registry)


class _Collector:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def collect(self) -> Iterator[Any]:
        yield from self._checks()
        yield from self._scheduler()
        yield from self._outbox()
        yield from self._sources()

    def _checks(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        status = GaugeMetricFamily("watchdog_check_status", "Last status of a check (0 OK, 1 WARNING, "
                                   "2 CRITICAL, 3 UNKNOWN)", labels=["check"])
        duration = GaugeMetricFamily("watchdog_check_duration_seconds", "Duration of the last run", labels=["check"])
        results = CounterMetricFamily("watchdog_check_results", "Results by status", labels=["check", "status"])
        for name, stats in self.daemon.stats.items():
            if stats.last is not None:
                status.add_metric([name], stats.last.status.value)
                duration.add_metric([name], stats.last.duration_s)
            for state in Status:
                results.add_metric([name, state.name], stats.results[state.name])
        yield from (status, duration, results)

    def _scheduler(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        sched = self.daemon.scheduler
        overruns = CounterMetricFamily("watchdog_check_overruns", "Runs skipped: still running when due", labels=["check"])
        lateness = GaugeMetricFamily("watchdog_check_start_lateness_seconds", "Start lateness of the last run",
                                     labels=["check"])
        for name, stats in (sched.stats.items() if sched else ()):
            overruns.add_metric([name], stats.overruns)
            lateness.add_metric([name], stats.last_lateness_s)
        yield from (overruns, lateness)

    def _outbox(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        if self.daemon.outbox is None:
            return
        state = self.daemon.outbox.status()
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

        sources = _sources(self.daemon)
        lines = CounterMetricFamily("watchdog_log_lines", "Log lines read", labels=["source"])
        restarts = CounterMetricFamily("watchdog_log_source_restarts", "Restarts of a command source", labels=["source"])
        failing = GaugeMetricFamily("watchdog_log_source_failing", "1 while a source keeps failing", labels=["source"])
        for name, s in sources.items():
            lines.add_metric([name], s.get("lines", 0))
            restarts.add_metric([name], s.get("restarts", 0))
            failing.add_metric([name], 1 if s.get("failing") else 0)
        yield from (lines, restarts, failing)
