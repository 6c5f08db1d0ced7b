"""Opsgenie: the exact Alert API requests, and real sends to a local stand-in that checks them."""

from __future__ import annotations

import pytest

from tests.support.messages import message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.opsgenie import OpsgenieChannel, OpsgenieConfig, create_body, requests_for
from watchdog.status import Status

KEY = "eb24-genie-key-0000"


def config(receiver: Receiver | None = None, **kw: object) -> OpsgenieConfig:
    url = {"api_url": f"{receiver.url}/opsgenie"} if receiver else {}
    return OpsgenieConfig(api_key=KEY, **url, **kw)  # type: ignore[arg-type]


def test_the_create_body() -> None:
    n = note("firing")
    body = create_body(message("firing"), n.id, config(responders=[{"type": "team", "name": "ops"}], tags=["prod"]))
    assert body == {
        "message": "CRITICAL: health", "alias": "health-1714564800",
        "description": ("  HTTP 503 from https://api.example.com/health\n  response_ms=2304  status_code=503\n"
                        "  | GET /health -> 503 Service Unavailable\n"
                        "  runbook: Health endpoint down <https://runbooks.example.com/health-endpoint-down>\n"
                        "    1. Check the deploy\n    2. Roll back\n"
                        f"  started 2024-05-01 12:00:00 UTC · id {n.id}"),
        "tags": ["prod", "watchdog"],
        "details": {"check": "health", "event": "firing", "severity": "critical", "started_at": "2024-05-01T12:00:00Z",
                    "notification_id": n.id, "response_ms": "2304", "status_code": "503",
                    "runbook_url": "https://runbooks.example.com/health-endpoint-down"},
        "entity": "health", "source": "watchdog", "priority": "P1", "responders": [{"type": "team", "name": "ops"}],
    }


@pytest.mark.parametrize(("event", "paths"), [
    ("firing", ["/v2/alerts"]), ("reminder", ["/v2/alerts"]), ("escalated", ["/v2/alerts"]),
    ("resolved", ["/v2/alerts/health-1714564800/close?identifierType=alias"]),
    ("acknowledged", ["/v2/alerts/health-1714564800/acknowledge?identifierType=alias"]),
    ("test", ["/v2/alerts", "/v2/alerts/health-1714564800/close?identifierType=alias"]),
    ("checkpoint", []),
])
def test_which_requests_each_event_makes(event: str, paths: list[str]) -> None:
    assert [path for path, _ in requests_for(message(event), "wd-1", config())] == paths


def test_an_acknowledgement_says_who_and_why() -> None:
    [(_, body)] = requests_for(message("acknowledged"), "wd-1", config())
    assert body == {"user": "alice", "source": "watchdog", "note": "looking into it"}


@pytest.mark.parametrize(("severity", "priorities", "priority"), [
    (Status.CRITICAL, {}, "P1"), (Status.UNKNOWN, {}, "P2"), (Status.WARNING, {}, "P3"),
    (Status.WARNING, {"warning": "P4"}, "P4"),
])
def test_priority_by_level(severity: Status, priorities: dict[str, str], priority: str) -> None:
    assert create_body(message(severity=severity), "wd-1", config(priorities=priorities))["priority"] == priority


def test_region_picks_the_base_url() -> None:
    assert (config().base_url(), config(region="eu").base_url()) == (
        "https://api.opsgenie.com", "https://api.eu.opsgenie.com")


def test_a_long_title_is_cut_to_opsgenies_limit() -> None:
    body = create_body(message(title="T" * 200), "wd-1", config())
    assert len(body["message"]) == 130


# -- real sends --------------------------------------------------------------------------------

async def test_firing_reminder_resolve_reach_one_alert_by_alias(receiver: Receiver) -> None:
    channel = OpsgenieChannel("genie", config(receiver))
    for event in ("firing", "reminder", "resolved"):
        assert (await attempt(channel, note(event, "genie"))).delivered
    await channel.aclose()
    assert receiver.invalid == []
    assert [(r.path, r.json.get("alias")) for r in receiver.requests] == [
        ("/opsgenie/v2/alerts", "health-1714564800"), ("/opsgenie/v2/alerts", "health-1714564800"),
        ("/opsgenie/v2/alerts/health-1714564800/close?identifierType=alias", None)]
    assert receiver.requests[0].header("Authorization") == f"GenieKey {KEY}"


@pytest.mark.parametrize(("reply", "error", "permanent"), [
    (Reply(429, json={"message": "Rate limit exceeded"}), "Opsgenie answered HTTP 429 Too Many Requests: "
     "Rate limit exceeded", False),
    (Reply(503, body="down"), "Opsgenie answered HTTP 503 Service Unavailable: down", False),
    (Reply(403, json={"message": "Key is not authorized"}), "Opsgenie answered HTTP 403 Forbidden: "
     "Key is not authorized", True),
])
async def test_answers_are_classified(receiver: Receiver, reply: Reply, error: str, permanent: bool) -> None:
    receiver.script(reply)
    got = await attempt(OpsgenieChannel("genie", config(receiver)), note("firing", "genie"))
    assert got.error is not None and (str(got.error), got.error.permanent) == (error, permanent)


async def test_a_refused_field_is_permanent_and_named(receiver: Receiver) -> None:
    channel = OpsgenieChannel("genie", config(receiver, priorities={"critical": "P1"}, source="s" * 150))
    got = await attempt(channel, note("firing", "genie"))
    assert got.error is not None and got.error.permanent
    assert str(got.error) == ("Opsgenie answered HTTP 422 Unprocessable Entity: "
                              "'source' is longer than 100 characters")


async def test_the_api_key_never_shows(receiver: Receiver) -> None:
    receiver.script(Reply(401, json={"message": f"bad key GenieKey {KEY}"}))
    channel = OpsgenieChannel("genie", config(receiver))
    got = await attempt(channel, note("firing", "genie"))
    assert str(got.error) == "Opsgenie answered HTTP 401 Unauthorized: bad key GenieKey ***"
    assert KEY not in repr(channel.config)
