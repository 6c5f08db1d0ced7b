"""Slack: an incoming webhook, or a bot token posting with ``chat.postMessage`` in threads.

    [channels.oncall]
    type = "slack"
    webhook_url = "${SLACK_WEBHOOK}"   # or: token = "${SLACK_BOT_TOKEN}" + channel = "C0123456789"

The message is built by pure functions (``slack_body``), tested against exact
JSON: an attachment coloured by severity holding Block Kit blocks (title,
summary, key metrics, evidence, runbook, start time, notification id).

Everything that came from a check (summary, evidence, labels) is escaped per
Slack's rules (``&`` ``<`` ``>`` as entities) so ``<!channel>`` or ``<@U123>``
in a log line shows as text, and bare ``@here`` / ``@channel`` / ``@everyone``
get a zero-width space so they cannot ping either.

Transport: slack-sdk's synchronous ``WebhookClient`` / ``WebClient`` (urllib)
run in a worker thread. Its asyncio clients need aiohttp, an extra dependency
for one request at a time; the thread costs nothing here. slack-sdk's own
retry handlers are switched off: the outbox owns retries. Bot mode sends
follow-ups (reminders, resolves, acknowledgements) into the thread of the
episode's first message (``Delivery.thread`` = its ``ts``). A resolve first
edits that first message (``chat.update``) to show the alert resolved and for
how long it lasted, so the channel stops showing a red alert that ended, then
replies in the thread (``reply_broadcast = true``: also to the channel). The
edit goes first because it is idempotent: when the reply fails and is
retried, the message is edited twice, never replied to twice. An edit Slack
refuses for good (the message was deleted) is logged and the reply still goes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import urllib.error
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import SecretStr, field_validator, model_validator

from watchdog.alerting.channels.base import (
    BaseChannel, ChannelConfig, Delivery, TransportError, alert_color, http_error, secret_http_url,
)
from watchdog.alerting.message import Message, human_time
from watchdog.durations import format_duration
from watchdog.neterrors import describe
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import clip, one_line
from watchdog.thresholds import format_number

EMOJI = {Status.OK: ":white_check_mark:", Status.WARNING: ":warning:",
         Status.CRITICAL: ":rotating_light:", Status.UNKNOWN: ":grey_question:"}
EVENT_EMOJI = {"resolved": ":white_check_mark:", "flapping": ":repeat:", "acknowledged": ":eyes:",
               "test": ":test_tube:"}
#: chat.postMessage errors that a later retry can fix; every other error is permanent
TRANSIENT_API_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                                  "request_timeout", "team_added_to_org"})
_PINGS = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_ZWSP = "\u200b"
_SECTION_LIMIT = 2900  # Slack refuses section text over 3000 characters
_QUIET = logging.Logger("watchdog.slack_sdk", level=logging.CRITICAL + 1)  # it logs URLs at debug
log = logging.getLogger("watchdog.slack")


class SlackConfig(ChannelConfig):
    """Slack: an incoming ``webhook_url``, or a bot ``token`` + ``channel`` (threads)."""

    type: Literal["slack"] = "slack"
    webhook_url: SecretStr | None = None
    token: SecretStr | None = None
    channel: str | None = None
    #: Web API base for token mode; change it only for a Slack-compatible proxy or a test receiver
    api_url: str = "https://slack.com/api/"
    #: bot mode: the resolve's thread reply is also shown in the channel
    reply_broadcast: bool = False

    _urls = field_validator("webhook_url")(secret_http_url)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackConfig:
        if (self.webhook_url is None) == (self.token is None):
            raise ValueError("set either webhook_url (incoming webhook) or token + channel (bot), not both")
        if self.webhook_url is not None:
            if self.channel is not None:
                raise ValueError("channel is fixed by an incoming webhook; remove 'channel' or use a bot token")
            if self.reply_broadcast:
                raise ValueError("reply_broadcast needs a bot token: an incoming webhook cannot reply in a thread")
        elif not self.channel:
            raise ValueError("a bot token needs 'channel' (a channel ID like C0123456789 or #name)")
        return self


def slack_escape(text: str) -> str:
    """Make text safe for Slack: entities for ``& < >``, no bare @here/@channel/@everyone."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PINGS.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)


def slack_body(message: Message, notification_id: str) -> dict[str, Any]:
    """The JSON for an incoming webhook (and the base of a chat.postMessage)."""
    title = f"{_emoji(message)} {slack_escape(message.title)}"
    return {
        "text": clip(f"{title}: {slack_escape(message.summary)}", 300),
        "attachments": [{"color": alert_color(message), "blocks": _blocks(message, notification_id, title)}],
    }


def post_body(message: Message, notification_id: str, channel: str, thread: str | None,
              broadcast: bool = False) -> dict[str, Any]:
    """The JSON for chat.postMessage: the same content, a channel, maybe a thread (and its broadcast)."""
    body = {"channel": channel, **slack_body(message, notification_id), "unfurl_links": False}
    if thread:
        body["thread_ts"] = thread
        if broadcast and message.event == "resolved":
            body["reply_broadcast"] = True
    return body


def update_body(message: Message, notification_id: str, channel: str, ts: str) -> dict[str, Any]:
    """The JSON for chat.update: the episode's first message, now showing the resolve and how long it lasted."""
    return {"channel": channel, "ts": ts, **slack_body(message, notification_id)}


def _blocks(message: Message, notification_id: str, title: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, 150), "emoji": True}},
        _section(slack_escape(message.summary) or "_no summary_"),
    ]
    if message.note:
        blocks.append(_section(f"_{slack_escape(message.note)}_"))
    if message.metrics:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{slack_escape(name)}*\n{format_number(value)}"}
            for name, value in message.metrics
        ]})
    if message.evidence:
        lines = "\n".join(slack_escape(line).replace("```", "`\u200b``") for line in message.evidence)
        blocks.append(_section(f"```{clip(lines, _SECTION_LIMIT - 6)}```"))
    if message.runbook is not None:
        blocks.append(_section(_runbook(message)))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _context(message, notification_id)}]})
    return blocks


def _runbook(message: Message) -> str:
    rb = message.runbook
    assert rb is not None
    label = slack_escape(rb.title)
    head = f"*Runbook:* <{rb.url}|{label.replace('|', '¦')}>" if rb.url else f"*Runbook:* {label}"
    steps = [f"{i}. {slack_escape(step)}" for i, step in enumerate(rb.steps[:3], start=1)]
    return clip("\n".join([head, *steps]), _SECTION_LIMIT)


def _context(message: Message, notification_id: str) -> str:
    when = human_time(message.started)
    # Slack shows <!date> in the reader's own time zone; the text after | is the fallback.
    started = f"<!date^{int(message.started)}^{{date_short_pretty}} {{time_secs}}|{when}>"
    return f"Started {started} · check `{slack_escape(message.check)}` · id `{notification_id}`"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, _SECTION_LIMIT)}}


def _emoji(message: Message) -> str:
    return EVENT_EMOJI.get(message.event) or EMOJI[message.severity]


class SlackChannel(BaseChannel):
    """Posts to Slack; in bot mode, follow-ups go into the first message's thread."""

    type = "slack"
    Config = SlackConfig
    config: SlackConfig

    def __init__(self, name: str, config: SlackConfig, redactor: Redactor = NULL_REDACTOR) -> None:
        super().__init__(name, config, redactor)
        self.uses_threads = config.token is not None  # incoming webhooks cannot reply in a thread
        self._client: Any = None
        self._seen_channel: str | None = None

    async def send(self, notification: Notification) -> Delivery:
        message = self.message_of(notification)
        headers = {"X-Watchdog-Notification-Id": notification.id}
        if self.config.webhook_url is not None:
            await asyncio.to_thread(self._post_webhook, slack_body(message, notification.id), headers)
            return Delivery()
        thread = notification.thread
        if thread and message.event == "resolved":
            await asyncio.to_thread(self._update_first, message, notification.id, thread, headers)
        assert self.config.channel is not None
        body = post_body(message, notification.id, self.config.channel, thread, self.config.reply_broadcast)
        response = await asyncio.to_thread(self._call, "chat.postMessage", body, headers)
        ts = response.get("ts")
        return Delivery(thread=thread or (str(ts) if ts else None))

    def _channel_id(self) -> str:
        """chat.update needs the channel's ID: the one Slack answered with, else the configured one."""
        assert self.config.channel is not None
        return self._seen_channel or self.config.channel

    def _update_first(self, message: Message, notification_id: str, ts: str, headers: dict[str, str]) -> None:
        try:
            self._call("chat.update", update_body(message, notification_id, self._channel_id(), ts), headers)
        except TransportError as exc:
            if not exc.permanent:
                raise
            log.warning("%s", self.redact(f"channel {self.name}: the first message of {message.episode} was not "
                                          f"marked resolved: {exc}"))

    def _post_webhook(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        from slack_sdk.webhook import WebhookClient

        assert self.config.webhook_url is not None
        if self._client is None:
            self._client = WebhookClient(self.config.webhook_url.get_secret_value(), timeout=self.config.timeout,
                                         logger=_QUIET, retry_handlers=[])
        try:
            response = self._client.send_dict(body, headers=headers)
        except (urllib.error.URLError, OSError) as exc:
            raise _network_error(exc, self.config.timeout) from None
        if not 200 <= response.status_code < 300:
            raise http_error(response.status_code, "", str(response.body or ""),
                             retry_after=_header(response.headers, "Retry-After"), who="Slack")

    def _call(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        assert self.config.token is not None
        if self._client is None:
            self._client = WebClient(token=self.config.token.get_secret_value(), base_url=self.config.api_url,
                                     timeout=self.config.timeout,  # type: ignore[arg-type]
                                     logger=_QUIET, retry_handlers=[])
        try:
            response = self._client.api_call(method, json=body, headers=headers)
        except SlackApiError as exc:
            raise _api_error(method, exc.response) from None
        except (urllib.error.URLError, OSError) as exc:
            raise _network_error(exc, self.config.timeout) from None
        if isinstance(response.get("channel"), str):
            self._seen_channel = response["channel"]
        return response


def _api_error(method: str, response: Any) -> TransportError:
    status = int(getattr(response, "status_code", 0) or 0)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error") or "unknown_error")
    retry_after = _header(getattr(response, "headers", {}) or {}, "Retry-After")
    if status == 429 or error == "ratelimited":
        return http_error(429, "", "ratelimited", retry_after=retry_after, who="Slack")
    if status >= 500 or error in TRANSIENT_API_ERRORS:
        return TransportError(f"Slack {method} failed (HTTP {status}): {one_line(error, 120)}")
    return TransportError(f"Slack {method} refused: {one_line(error, 120)}", permanent=True)


def _network_error(exc: BaseException, timeout: float) -> TransportError:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason):
        return TransportError(f"no answer from Slack within {format_duration(timeout)}")
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return TransportError(describe(exc, "Slack") or f"cannot reach Slack: {text}")


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else str(value)
    return None
