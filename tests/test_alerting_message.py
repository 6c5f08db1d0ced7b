"""The channel-neutral Message: titles, key metrics, payload round trip, stable ids."""

from __future__ import annotations

import pytest

from watchdog.alerting.message import (
    Message, Runbook, alert_test_message, build_message, iso, key_metrics, notification_for, notification_id,
    title_for,
)
from watchdog.model import Result
from watchdog.redact import Redactor
from watchdog.status import Status

T0 = 1714564800.0  # 2024-05-01 12:00:00 UTC
RUNBOOK = {"name": "health-endpoint-down", "title": "Health endpoint down", "severity": "critical",
           "first_steps": ["Check the deployment", "Read the logs", "Roll back"],
           "url": "https://runbooks.example.com/health-endpoint-down"}


def result(status: Status = Status.CRITICAL, **kw: object) -> Result:
    fields = {"check": "health", "kind": "http", "status": status, "summary": "HTTP 503 from /health",
              "metrics": {"response_ms": 2304.0, "status_code": 503.0}, "evidence": ("GET /health -> 503",),
              "started": T0 + 90, **kw}
    return Result(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("event", "severity", "previous", "lasted", "title"), [
    ("firing", Status.CRITICAL, None, 0, "CRITICAL: health"),
    ("firing", Status.WARNING, None, 90, "WARNING: health"),
    ("escalated", Status.CRITICAL, Status.WARNING, 90, "CRITICAL: health (was WARNING)"),
    ("downgraded", Status.WARNING, Status.CRITICAL, 90, "WARNING: health (down from CRITICAL)"),
    ("reminder", Status.CRITICAL, None, 3600, "Still CRITICAL: health for 1h"),
    ("resolved", Status.CRITICAL, None, 750, "RESOLVED: health (was CRITICAL for 12m30s)"),
    ("resolved", Status.WARNING, None, 0, "RESOLVED: health (was WARNING)"),
    ("flapping", Status.CRITICAL, None, 0, "FLAPPING: health (notifications paused until it is stable)"),
    ("acknowledged", Status.CRITICAL, None, 600, "ACKNOWLEDGED: health"),
])
def test_titles(event: str, severity: Status, previous: Status | None, lasted: float, title: str) -> None:
    assert title_for(event, "health", severity, previous=previous, lasted=lasted) == title


@pytest.mark.parametrize(("by", "reason", "title"), [
    ("alice", "looking into it", "ACKNOWLEDGED: health (by alice: looking into it)"),
    ("alice", "", "ACKNOWLEDGED: health (by alice)"),
    ("", "deploy in progress", "ACKNOWLEDGED: health (deploy in progress)"),
])
def test_acknowledged_titles_say_who_and_why(by: str, reason: str, title: str) -> None:
    assert title_for("acknowledged", "health", Status.CRITICAL, by=by, reason=reason) == title


def test_an_acknowledgement_keeps_who_and_why_through_the_outbox() -> None:
    m = build_message("acknowledged", result(), episode="health-1", started=T0, by="alice",
                      reason="token abcdef123 rotated", redactor=Redactor(["abcdef123"]))
    assert (m.title, m.by, m.reason) == ("ACKNOWLEDGED: health (by alice: token *** rotated)", "alice",
                                         "token *** rotated")
    assert Message.from_payload(m.to_payload()) == m


def test_build_message_from_a_result() -> None:
    m = build_message("firing", result(), episode="health-1", started=T0, runbook=RUNBOOK, main_metric="status_code")
    assert (m.event, m.check, m.severity, m.title) == ("firing", "health", Status.CRITICAL, "CRITICAL: health")
    assert m.metrics == (("status_code", 503.0), ("response_ms", 2304.0))
    assert (m.evidence, m.started, m.at, m.episode) == (("GET /health -> 503",), T0, T0 + 90, "health-1")
    assert m.runbook == Runbook("health-endpoint-down", "Health endpoint down",
                                ("Check the deployment", "Read the logs", "Roll back"),
                                "https://runbooks.example.com/health-endpoint-down")


def test_a_resolve_carries_the_level_that_ended() -> None:
    m = build_message("resolved", result(Status.OK, summary="HTTP 200"), episode="e", started=T0,
                      severity=Status.CRITICAL)
    assert (m.severity, m.title) == (Status.CRITICAL, "RESOLVED: health (was CRITICAL for 1m30s)")


def test_resolves_route_by_the_worst_level_of_the_episode() -> None:
    m = build_message("resolved", result(Status.OK), episode="e", started=T0, severity=Status.WARNING,
                      peak=Status.CRITICAL)
    assert m.routing_severity is Status.CRITICAL


def test_secrets_and_long_lines_are_cut_from_the_content() -> None:
    long = "x" * 400
    m = build_message("firing", result(summary="token abcdef123 leaked", evidence=(long,) * 7), episode="e",
                      started=T0, redactor=Redactor(["abcdef123"]))
    assert m.summary == "token *** leaked"
    assert len(m.evidence) == 5 and m.evidence[0] == "x" * 299 + "…"


def test_key_metrics_put_the_main_one_first_and_cap_the_count() -> None:
    metrics = {name: float(i) for i, name in enumerate("abcdefgh")}
    assert key_metrics(metrics, "g") == (("g", 6.0), ("a", 0.0), ("b", 1.0), ("c", 2.0), ("d", 3.0), ("e", 4.0))
    assert key_metrics(metrics, "zz", limit=2) == (("a", 0.0), ("b", 1.0))


def test_unknown_event_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown notification event 'fired'"):
        build_message("fired", result(), episode="e", started=T0)


def test_payload_round_trip() -> None:
    m = build_message("escalated", result(labels={"env": "prod"}), episode="e", started=T0, runbook=RUNBOOK,
                      previous=Status.WARNING, peak=Status.CRITICAL, seq=2)
    assert Message.from_payload(m.to_payload()) == m
    assert Message.from_payload(alert_test_message("oncall", T0).to_payload()) == alert_test_message("oncall", T0)


def test_notification_ids_are_stable_and_distinct() -> None:
    first = notification_id("health", "health-1", "firing", "oncall")
    assert first == notification_id("health", "health-1", "firing", "oncall")
    assert first.startswith("wd-") and len(first) == 27
    others = {notification_id("health", "health-1", "firing", "hook"),
              notification_id("health", "health-2", "firing", "oncall"),
              notification_id("health", "health-1", "resolved", "oncall"),
              notification_id("health", "health-1", "firing", "oncall", seq=1)}
    assert first not in others and len(others) == 4


def test_notification_for_a_channel() -> None:
    m = build_message("firing", result(), episode="health-1", started=T0)
    n = notification_for(m, "oncall", T0 + 91)
    assert (n.id, n.channel, n.check, n.event, n.severity) == (
        notification_id("health", "health-1", "firing", "oncall"), "oncall", "health", "firing", Status.CRITICAL)
    assert (n.state, n.created, n.next_attempt, n.payload["episode"]) == ("pending", T0 + 91, T0 + 91, "health-1")


def test_the_test_message_is_clearly_marked() -> None:
    m = alert_test_message("oncall", T0)
    assert (m.event, m.title) == ("test", "TEST: watchdog alert test for channel oncall")
    assert "Nothing is wrong" in m.summary


def test_times_on_the_wire_are_utc() -> None:
    assert iso(T0 + 90.7) == "2024-05-01T12:01:30Z"
