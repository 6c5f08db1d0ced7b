"""Teams: the exact Adaptive Card, and real sends to a local stand-in for a Workflows webhook."""

from __future__ import annotations

import pytest

from tests.support.messages import message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.teams import TeamsChannel, TeamsConfig, teams_body
from watchdog.status import Status


def channel(receiver: Receiver) -> TeamsChannel:
    return TeamsChannel("teams", TeamsConfig(url=f"{receiver.url}/teams/workflows/abc?sig=s3cret"))  # type: ignore[arg-type]


def test_the_exact_card() -> None:
    assert teams_body(message("firing"), "wd-1") == {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "msteams": {"width": "Full"},
            "body": [
                {"type": "TextBlock", "text": "CRITICAL: health", "wrap": True, "weight": "Bolder", "size": "Medium",
                 "color": "Attention"},
                {"type": "TextBlock", "text": "HTTP 503 from https://api.example.com/health", "wrap": True},
                {"type": "FactSet", "facts": [{"title": "response_ms", "value": "2304"},
                                              {"title": "status_code", "value": "503"}]},
                {"type": "TextBlock", "text": "GET /health -> 503 Service Unavailable", "wrap": True,
                 "fontType": "Monospace"},
                {"type": "TextBlock", "text": "Runbook: Health endpoint down\n1. Check the deploy\n2. Roll back",
                 "wrap": True},
                {"type": "TextBlock", "text": "Started 2024-05-01 12:00:00 UTC · check health · id wd-1",
                 "wrap": True, "isSubtle": True, "size": "Small"},
            ],
            "actions": [{"type": "Action.OpenUrl", "title": "Open runbook",
                         "url": "https://runbooks.example.com/health-endpoint-down"}],
        }}]}


@pytest.mark.parametrize(("event", "severity", "color"), [
    ("firing", Status.WARNING, "Warning"), ("firing", Status.UNKNOWN, "Attention"),
    ("resolved", Status.CRITICAL, "Good"), ("acknowledged", Status.CRITICAL, "Accent"),
])
def test_the_title_colour(event: str, severity: Status, color: str) -> None:
    card = teams_body(message(event, severity=severity), "wd-1")["attachments"][0]["content"]
    assert card["body"][0]["color"] == color


async def test_firing_reminder_resolve_each_post_a_valid_card(receiver: Receiver) -> None:
    ch = channel(receiver)
    for event in ("firing", "reminder", "resolved", "acknowledged"):
        assert (await attempt(ch, note(event, "teams"))).delivered
    await ch.aclose()
    assert receiver.invalid == [] and len(receiver.requests) == 4
    titles = [r.json["attachments"][0]["content"]["body"][0]["text"] for r in receiver.requests]
    assert titles == ["CRITICAL: health", "Still CRITICAL: health for 1h", "RESOLVED: health (was CRITICAL for 1h30s)",
                      "ACKNOWLEDGED: health (by alice: looking into it)"]


async def test_a_huge_card_is_refused_for_good(receiver: Receiver) -> None:
    got = await attempt(channel(receiver), note("firing", "teams", note="n" * 30000))
    assert got.error is not None and got.error.permanent
    assert str(got.error) == "Teams answered HTTP 413 Request Entity Too Large: Request Entity Too Large"


@pytest.mark.parametrize(("reply", "permanent"), [(Reply(429), False), (Reply(502), False), (Reply(404), True)])
async def test_answers_are_classified(receiver: Receiver, reply: Reply, permanent: bool) -> None:
    receiver.script(reply)
    got = await attempt(channel(receiver), note("firing", "teams"))
    assert got.error is not None and got.error.permanent is permanent


async def test_the_workflow_url_never_shows(receiver: Receiver) -> None:
    receiver.script(Reply(400, body=f"bad request to {receiver.url}/teams/workflows/abc?sig=s3cret"))
    got = await attempt(channel(receiver), note("firing", "teams"))
    assert str(got.error) == "Teams answered HTTP 400 Bad Request: bad request to ***"
