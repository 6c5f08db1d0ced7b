"""The long tail (Telegram, Matrix, Pushover, ntfy, Mattermost, Rocket.Chat, SMS gateways...) through ``apprise``.

    [channels.phone]
    type = "apprise"
    urls = ["tgram://${TG_TOKEN}/${TG_CHAT}", "ntfy://ntfy.sh/${NTFY_TOPIC}"]
    format = "markdown"                # or "text", "html"

Each notification is one ``apprise`` call to every URL (secrets: they hold
tokens): the title, and a body rendered here in the chosen ``format`` (the
numbers, evidence, runbook steps and link), with apprise's notify type from
the alert (``failure`` for CRITICAL/UNKNOWN, ``warning``, ``success`` for a
resolve, ``info`` otherwise). The URL syntax of every service is apprise's:
https://github.com/caronc/Apprise/wiki.

Apprise only says whether a call worked, and logs why not. What it logged is
the error's text (redacted); an HTTP status in it (``error=404``) is
classified like any HTTP answer (4xx other than 408/425/429 permanent, the
rest retried); a URL apprise does not understand is permanent; anything else
is retried. With several URLs, a retry after a partial failure sends to all
of them again: give each service its own channel when that matters.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, Delivery, TransportError, http_error
from watchdog.alerting.message import Message, human_time, text_lines
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import format_number, one_line

NOTIFY_TYPES = {Status.OK: "success", Status.WARNING: "warning", Status.CRITICAL: "failure",
                Status.UNKNOWN: "failure"}
EVENT_TYPES = {"resolved": "success", "acknowledged": "info", "test": "info"}
_STATUS = re.compile(r"error=(\d{3})")


class AppriseConfig(ChannelConfig):
    """Apprise service ``urls`` (secrets) and the body ``format``."""

    type: Literal["apprise"] = "apprise"
    urls: list[SecretStr] = Field(min_length=1)
    format: Literal["text", "markdown", "html"] = "text"

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[SecretStr]) -> list[SecretStr]:
        for index, url in enumerate(value):
            if "://" not in url.get_secret_value():
                raise ValueError(f"urls[{index}] is not a URL like tgram://TOKEN/CHAT (scheme://...)")
        return value


def apprise_body(message: Message, notification_id: str, body_format: str) -> str:
    """The body under the title, in apprise's ``text``, ``markdown`` or ``html``."""
    if body_format == "html":
        from watchdog.alerting.channels.mail_html import mail_html

        return mail_html(message, notification_id)
    if body_format == "markdown":
        return markdown_body(message, notification_id)
    return "\n".join(line.strip() for line in text_lines(message, notification_id)[1:])


def markdown_body(message: Message, notification_id: str) -> str:
    lines = [message.summary]
    if message.note:
        lines.append(f"_{message.note}_")
    lines += [f"- **{name}**: {format_number(value)}" for name, value in message.metrics]
    if message.evidence:
        lines += ["```", *message.evidence, "```"]
    if message.runbook is not None:
        rb = message.runbook
        lines.append(f"**Runbook:** [{rb.title}]({rb.url})" if rb.url else f"**Runbook:** {rb.title}")
        lines += [f"{i}. {step}" for i, step in enumerate(rb.steps[:3], start=1)]
    lines.append(f"Started {human_time(message.started)} · check `{message.check}` · id `{notification_id}`")
    return "\n".join(lines)


def notify_type(message: Message) -> str:
    return EVENT_TYPES.get(message.event) or NOTIFY_TYPES[message.severity]


def apprise_error(logged: str) -> TransportError:
    """What apprise logged as the error, classified as well as its words allow."""
    text = one_line(logged, 300) or "apprise reported a failure and logged no reason"
    status = _STATUS.search(logged)
    if status is not None:
        error = http_error(int(status.group(1)), "", who="the service")
        return TransportError(f"apprise: {text}", permanent=error.permanent)
    return TransportError(f"apprise: {text}")


class AppriseChannel(BaseChannel):
    """Notifies every URL through one ``apprise.Apprise`` (made on first use)."""

    type = "apprise"
    Config = AppriseConfig
    config: AppriseConfig

    def __init__(self, name: str, config: AppriseConfig, redactor: Redactor = NULL_REDACTOR) -> None:
        super().__init__(name, config, redactor)
        self._apprise: Any = None

    async def send(self, notification: Notification) -> Delivery:
        import apprise

        message = self.message_of(notification)
        targets = self._targets()
        with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as logged:
            ok = await targets.async_notify(body=apprise_body(message, notification.id, self.config.format),
                                            title=message.title, notify_type=notify_type(message),
                                            body_format=self.config.format)
        if not ok:
            raise apprise_error(logged.getvalue())
        return Delivery()

    def _targets(self) -> Any:
        if self._apprise is None:
            import apprise

            targets = apprise.Apprise()
            for index, url in enumerate(self.config.urls):
                if not targets.add(url.get_secret_value()):
                    scheme = url.get_secret_value().split("://", 1)[0]
                    raise TransportError(f"apprise does not understand urls[{index}] ({scheme}://...)",
                                         permanent=True)
            self._apprise = targets
        return self._apprise
