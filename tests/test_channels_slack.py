"""Slack: the exact message JSON, escaping, and real sends to a local stand-in for Slack."""

from __future__ import annotations

import pytest

from tests.support.receiver import Receiver, Reply
from watchdog.alerting.channels.base import attempt
from watchdog.alerting.channels.slack import (
    SlackChannel, SlackConfig, post_body, slack_body, slack_escape, update_body,
)
from watchdog.alerting.message import Message, Runbook, notification_for
from watchdog.status import Status

T0 = 1714564800.0
ZW = "\u200b"


def message(**kw: object) -> Message:
    fields = dict(event="firing", check="health", severity=Status.CRITICAL, title="CRITICAL: health",
                  summary="HTTP 503 from /health", started=T0, episode="health-1", at=T0 + 90,
                  metrics=(("response_ms", 2304.0), ("error_rate", 0.125)),
                  evidence=("GET /health -> 503",),
                  runbook=Runbook("health-endpoint-down", "Health endpoint down", ("Check the deploy", "Roll back"),
                                  "https://runbooks.example.com/health-endpoint-down"))
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "safe"), [
    ("plain text", "plain text"),
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
    ("<!channel> disconnected", "&lt;!channel&gt; disconnected"),
    ("<!here|here> <!everyone>", "&lt;!here|here&gt; &lt;!everyone&gt;"),
    ("ping <@U123ABC> and <#C123|ops>", "ping &lt;@U123ABC&gt; and &lt;#C123|ops&gt;"),
    ("<!subteam^S123|@oncall>", "&lt;!subteam^S123|@oncall&gt;"),
    ("@here the socket dropped", f"@{ZW}here the socket dropped"),
    ("cc @channel and @Everyone", f"cc @{ZW}channel and @{ZW}Everyone"),
    ("mail ops@here.example.com", f"mail ops@{ZW}here.example.com"),
    ("@heresy stays", "@heresy stays"),
    ("&lt; already", "&amp;lt; already"),
])
def test_escaping_stops_every_ping(raw: str, safe: str) -> None:
    assert slack_escape(raw) == safe


def test_the_webhook_message_exact_json() -> None:
    assert slack_body(message(), "wd-1") == {
        "text": ":rotating_light: CRITICAL: health: HTTP 503 from /health",
        "attachments": [{"color": "#FF0000", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": ":rotating_light: CRITICAL: health",
                                        "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "HTTP 503 from /health"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*response_ms*\n2304"},
                                           {"type": "mrkdwn", "text": "*error_rate*\n0.125"}]},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```GET /health -&gt; 503```"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                "*Runbook:* <https://runbooks.example.com/health-endpoint-down|Health endpoint down>\n"
                "1. Check the deploy\n2. Roll back")}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": (
                "Started <!date^1714564800^{date_short_pretty} {time_secs}|2024-05-01 12:00:00 UTC>"
                " · check `health` · id `wd-1`")}]},
        ]}],
    }


def test_log_text_with_pings_is_escaped_everywhere() -> None:
    evil = message(summary="<!channel> @here 5 drops", evidence=("ALERT <!here> ```break out``` @everyone",),
                   metrics=(), runbook=None)
    body = slack_body(evil, "wd-1")
    assert body["text"] == f":rotating_light: CRITICAL: health: &lt;!channel&gt; @{ZW}here 5 drops"
    blocks = body["attachments"][0]["blocks"]
    assert blocks[1]["text"]["text"] == f"&lt;!channel&gt; @{ZW}here 5 drops"
    assert blocks[2]["text"]["text"] == f"```ALERT &lt;!here&gt; `{ZW}``break out`{ZW}`` @{ZW}everyone```"
    assert "<!channel>" not in str(body) and "<!here>" not in str(body)


@pytest.mark.parametrize(("event", "severity", "color", "emoji"), [
    ("firing", Status.WARNING, "#FFA500", ":warning:"),
    ("firing", Status.CRITICAL, "#FF0000", ":rotating_light:"),
    ("firing", Status.UNKNOWN, "#808080", ":grey_question:"),
    ("resolved", Status.CRITICAL, "#2EB67D", ":white_check_mark:"),
    ("flapping", Status.WARNING, "#9B59B6", ":repeat:"),
    ("acknowledged", Status.CRITICAL, "#1D9BD1", ":eyes:"),
    ("test", Status.WARNING, "#439FE0", ":test_tube:"),
])
def test_colour_and_emoji_per_severity(event: str, severity: Status, color: str, emoji: str) -> None:
    body = slack_body(message(event=event, severity=severity, title="T"), "wd-1")
    assert body["attachments"][0]["color"] == color
    assert body["attachments"][0]["blocks"][0]["text"]["text"] == f"{emoji} T"


def test_the_fallback_note_and_a_runbook_without_link() -> None:
    blocks = slack_body(message(note="sent here because channel oncall failed", metrics=(), evidence=(),
                                runbook=Runbook("r", "Redis | down", ())), "wd-1")["attachments"][0]["blocks"]
    assert blocks[2]["text"]["text"] == "_sent here because channel oncall failed_"
    assert blocks[3]["text"]["text"] == "*Runbook:* Redis | down"


def test_chat_post_message_body_threads_follow_ups() -> None:
    body = post_body(message(event="resolved"), "wd-2", "C0123", "1714564800.000001")
    assert (body["channel"], body["thread_ts"], body["unfurl_links"]) == ("C0123", "1714564800.000001", False)
    assert "thread_ts" not in post_body(message(), "wd-1", "C0123", None)


# -- real sends to the local receiver -------------------------------------------------------

def webhook_channel(receiver: Receiver, **kw: object) -> SlackChannel:
    return SlackChannel("oncall", SlackConfig(webhook_url=receiver.slack_webhook_url, **kw))  # type: ignore[arg-type]


def bot_channel(receiver: Receiver, **kw: object) -> SlackChannel:
    config = SlackConfig(token="xoxb-FAKE-2", channel="C0123", api_url=receiver.slack_api_url, **kw)
    return SlackChannel("oncall", config)  # type: ignore[arg-type]


def note(event: str = "firing", thread: str | None = None):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(notification_for(message(event=event), "oncall", T0), thread=thread)


async def test_incoming_webhook_delivery(receiver: Receiver) -> None:
    n = note()
    outcome = await attempt(webhook_channel(receiver), n)
    assert outcome.delivered and outcome.delivery is not None and outcome.delivery.thread is None
    [request] = receiver.requests
    assert request.path == "/slack/webhook/T000/B000/XXXXXXXX"
    assert request.json == slack_body(message(), n.id)
    assert request.header("X-Watchdog-Notification-Id") == n.id


async def test_bot_posts_then_replies_in_the_thread(receiver: Receiver) -> None:
    channel = bot_channel(receiver)
    first = await attempt(channel, note())
    assert first.delivery is not None and first.delivery.thread == "1714564800.000001"
    reminder = await attempt(channel, note("reminder", thread=first.delivery.thread))
    assert reminder.delivery is not None and reminder.delivery.thread == "1714564800.000001"
    posted, replied = receiver.requests
    assert posted.path == "/slack/api/chat.postMessage" and "thread_ts" not in posted.json
    assert posted.header("Authorization") == "Bearer xoxb-FAKE-2"
    assert (replied.json["channel"], replied.json["thread_ts"]) == ("C0123", "1714564800.000001")
    assert "reply_broadcast" not in replied.json


async def test_a_resolve_marks_the_first_message_resolved_then_replies(receiver: Receiver) -> None:
    channel = bot_channel(receiver)
    await attempt(channel, note())
    resolve = note("resolved", thread="1714564800.000001")
    outcome = await attempt(channel, resolve)
    assert outcome.delivered
    _, updated, replied = receiver.requests
    assert updated.path == "/slack/api/chat.update"
    # the channel ID Slack answered with: chat.update refuses a #name
    assert updated.json == {"channel": "C0123456789", "ts": "1714564800.000001",
                            **slack_body(message(event="resolved"), resolve.id)}
    assert (replied.path, replied.json["thread_ts"]) == ("/slack/api/chat.postMessage", "1714564800.000001")


def test_the_updated_first_message_shows_resolved_and_how_long() -> None:
    resolved = message(event="resolved", title="RESOLVED: health (was CRITICAL for 12m30s)")
    body = update_body(resolved, "wd-9", "C0123", "1714564800.000001")
    assert body["attachments"][0]["color"] == "#2EB67D"
    assert body["text"] == ":white_check_mark: RESOLVED: health (was CRITICAL for 12m30s): HTTP 503 from /health"


async def test_an_acknowledgement_is_a_thread_reply(receiver: Receiver) -> None:
    ack = note("acknowledged", thread="1714564800.000001")
    assert (await attempt(bot_channel(receiver), ack)).delivered
    [replied] = receiver.requests
    assert (replied.path, replied.json["thread_ts"]) == ("/slack/api/chat.postMessage", "1714564800.000001")
    assert replied.json["attachments"][0]["color"] == "#1D9BD1"


async def test_reply_broadcast_shows_the_resolve_in_the_channel(receiver: Receiver) -> None:
    channel = bot_channel(receiver, reply_broadcast=True)
    await attempt(channel, note("reminder", thread="1714564800.000001"))
    await attempt(channel, note("resolved", thread="1714564800.000001"))
    reminder, _, resolved = receiver.requests
    assert "reply_broadcast" not in reminder.json and resolved.json["reply_broadcast"] is True


async def test_an_edit_slack_refuses_for_good_still_sends_the_reply(receiver: Receiver, caplog) -> None:  # type: ignore[no-untyped-def]
    receiver.script(Reply(200, json={"ok": False, "error": "message_not_found"}))
    outcome = await attempt(bot_channel(receiver), note("resolved", thread="1714564800.000001"))
    assert outcome.delivered and [r.path for r in receiver.requests] == [
        "/slack/api/chat.update", "/slack/api/chat.postMessage"]
    assert "the first message of health-1 was not marked resolved: Slack chat.update refused: message_not_found" \
        in caplog.text


async def test_a_transient_edit_failure_retries_the_resolve_before_any_reply(receiver: Receiver) -> None:
    receiver.script(Reply(200, json={"ok": False, "error": "internal_error"}))
    outcome = await attempt(bot_channel(receiver), note("resolved", thread="1714564800.000001"))
    assert outcome.error is not None and not outcome.error.permanent
    assert str(outcome.error) == "Slack chat.update failed (HTTP 200): internal_error"
    assert [r.path for r in receiver.requests] == ["/slack/api/chat.update"]


def test_reply_broadcast_needs_a_bot_token() -> None:
    with pytest.raises(ValueError, match="reply_broadcast needs a bot token"):
        SlackConfig(webhook_url="https://hooks.slack.com/services/T/B/X", reply_broadcast=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(("reply", "error", "permanent", "retry_after"), [
    (Reply(500, body="internal"), "Slack answered HTTP 500: internal", False, None),
    (Reply(503, body="<html>busy</html>"), "Slack answered HTTP 503: <html>busy</html>", False, None),
    (Reply(429, body="rate_limited", headers={"Retry-After": "7"}), "Slack answered HTTP 429: rate_limited",
     False, 7.0),
    (Reply(404, body="no_service"), "Slack answered HTTP 404: no_service", True, None),
    (Reply(403, body="action_prohibited"), "Slack answered HTTP 403: action_prohibited", True, None),
    (Reply(410, body="channel_is_archived"), "Slack answered HTTP 410: channel_is_archived", True, None),
    (Reply(400, body="invalid_payload"), "Slack answered HTTP 400: invalid_payload", True, None),
])
async def test_incoming_webhook_failures(receiver: Receiver, reply: Reply, error: str, permanent: bool,
                                         retry_after: float | None) -> None:
    receiver.script(reply)
    channel = webhook_channel(receiver)
    outcome = await attempt(channel, note())
    assert not outcome.delivered and outcome.error is not None
    assert (str(outcome.error), outcome.error.permanent, outcome.error.retry_after) == (error, permanent, retry_after)
    assert channel.state.last_error == error and receiver.url not in error


@pytest.mark.parametrize(("reply", "error", "permanent", "retry_after"), [
    (Reply(200, json={"ok": False, "error": "invalid_auth"}), "Slack chat.postMessage refused: invalid_auth",
     True, None),
    (Reply(200, json={"ok": False, "error": "channel_not_found"}),
     "Slack chat.postMessage refused: channel_not_found", True, None),
    (Reply(200, json={"ok": False, "error": "not_in_channel"}), "Slack chat.postMessage refused: not_in_channel",
     True, None),
    (Reply(200, json={"ok": False, "error": "internal_error"}),
     "Slack chat.postMessage failed (HTTP 200): internal_error", False, None),
    (Reply(429, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "3"}),
     "Slack answered HTTP 429: ratelimited", False, 3.0),
    (Reply(502, body="bad gateway"), "Slack chat.postMessage failed (HTTP 502): Received a response in a non-JSON "
     "format: bad gateway", False, None),
])
async def test_web_api_failures(receiver: Receiver, reply: Reply, error: str, permanent: bool,
                                retry_after: float | None) -> None:
    receiver.script(reply)
    outcome = await attempt(bot_channel(receiver), note())
    assert outcome.error is not None
    assert (str(outcome.error), outcome.error.permanent, outcome.error.retry_after) == (error, permanent, retry_after)


async def test_a_slow_slack_is_a_retried_timeout(receiver: Receiver) -> None:
    receiver.script(Reply(200, body="ok", delay_s=3))
    outcome = await attempt(webhook_channel(receiver, timeout="0.2s"), note())
    assert outcome.error is not None and not outcome.error.permanent
    assert str(outcome.error) == "no answer from Slack within 200ms"


async def test_slack_unreachable_is_retried_and_names_no_url() -> None:
    channel = SlackChannel("oncall", SlackConfig(webhook_url="http://127.0.0.1:9/services/T0/B0/secretpath"))
    outcome = await attempt(channel, note())
    assert outcome.error is not None and not outcome.error.permanent
    assert str(outcome.error) == "connection refused by Slack"


async def test_the_token_never_appears_in_errors_or_repr(receiver: Receiver) -> None:
    receiver.script(Reply(200, json={"ok": False, "error": "invalid_auth xoxb-FAKE-2"}))
    channel = bot_channel(receiver)
    outcome = await attempt(channel, note())
    assert str(outcome.error) == "Slack chat.postMessage refused: invalid_auth ***"
    assert "xoxb" not in repr(channel) and "xoxb" not in repr(channel.config)
