"""Microsoft Teams: an Adaptive Card posted to a Workflows ("When a Teams webhook request is received") URL.

    [channels.teams]
    type = "teams"
    url = "${TEAMS_WORKFLOW_URL}"    # the workflow's HTTP POST URL (it carries a signature: a secret)

Office 365 connectors ("incoming webhooks") are retired; a Teams channel's
*Workflows* app makes the URL from the template "Send webhook alerts to a
channel". The body is ``{"type": "message", "attachments": [card]}`` with one
Adaptive Card (version 1.4, the highest Workflows renders everywhere): the
title coloured by severity, the summary, the numbers as a FactSet, the
evidence in monospace, the runbook's first steps and an "Open runbook"
button. Teams caps a message at about 28 KB; the evidence is cut well below.

Teams has no threads a webhook can reply to: each notification is one card.
The workflow answers 202; 429 and 5xx are retried; 400 (a card it refuses),
401, 403, 404 (the workflow was deleted or turned off) and 413 are permanent.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr, field_validator

from watchdog.alerting.channels.base import ChannelConfig, Delivery, secret_http_url
from watchdog.alerting.channels.httppost import HttpChannel, encode
from watchdog.alerting.message import Message, human_time
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import clip, format_number

CARD = "application/vnd.microsoft.card.adaptive"
#: Adaptive Card colours (the names the host themes)
COLORS = {Status.OK: "Good", Status.WARNING: "Warning", Status.CRITICAL: "Attention", Status.UNKNOWN: "Attention"}
EVENT_COLORS = {"resolved": "Good", "flapping": "Accent", "acknowledged": "Accent", "test": "Accent"}
EVIDENCE_LIMIT = 4000


class TeamsConfig(ChannelConfig):
    """A Teams Workflows webhook ``url`` (secret)."""

    type: Literal["teams"] = "teams"
    url: SecretStr

    _url = field_validator("url")(secret_http_url)


def teams_body(message: Message, notification_id: str) -> dict[str, Any]:
    """The Workflows webhook body: one Adaptive Card."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
        "msteams": {"width": "Full"}, "body": card_body(message, notification_id),
    }
    if message.runbook is not None and message.runbook.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open runbook", "url": message.runbook.url}]
    return {"type": "message", "attachments": [{"contentType": CARD, "contentUrl": None, "content": card}]}


def card_body(message: Message, notification_id: str) -> list[dict[str, Any]]:
    color = EVENT_COLORS.get(message.event) or COLORS[message.severity]
    body = [_text(message.title, weight="Bolder", size="Medium", color=color), _text(message.summary or "no summary")]
    if message.note:
        body.append(_text(message.note, isSubtle=True))
    if message.metrics:
        body.append({"type": "FactSet", "facts": [{"title": name, "value": format_number(value)}
                                                  for name, value in message.metrics]})
    if message.evidence:
        body.append(_text(clip("\n".join(message.evidence), EVIDENCE_LIMIT), fontType="Monospace"))
    if message.runbook is not None:
        steps = [f"{i}. {step}" for i, step in enumerate(message.runbook.steps[:3], start=1)]
        body.append(_text("\n".join([f"Runbook: {message.runbook.title}", *steps])))
    body.append(_text(f"Started {human_time(message.started)} · check {message.check} · id {notification_id}",
                      isSubtle=True, size="Small"))
    return body


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


class TeamsChannel(HttpChannel):
    """POSTs each notification as one card to the workflow URL."""

    type = "teams"
    Config = TeamsConfig
    config: TeamsConfig

    async def send(self, notification: Notification) -> Delivery:
        body = teams_body(self.message_of(notification), notification.id)
        await self.http.post(self.config.url.get_secret_value(), encode(body), who="Teams")
        return Delivery()

