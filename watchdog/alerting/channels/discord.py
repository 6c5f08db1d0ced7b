"""Discord: a webhook message holding one embed coloured by severity.

    [channels.discord]
    type = "discord"
    url = "${DISCORD_WEBHOOK_URL}"   # https://discord.com/api/webhooks/ID/TOKEN (a secret)

The embed has the title, the summary (and a fallback note), the numbers as
inline fields, the evidence in a code block, the runbook's link and first
steps, the start time and the notification id; each part is cut to Discord's
limits (title 256, description 4096, field value 1024, 6000 in all).

Nothing a check wrote can ping anyone: the request says
``allowed_mentions: {"parse": []}`` (no @everyone, @here, user or role
mention is honoured), check text only goes into the embed (whose mentions
never notify), and a bare @everyone/@here gets a zero-width space so it does
not even look like one.

Discord answers 204; 429 (honouring ``Retry-After``) and 5xx are retried;
400 (a body it refuses, its ``message`` quoted), 401, 403 and 404 (the
webhook was deleted: ``Unknown Webhook``) are permanent.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import SecretStr, field_validator

from watchdog.alerting.channels.base import ChannelConfig, Delivery, alert_color, secret_http_url
from watchdog.alerting.channels.httppost import HttpChannel, encode, response_json
from watchdog.alerting.message import Message, iso
from watchdog.store.base import Notification
from watchdog.text import clip, format_number

_PINGS = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_ZWSP = "\u200b"
TITLE_LIMIT, DESCRIPTION_LIMIT, FIELD_LIMIT, TOTAL_LIMIT = 256, 4096, 1024, 6000


class DiscordConfig(ChannelConfig):
    """A Discord webhook ``url`` (secret); ``username`` is the name the message is posted under."""

    type: Literal["discord"] = "discord"
    url: SecretStr
    username: str = "watchdog"

    _url = field_validator("url")(secret_http_url)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not 1 <= len(value) <= 80:
            raise ValueError("must be 1 to 80 characters (Discord's limit)")
        return value


def discord_safe(text: str) -> str:
    """A bare @everyone / @here that cannot ping (and does not look like it could)."""
    return _PINGS.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


def discord_body(message: Message, notification_id: str, username: str = "watchdog") -> dict[str, Any]:
    """The webhook body: one embed within Discord's limits, no mention honoured."""
    description = discord_safe(message.summary or "no summary")
    if message.note:
        description += f"\n*{discord_safe(message.note)}*"
    title, fields = clip(discord_safe(message.title), TITLE_LIMIT), _fields(message)
    footer = f"check {message.check} · id {notification_id}"
    used = len(title) + len(footer) + sum(len(f["name"]) + len(f["value"]) for f in fields)
    embed: dict[str, Any] = {
        "title": title, "description": clip(description, min(DESCRIPTION_LIMIT, TOTAL_LIMIT - used)),
        "color": int(alert_color(message).lstrip("#"), 16), "fields": fields, "footer": {"text": footer},
        "timestamp": iso(message.started),
    }
    if message.runbook is not None and message.runbook.url:
        embed["url"] = message.runbook.url
    return {"username": username, "embeds": [embed], "allowed_mentions": {"parse": []}}


def _fields(message: Message) -> list[dict[str, Any]]:
    fields = [{"name": clip(name, TITLE_LIMIT), "value": format_number(value), "inline": True}
              for name, value in message.metrics]
    if message.evidence:
        lines = discord_safe("\n".join(message.evidence)).replace("```", "`\u200b``")
        fields.append({"name": "Evidence", "value": f"```{clip(lines, FIELD_LIMIT - 6)}```", "inline": False})
    if message.runbook is not None:
        rb = message.runbook
        head = f"[{rb.title}]({rb.url})" if rb.url else rb.title
        steps = [f"{i}. {discord_safe(step)}" for i, step in enumerate(rb.steps[:3], start=1)]
        fields.append({"name": "Runbook", "value": clip("\n".join([head, *steps]), FIELD_LIMIT), "inline": False})
    return fields


def error_detail(response: Any) -> str:
    """Discord's error JSON: ``Unknown Webhook`` (10015), ``Invalid Form Body`` (50035) and its errors."""
    data = response_json(response)
    if data is None:
        return str(response.text[:200])
    text = str(data.get("message", ""))
    if data.get("errors"):
        text += f": {data['errors']}"
    return text[:300]


class DiscordChannel(HttpChannel):
    """POSTs each notification to the Discord webhook."""

    type = "discord"
    Config = DiscordConfig
    config: DiscordConfig

    async def send(self, notification: Notification) -> Delivery:
        body = discord_body(self.message_of(notification), notification.id, self.config.username)
        await self.http.post(self.config.url.get_secret_value(), encode(body), who="Discord", detail=error_detail)
        return Delivery()

