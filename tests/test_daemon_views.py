"""What the daemon says about itself, from a frozen snapshot: the /status document and /metrics text."""

from __future__ import annotations

import sys

from prometheus_client.parser import text_string_to_metric_families

from watchdog import __version__
from watchdog.daemon.views import (
    MAX_VALUES_PER_CHECK, CheckView, DaemonSnapshot, check_values, prometheus_text, status_document,
)
from watchdog.model import Result
from watchdog.status import Status

LAST = Result("health", "http", Status.CRITICAL, "HTTP 503", {"response_ms": 12.5}, started=1000.0, duration_s=0.25)
OUTBOX = {"pending": 2, "channels": {"hook": {"type": "webhook", "sent": 5, "retried": 3, "failed": 1,
                                              "last_error": "", "last_duration_s": 0.1, "last_success_at": None,
                                              "broken": "receiver answered HTTP 404"}}}


def snapshot(**changes: object) -> DaemonSnapshot:
    health = CheckView("health", "http", 30.0, True, LAST, {"OK": 7, "WARNING": 0, "CRITICAL": 2, "UNKNOWN": 0},
                       runs=9, overruns=1, missed=0, last_lateness_s=0.002)
    removed = CheckView("old", "redis", 0.0, False, None, {"OK": 1, "WARNING": 0, "CRITICAL": 0, "UNKNOWN": 0})
    base = dict(taken_at=1100.0, started_at=1000.0, config_path="/etc/watchdog.toml", reloads={"ok": 1, "refused": 2, "failed": 0}, healthy=True,
                health="ok: 1 checks", checks=(health, removed), lateness_s=(0.001, 0.002, 0.003), running=1,
                outbox=OUTBOX, sources={"railway": {"lines": 40, "restarts": 2, "failing": True}})
    return DaemonSnapshot(**{**base, **changes})  # type: ignore[arg-type]


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text.decode()) for s in family.samples}


def test_metrics_text_parses_and_carries_every_family() -> None:
    found = samples(prometheus_text(snapshot()))
    assert found[("watchdog_healthy", ())] == 1.0
    assert found[("watchdog_config_reloads_total", (("outcome", "refused"),))] == 2.0
    assert found[("watchdog_check_status", (("check", "health"),))] == 2.0
    assert found[("watchdog_check_duration_seconds", (("check", "health"),))] == 0.25
    assert found[("watchdog_check_results_total", (("check", "health"), ("status", "CRITICAL")))] == 2.0
    assert found[("watchdog_check_results_total", (("check", "old"), ("status", "OK")))] == 1.0
    assert found[("watchdog_check_overruns_total", (("check", "health"),))] == 1.0
    assert found[("watchdog_check_start_lateness_seconds", (("check", "health"),))] == 0.002
    assert found[("watchdog_notifications_pending", ())] == 2.0
    assert found[("watchdog_notifications_total", (("channel", "hook"), ("outcome", "retried")))] == 3.0
    assert found[("watchdog_channel_broken", (("channel", "hook"),))] == 1.0
    assert found[("watchdog_log_lines_total", (("source", "railway"),))] == 40.0
    assert found[("watchdog_log_source_restarts_total", (("source", "railway"),))] == 2.0
    assert found[("watchdog_log_source_failing", (("source", "railway"),))] == 1.0


def test_metrics_carry_each_checks_measurements_and_the_build() -> None:
    found = samples(prometheus_text(snapshot()))
    assert found[("watchdog_check_value", (("check", "health"), ("metric", "response_ms")))] == 12.5
    assert ("watchdog_build_info", (("python", ".".join(map(str, sys.version_info[:3]))),
                                    ("version", __version__))) in found


def test_check_values_are_bounded_and_named_for_prometheus() -> None:
    many = {f"m{n:03d}": float(n) for n in range(100)}
    assert len(check_values(many)) == MAX_VALUES_PER_CHECK
    assert check_values({"p95.ms": 1.0, "ok": True}) == {"p95_ms": 1.0}  # type: ignore[dict-item]


def test_a_check_removed_by_a_reload_has_no_values() -> None:
    removed = CheckView("old", "redis", 0.0, False, LAST, {"OK": 1})
    found = samples(prometheus_text(snapshot(checks=(removed,))))
    assert not [k for k in found if k[0] == "watchdog_check_value"]


def test_a_check_removed_by_a_reload_keeps_its_counts_but_has_no_schedule() -> None:
    found = samples(prometheus_text(snapshot()))
    assert ("watchdog_check_overruns_total", (("check", "old"),)) not in found


def test_no_outbox_no_notification_families() -> None:
    names = {name for name, _ in samples(prometheus_text(snapshot(outbox=None)))}
    assert not any(n.startswith("watchdog_notifications") for n in names)


def test_status_document_lists_the_configured_checks_and_the_schedule() -> None:
    doc = status_document(snapshot())
    assert doc["checks"] == {"health": {"kind": "http", "interval_s": 30.0, "status": "CRITICAL",
                                        "summary": "HTTP 503", "last_run": 1000.0,
                                        "metrics": {"response_ms": 12.5}, "runs": 9, "overruns": 1}}
    assert doc["scheduler"] == {"runs": 9, "overruns": 1, "missed": 0, "running": 1,
                                "lateness_ms": {"p50": 2.0, "p99": 2.98, "max": 3.0, "samples": 3}}
    assert (doc["healthy"], doc["health"], doc["uptime_s"], doc["reloads"]) == (True, "ok: 1 checks", 100.0, 1)
    assert doc["reload_failures"] == {"refused": 2, "failed": 0}
    assert doc["sources"] == {"railway": {"lines": 40, "restarts": 2, "failing": True}}


def test_status_document_with_no_runs_yet() -> None:
    fresh = CheckView("health", "http", 30.0, True)
    doc = status_document(snapshot(checks=(fresh,), lateness_s=()))
    assert doc["checks"]["health"]["status"] is None
    assert doc["scheduler"]["lateness_ms"] == {"p50": None, "p99": None, "max": None, "samples": 0}
