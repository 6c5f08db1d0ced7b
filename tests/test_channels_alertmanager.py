"""Alertmanager: the exact API v2 alerts, stable labels, re-posts while firing, a restart, a cluster, the real binary."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.support.messages import T0, message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.alert_shape import fingerprint
from watchdog.alerting.channels.alertmanager import AlertmanagerChannel, AlertmanagerConfig, postable_alerts
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.httppost import encode
from watchdog.alerting.message import alert_test_message, notification_for
from watchdog.status import Status
from watchdog.store.memory import MemoryStore

LABELS = {"alertname": "health", "service": "api", "team": "ops", "severity": "critical"}


def config(url: str = "http://am.example:9093", **kw: object) -> AlertmanagerConfig:
    return AlertmanagerConfig(url=url, service="api", labels={"team": "ops"}, **kw)  # type: ignore[arg-type]


def test_a_firing_alert_ends_four_resend_intervals_ahead() -> None:
    n = note("firing", "am")
    assert postable_alerts(message("firing", labels={"version": "1.4.1"}), n.id, config(), T0 + 100) == [{
        "labels": LABELS,
        "annotations": {"title": "CRITICAL: health", "summary": "HTTP 503 from https://api.example.com/health",
                        "description": "GET /health -> 503 Service Unavailable",
                        "metrics": "response_ms=2304, status_code=503",
                        "runbook_url": "https://runbooks.example.com/health-endpoint-down", "watchdog_id": n.id,
                        "version": "1.4.1"},
        "startsAt": "2024-05-01T12:00:00Z", "endsAt": "2024-05-01T12:05:40Z",
    }]


def test_a_resolve_ends_when_it_recovered_with_the_same_labels() -> None:
    firing = postable_alerts(message("firing"), "wd-1", config(), T0)[0]
    [resolved] = postable_alerts(message("resolved", labels={"version": "1.4.2"}), "wd-2", config(), T0 + 3700)
    assert resolved["endsAt"] == "2024-05-01T13:00:30Z"
    assert encode(resolved["labels"]) == encode(firing["labels"])
    assert fingerprint(resolved["labels"]) == fingerprint(firing["labels"])


def test_an_escalation_ends_the_old_levels_alert() -> None:
    now, before = postable_alerts(message("escalated", previous=Status.WARNING), "wd-3", config(), T0)
    assert (now["labels"]["severity"], now["endsAt"]) == ("critical", "2024-05-01T12:04:00Z")
    assert (before["labels"]["severity"], before["endsAt"]) == ("warning", "2024-05-01T12:01:30Z")


def test_the_test_alert_ends_by_itself_and_the_generator_url() -> None:
    [alert] = postable_alerts(alert_test_message("am", T0), "wd-4", config(generator_url="http://wd:9321/status"), T0)
    assert (alert["labels"]["alertname"], alert["endsAt"], alert["generatorURL"]) == (
        "watchdog-test", "2024-05-01T12:05:00Z", "http://wd:9321/status")


@pytest.mark.parametrize(("table", "error"), [
    ({}, "set either url (one Alertmanager) or urls (the members of a cluster)"),
    ({"url": "http://a:9093", "urls": ["http://b:9093"]}, "set either url"),
    ({"url": "a:9093"}, "must be an http:// or https:// URL, got 'a:9093'"),
    ({"url": "http://a:9093", "labels": {"team-name": "ops"}}, "label name 'team-name' is not"),
    ({"url": "http://a:9093", "labels": {"severity": "page"}}, "label 'severity' is set by watchdog"),
])
def test_bad_tables_are_refused(table: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error.replace("(", r"\(").replace(")", r"\)")):
        AlertmanagerConfig(**table)  # type: ignore[arg-type]


# -- against the local receiver ----------------------------------------------------------------

def channel(receiver: Receiver, clock: list[float], **kw: object) -> AlertmanagerChannel:
    return AlertmanagerChannel("am", config(f"{receiver.url}/am1", **kw), clock=lambda: clock[0])


async def test_firing_alerts_are_reposted_until_resolved(receiver: Receiver) -> None:
    clock = [T0 + 100]
    ch = channel(receiver, clock)
    assert (await attempt(ch, note("firing", "am"))).delivered
    clock[0] += 60
    assert await ch.resend() == 1
    assert (await attempt(ch, note("resolved", "am"))).delivered
    assert await ch.resend() == 0
    await ch.aclose()
    posted = [r.json for r in receiver.requests]
    assert [r.path for r in receiver.requests] == ["/am1/api/v2/alerts"] * 3
    assert [alerts[0]["endsAt"] for alerts in posted] == [
        "2024-05-01T12:05:40Z", "2024-05-01T12:06:40Z", "2024-05-01T13:00:30Z"]
    assert posted[0][0]["labels"] == posted[1][0]["labels"] == posted[2][0]["labels"] == LABELS


async def test_a_restart_rebuilds_what_fires_from_the_store(receiver: Receiver) -> None:
    store = MemoryStore()
    for event, at in (("firing", T0), ("reminder", T0 + 3600)):
        n = notification_for(message(event), "am", at)
        store.enqueue(n)
        store.mark_delivered(n.id, at)
    other = notification_for(message("firing", check="redis", episode="redis-1"), "am", T0)
    store.enqueue(other)  # still pending: the outbox will send it, it does not fire yet
    ch = channel(receiver, [T0 + 3700])
    await ch.start(store)
    assert list(ch.firing) == ["health"] and ch.firing["health"][0].event == "reminder"
    assert await ch.resend() == 1
    await ch.aclose()
    assert receiver.requests[0].json[0]["annotations"]["title"] == "Still CRITICAL: health for 1h"


async def test_an_acknowledgement_is_an_annotation_on_the_same_alert(receiver: Receiver) -> None:
    ch = channel(receiver, [T0 + 200])
    await attempt(ch, note("firing", "am"))
    await attempt(ch, note("acknowledged", "am"))
    await ch.aclose()
    firing, acked = (r.json[0] for r in receiver.requests)
    assert acked["labels"] == firing["labels"]
    assert acked["annotations"]["acknowledged"] == "ACKNOWLEDGED: health (by alice: looking into it)"


async def test_every_member_of_a_cluster_gets_the_alert(receiver: Receiver) -> None:
    ch = AlertmanagerChannel("am", AlertmanagerConfig(urls=[f"{receiver.url}/am1", f"{receiver.url}/am2"]))
    assert (await attempt(ch, note("firing", "am"))).delivered
    await ch.aclose()
    assert sorted(r.path for r in receiver.requests) == ["/am1/api/v2/alerts", "/am2/api/v2/alerts"]


async def test_one_member_down_still_delivers(receiver: Receiver, caplog) -> None:  # type: ignore[no-untyped-def]
    ch = AlertmanagerChannel("am", AlertmanagerConfig(urls=[f"{receiver.url}/am1", "http://127.0.0.1:9"]))
    assert (await attempt(ch, note("firing", "am"))).delivered
    await ch.aclose()
    assert "connection refused by 127.0.0.1:9 (the next re-post tries again)" in caplog.text


async def test_all_members_refusing_fails_permanently_only_if_each_did(receiver: Receiver) -> None:
    receiver.script(Reply(400, body="bad alert"))
    refused = await attempt(channel(receiver, [T0]), note("firing", "am"))
    assert refused.error is not None and refused.error.permanent
    host = receiver.url.removeprefix("http://")
    assert str(refused.error) == f"{host} answered HTTP 400 Bad Request: bad alert"
    receiver.script(Reply(503))
    busy = await attempt(channel(receiver, [T0]), note("firing", "am"))
    assert busy.error is not None and not busy.error.permanent


async def test_a_report_summary_is_not_posted(receiver: Receiver) -> None:
    assert (await attempt(channel(receiver, [T0]), note("checkpoint", "am", severity=Status.OK))).delivered
    assert receiver.requests == []


async def test_the_outbox_starts_the_channel_and_stops_its_reposts(receiver: Receiver) -> None:
    from watchdog.alerting.outbox import Outbox

    store = MemoryStore()
    ch = channel(receiver, [T0])
    outbox = Outbox(store, {"am": ch}, clock=lambda: T0)
    await outbox.start()
    assert ch._task is not None and not ch._task.done()
    await outbox.stop()
    assert ch._task is None


# -- the real Alertmanager ---------------------------------------------------------------------

async def test_a_firing_check_reaches_alertmanager_and_its_receiver_then_resolves(
        receiver: Receiver, alertmanager) -> None:  # type: ignore[no-untyped-def]
    import time

    am = alertmanager(receiver.hook_url("am"))
    ch = AlertmanagerChannel("am", AlertmanagerConfig(url=am.url, service="api"))
    started = time.time() - 60
    firing = notification_for(message("firing", started=started, at=started + 50), "am", started)
    assert (await attempt(ch, firing)).delivered
    [active] = am.alerts()
    assert active["labels"] == {"alertname": "health", "service": "api", "severity": "critical"}
    [notified] = receiver.wait_for(1, timeout=15)
    resolved = notification_for(message("resolved", started=started, at=time.time()), "am", started)
    assert (await attempt(ch, resolved)).delivered
    await ch.aclose()
    assert am.alerts() == []
    first, then = (r.json for r in receiver.wait_for(2, timeout=15))
    assert (first["status"], then["status"]) == ("firing", "resolved")
    assert first["alerts"][0]["fingerprint"] == then["alerts"][0]["fingerprint"] == active["fingerprint"]
