"""Discord: the exact embed, no pings, the limits, and real sends to a local stand-in for a webhook."""

from __future__ import annotations

import pytest

from tests.support.messages import message, note
from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.discord import DiscordChannel, DiscordConfig, discord_body, discord_safe
from watchdog.status import Status

ZW = "\u200b"
URL_PATH = "/discord/webhooks/1234/t0ken-s3cret"


def channel(receiver: Receiver) -> DiscordChannel:
    return DiscordChannel("discord", DiscordConfig(url=receiver.url + URL_PATH))  # type: ignore[arg-type]


def test_the_exact_body() -> None:
    assert discord_body(message("firing"), "wd-1") == {
        "username": "watchdog", "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": "CRITICAL: health", "description": "HTTP 503 from https://api.example.com/health",
            "color": 0xFF0000, "url": "https://runbooks.example.com/health-endpoint-down",
            "fields": [
                {"name": "response_ms", "value": "2304", "inline": True},
                {"name": "status_code", "value": "503", "inline": True},
                {"name": "Evidence", "value": "```GET /health -> 503 Service Unavailable```", "inline": False},
                {"name": "Runbook", "value": ("[Health endpoint down](https://runbooks.example.com/health-endpoint-down)"
                                              "\n1. Check the deploy\n2. Roll back"), "inline": False},
            ],
            "footer": {"text": "check health · id wd-1"}, "timestamp": "2024-05-01T12:00:00Z",
        }],
    }


@pytest.mark.parametrize(("raw", "safe"), [
    ("@everyone the socket dropped", f"@{ZW}everyone the socket dropped"),
    ("cc @here and @Everyone", f"cc @{ZW}here and @{ZW}Everyone"),
    ("mail ops@heresy.example.com", "mail ops@heresy.example.com"),
])
def test_bare_pings_are_broken(raw: str, safe: str) -> None:
    assert discord_safe(raw) == safe


def test_log_text_cannot_ping() -> None:
    body = discord_body(message(summary="@everyone <@123> <@&456> down", evidence=("@here ```x```",)), "wd-1")
    assert body["allowed_mentions"] == {"parse": []} and "content" not in body
    embed = body["embeds"][0]
    assert embed["description"] == f"@{ZW}everyone <@123> <@&456> down"
    assert embed["fields"][2]["value"] == f"```@{ZW}here `{ZW}``x`{ZW}`````"


@pytest.mark.parametrize(("event", "severity", "color"), [
    ("firing", Status.WARNING, 0xFFA500), ("resolved", Status.CRITICAL, 0x2EB67D), ("test", Status.WARNING, 0x439FE0),
])
def test_colour_by_severity(event: str, severity: Status, color: int) -> None:
    assert discord_body(message(event, severity=severity), "wd-1")["embeds"][0]["color"] == color


async def test_a_huge_message_stays_within_discords_limits(receiver: Receiver) -> None:
    big = note("firing", "discord", summary="s" * 9000, title="T" * 400, evidence=("e" * 300,) * 5)
    assert (await attempt(channel(receiver), big)).delivered
    assert receiver.invalid == []
    embed = receiver.requests[0].json["embeds"][0]
    assert (len(embed["title"]), len(embed["fields"][2]["value"])) == (256, 1024)


async def test_firing_reminder_resolve_are_delivered(receiver: Receiver) -> None:
    ch = channel(receiver)
    for event in ("firing", "reminder", "resolved"):
        assert (await attempt(ch, note(event, "discord"))).delivered
    await ch.aclose()
    assert receiver.invalid == []
    assert [r.json["embeds"][0]["title"] for r in receiver.requests] == [
        "CRITICAL: health", "Still CRITICAL: health for 1h", "RESOLVED: health (was CRITICAL for 1h30s)"]


@pytest.mark.parametrize(("reply", "error", "permanent", "retry_after"), [
    (Reply(429, json={"message": "You are being rate limited.", "retry_after": 1.5, "global": False},
           headers={"Retry-After": "2"}),
     "Discord answered HTTP 429 Too Many Requests: You are being rate limited.", False, 2.0),
    (Reply(404, json={"message": "Unknown Webhook", "code": 10015}),
     "Discord answered HTTP 404 Not Found: Unknown Webhook", True, None),
    (Reply(500, body="oops"), "Discord answered HTTP 500 Internal Server Error: oops", False, None),
])
async def test_answers_are_classified(receiver: Receiver, reply: Reply, error: str, permanent: bool,
                                      retry_after: float | None) -> None:
    receiver.script(reply)
    got = await attempt(channel(receiver), note("firing", "discord"))
    assert got.error is not None
    assert (str(got.error), got.error.permanent, got.error.retry_after) == (error, permanent, retry_after)


async def test_the_webhook_token_never_shows(receiver: Receiver) -> None:
    receiver.script(Reply(400, json={"message": f"bad {receiver.url}{URL_PATH}"}))
    got = await attempt(channel(receiver), note("firing", "discord"))
    assert str(got.error) == "Discord answered HTTP 400 Bad Request: bad ***"
