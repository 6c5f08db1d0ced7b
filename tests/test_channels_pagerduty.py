"""PagerDuty: the exact Events API v2 bodies, and real sends to a local stand-in that checks them."""

from __future__ import annotations

import pytest

from tests.support.messages import message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.pagerduty import PagerDutyChannel, PagerDutyConfig, pagerduty_event
from watchdog.status import Status

KEY = "R0UTINGKEY0123456789abcdef012345"  # 32 characters, as PagerDuty's integration keys


def config(receiver: Receiver | None = None, **kw: object) -> PagerDutyConfig:
    url = {"url": f"{receiver.url}/pagerduty/v2/enqueue"} if receiver else {}
    return PagerDutyConfig(routing_key=KEY, **url, **kw)  # type: ignore[arg-type]


def test_a_firing_triggers_with_the_episode_as_dedup_key() -> None:
    n = note("firing")
    assert pagerduty_event(message("firing"), n.id, config(group="prod-api")) == {
        "routing_key": KEY, "event_action": "trigger", "dedup_key": "health-1714564800",
        "payload": {
            "summary": "CRITICAL: health: HTTP 503 from https://api.example.com/health", "source": "watchdog",
            "severity": "critical", "timestamp": "2024-05-01T12:01:30Z", "component": "health",
            "class": "response_ms", "group": "prod-api",
            "custom_details": {
                "check": "health", "event": "firing", "summary": "HTTP 503 from https://api.example.com/health",
                "started_at": "2024-05-01T12:00:00Z", "notification_id": n.id,
                "metrics": {"response_ms": "2304", "status_code": "503"},
                "evidence": ["GET /health -> 503 Service Unavailable"],
                "runbook": {"title": "Health endpoint down", "steps": ["Check the deploy", "Roll back"]},
            },
        },
        "client": "watchdog",
        "links": [{"href": "https://runbooks.example.com/health-endpoint-down", "text": "Runbook: Health endpoint down"}],
    }


@pytest.mark.parametrize(("event", "action"), [("resolved", "resolve"), ("acknowledged", "acknowledge")])
def test_resolve_and_acknowledge_name_only_the_alert(event: str, action: str) -> None:
    assert pagerduty_event(message(event), "wd-1", config()) == {
        "routing_key": KEY, "event_action": action, "dedup_key": "health-1714564800"}


@pytest.mark.parametrize(("event", "severity", "expected"), [
    ("firing", Status.CRITICAL, "critical"), ("firing", Status.UNKNOWN, "error"),
    ("firing", Status.WARNING, "warning"), ("reminder", Status.CRITICAL, "critical"),
    ("escalated", Status.CRITICAL, "critical"), ("flapping", Status.WARNING, "warning"),
    ("test", Status.WARNING, "info"),
])
def test_severity_mapping(event: str, severity: Status, expected: str) -> None:
    body = pagerduty_event(message(event, severity=severity), "wd-1", config(), "trigger")
    assert (body["event_action"], body["payload"]["severity"]) == ("trigger", expected)


def test_a_long_summary_is_cut_to_pagerdutys_limit() -> None:
    body = pagerduty_event(message(summary="x" * 2000), "wd-1", config())
    assert len(body["payload"]["summary"]) == 1024 and body["payload"]["summary"].endswith("…")


# -- real sends --------------------------------------------------------------------------------

async def test_firing_reminder_resolve_reach_one_alert(receiver: Receiver) -> None:
    channel = PagerDutyChannel("pager", config(receiver))
    for event in ("firing", "reminder", "resolved"):
        assert (await attempt(channel, note(event, "pager"))).delivered
    await channel.aclose()
    assert receiver.invalid == []
    assert [(r.json["event_action"], r.json["dedup_key"]) for r in receiver.requests] == [
        ("trigger", "health-1714564800"), ("trigger", "health-1714564800"), ("resolve", "health-1714564800")]


async def test_the_test_message_triggers_and_resolves_at_once(receiver: Receiver) -> None:
    from watchdog.alerting.message import alert_test_message, notification_for

    channel = PagerDutyChannel("pager", config(receiver))
    n = notification_for(alert_test_message("pager", 1714564800.0), "pager", 1714564800.0)
    assert (await attempt(channel, n)).delivered
    await channel.aclose()
    assert [(r.json["event_action"], r.json["dedup_key"]) for r in receiver.requests] == [
        ("trigger", "test-1714564800"), ("resolve", "test-1714564800")]
    assert receiver.requests[0].json["payload"]["severity"] == "info" and receiver.invalid == []


async def test_a_report_summary_is_not_sent(receiver: Receiver) -> None:
    channel = PagerDutyChannel("pager", config(receiver))
    assert (await attempt(channel, note("checkpoint", "pager", severity=Status.OK))).delivered
    assert receiver.requests == []


@pytest.mark.parametrize(("reply", "error", "permanent", "retry_after"), [
    (Reply(429, json={"status": "throttle event"}, headers={"Retry-After": "30"}),
     "PagerDuty answered HTTP 429 Too Many Requests", False, 30.0),
    (Reply(500, body="oops"), "PagerDuty answered HTTP 500 Internal Server Error: oops", False, None),
    (Reply(503), "PagerDuty answered HTTP 503 Service Unavailable", False, None),
])
async def test_429_and_5xx_are_retried(receiver: Receiver, reply: Reply, error: str, permanent: bool,
                                       retry_after: float | None) -> None:
    receiver.script(reply)
    got = await attempt(PagerDutyChannel("pager", config(receiver)), note("firing", "pager"))
    assert got.error is not None
    assert (str(got.error), got.error.permanent, got.error.retry_after) == (error, permanent, retry_after)


async def test_a_400_is_permanent_and_says_what_pagerduty_said(receiver: Receiver) -> None:
    channel = PagerDutyChannel("pager", PagerDutyConfig(routing_key="too-short",  # type: ignore[arg-type]
                                                        url=f"{receiver.url}/pagerduty/v2/enqueue"))
    got = await attempt(channel, note("firing", "pager"))
    assert got.error is not None and got.error.permanent
    assert str(got.error) == ("PagerDuty answered HTTP 400 Bad Request: Event object is invalid: "
                              "Length of 'routing_key' is incorrect (should be 32 characters)")


async def test_the_routing_key_never_shows(receiver: Receiver) -> None:
    receiver.script(Reply(500, body=f"no such key {KEY}"))
    channel = PagerDutyChannel("pager", config(receiver))
    got = await attempt(channel, note("firing", "pager"))
    assert str(got.error) == "PagerDuty answered HTTP 500 Internal Server Error: no such key ***"
    assert KEY not in repr(channel) and KEY not in repr(channel.config)


async def test_pagerduty_unreachable_is_retried() -> None:
    channel = PagerDutyChannel("pager", PagerDutyConfig(routing_key=KEY,  # type: ignore[arg-type]
                                                        url="http://127.0.0.1:9/v2/enqueue"))
    got = await attempt(channel, note("firing", "pager"))
    assert got.error is not None and not got.error.permanent
    assert str(got.error) == "connection refused by PagerDuty"
    await channel.aclose()
