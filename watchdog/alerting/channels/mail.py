"""E-mail over SMTP (``aiosmtplib``): a plain-text and an HTML part, follow-ups threaded.

    [channels.mail]
    type = "email"
    host = "smtp.example.com"
    security = "starttls"              # port 587; "tls": 465; "none": 25
    username = "alerts@example.com"
    password = "${SMTP_PASSWORD}"
    from = "watchdog <alerts@example.com>"
    to = ["oncall@example.com"]
    subject = "[watchdog] {title}"     # also {check} {severity} {event} {summary}

The message is built by a pure function (``mail_message``): the same content
as the Slack message (title, summary, numbers, evidence, runbook steps and
link, start time, notification id) as text and as HTML (``mail_html``). Its
``Message-ID`` is made from the notification id, so a resent copy has the
same one. The first message of an episode is the thread (``Delivery.thread``
= its Message-ID); reminders, resolves and acknowledgements carry
``In-Reply-To`` and ``References`` naming it, and mail clients show them as
one conversation (Gmail also wants the same subject: ``subject = "[watchdog]
{check}"`` keeps it).

Failures: a recipient, sender or message the server refuses with a 5xx
(``550 no such user``), a refused login (535), a server without STARTTLS or
AUTH, an untrusted certificate are permanent; 4xx answers, timeouts and
connection errors are retried. When some recipients are refused and others
took the message, it is delivered (sending again would reach the others
twice) and the refused ones are logged. ``ca_file`` trusts a private CA (or a
self-signed server certificate) besides the system's.
"""

from __future__ import annotations

import logging
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from string import Formatter
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, Delivery, TransportError
from watchdog.alerting.channels.mail_html import mail_html
from watchdog.alerting.message import Message, text_lines
from watchdog.durations import format_duration
from watchdog.neterrors import describe
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.store.base import Notification
from watchdog.text import clip, one_line

log = logging.getLogger("watchdog.email")
PORTS = {"starttls": 587, "tls": 465, "none": 25}
SUBJECT_FIELDS = ("title", "check", "severity", "event", "summary")


class EmailConfig(ChannelConfig):
    """SMTP: ``host``, ``security``, login, ``from``, ``to``, a ``subject`` template."""

    type: Literal["email"] = "email"
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)  # by security: 587, 465 or 25
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    subject: str = "[watchdog] {title}"
    #: a CA certificate (PEM) to trust besides the system's: a private CA, a self-signed server
    ca_file: str | None = None

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [_address(v) for v in value]

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        try:
            names = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"bad template {value!r}: {exc}") from None
        unknown = sorted(names - set(SUBJECT_FIELDS))
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {', '.join(SUBJECT_FIELDS)})")
        return value

    @model_validator(mode="after")
    def _login(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both username and password to log in, or neither")
        return self

    @property
    def smtp_port(self) -> int:
        return self.port or PORTS[self.security]


def _address(value: str) -> str:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"not an e-mail address: {value!r}")
    return value


def subject_line(template: str, message: Message) -> str:
    fields = {"title": message.title, "check": message.check, "severity": message.severity.name,
              "event": message.event, "summary": message.summary}
    return clip(one_line(template.format_map(fields), 10_000), 200)


def message_id(notification_id: str, sender: str) -> str:
    """``<wd-...@example.com>``: the same notification always has the same Message-ID."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "watchdog.invalid"
    return f"<{notification_id}@{domain}>"


def mail_message(message: Message, notification_id: str, config: EmailConfig, *, thread: str | None,
                 sent_at: float) -> EmailMessage:
    """The e-mail for one notification: text and HTML alternatives, threaded under ``thread``."""
    mail = EmailMessage()
    mail["Subject"] = subject_line(config.subject, message)
    mail["From"], mail["To"] = config.sender, ", ".join(config.to)
    mail["Date"] = formatdate(sent_at, usegmt=True)
    mail["Message-ID"] = message_id(notification_id, config.sender)
    if thread:
        mail["In-Reply-To"], mail["References"] = thread, thread
    mail["X-Watchdog-Notification-Id"], mail["X-Watchdog-Event"] = notification_id, message.event
    mail.set_content("\n".join(text_lines(message, notification_id)) + "\n")
    mail.add_alternative(mail_html(message, notification_id), subtype="html")
    return mail


class EmailChannel(BaseChannel):
    """Sends each notification as one e-mail; follow-ups reply to the episode's first."""

    type = "email"
    Config = EmailConfig
    config: EmailConfig
    uses_threads = True

    def __init__(self, name: str, config: EmailConfig, redactor: Redactor = NULL_REDACTOR,
                 *, clock: Any = None) -> None:
        super().__init__(name, config, redactor)
        import time

        self._clock = clock or time.time

    async def send(self, notification: Notification) -> Delivery:
        import aiosmtplib

        cfg = self.config
        mail = mail_message(self.message_of(notification), notification.id, cfg, thread=notification.thread,
                            sent_at=self._clock())
        login = {"username": cfg.username, "password": cfg.password.get_secret_value()} if cfg.password else {}
        try:
            refused, _ = await aiosmtplib.send(
                mail, hostname=cfg.host, port=cfg.smtp_port, use_tls=cfg.security == "tls",
                start_tls=cfg.security == "starttls", timeout=cfg.timeout, tls_context=self._tls(), **login)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise smtp_error(exc, f"{cfg.host}:{cfg.smtp_port}", cfg.timeout) from None
        if refused:
            log.warning("%s", self.redact(f"channel {self.name}: {notification.id} not delivered to "
                                          + ", ".join(f"{who} ({_said(r)})" for who, r in refused.items())))
        return Delivery(thread=notification.thread or str(mail["Message-ID"]))

    def _tls(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        from watchdog.http import system_tls_context

        context = system_tls_context()
        if self.config.ca_file:
            context.load_verify_locations(self.config.ca_file)
        return context


def smtp_error(exc: BaseException, server: str, timeout: float) -> TransportError:
    """What went wrong, and whether sending again can help (a 5xx or a config problem cannot)."""
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        said = ", ".join(f"{r.recipient} ({_said(r)})" for r in exc.recipients)
        return TransportError(f"{server} refused every recipient: {said}", permanent=max(codes, default=550) >= 500)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(exc, aiosmtplib.SMTPConnectError):
        what = "the login" if isinstance(exc, aiosmtplib.SMTPAuthenticationError) else "the message"
        return TransportError(f"{server} refused {what}: {_said(exc)}", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or type(exc) is aiosmtplib.SMTPException:
        # "The SMTP AUTH extension is not supported by this server.": the config, not the moment
        return TransportError(f"{server}: {one_line(str(exc), 200)}", permanent=True)
    if isinstance(exc, TimeoutError):
        return TransportError(f"no answer from {server} within {format_duration(timeout)}")
    text = one_line(str(exc), 200) or type(exc).__name__
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return TransportError(f"{server}: TLS certificate not trusted ({text}); set ca_file", permanent=True)
    return TransportError(describe(exc, server) or f"cannot reach {server}: {text}")


def _said(response: Any) -> str:
    return f"{response.code} {one_line(str(response.message), 120)}"
