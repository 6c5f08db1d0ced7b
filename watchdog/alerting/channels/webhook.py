"""Webhook: an HTTP POST of a documented, versioned JSON body (or the Alertmanager shape).

Body (``format = "watchdog"``, schema ``watchdog.alert/v1``)::

    {
      "schema": "watchdog.alert/v1",
      "id": "wd-5f0c6a1e9b2d4c7f8a3e1b6d",
      "event": "firing",
      "severity": "critical",
      "previous_severity": null,
      "check": "health",
      "title": "CRITICAL: health",
      "summary": "HTTP 503 from https://api.example.com/health",
      "metrics": {"response_ms": 2304, "status_code": 503},
      "evidence": ["GET /health -> 503 Service Unavailable", "{\\"status\\": \\"unhealthy\\"}"],
      "runbook": {
        "name": "health-endpoint-down",
        "title": "Health endpoint down",
        "steps": ["Check the Railway deployment status", "Read the last 100 log lines"],
        "url": "https://runbooks.example.com/health-endpoint-down"
      },
      "started_at": "2024-05-01T12:00:00Z",
      "episode": "health-1714564800",
      "sent_at": "2024-05-01T12:01:30Z",
      "labels": {}
    }

``event`` is one of firing, escalated, downgraded, reminder, resolved,
flapping, acknowledged, test. ``severity`` is the alert's level (for ``resolved``, the level
that ended). ``id`` is stable: a retried or re-sent notification carries the
same id, so receivers de-duplicate on it. New fields may be added within v1;
a field is never removed or changed in meaning without a new schema version.

Headers: ``Content-Type: application/json``, ``X-Watchdog-Notification-Id``,
``X-Watchdog-Event``, ``X-Watchdog-Timestamp`` (unix seconds of this send
attempt: a retry carries its own), the configured ``headers``, and with
``secret`` set ``X-Watchdog-Signature: sha256=<hex>``, the HMAC-SHA256 of
``timestamp + "." + raw body``. Signing the time with the body lets a receiver
refuse an old request (the README's snippet allows 5 minutes), so a captured
request cannot be replayed later; within the window the stable id de-duplicates.

``format = "alertmanager"`` sends Alertmanager's webhook payload (version 4)
instead, so receivers written for Alertmanager work unchanged. Its labels
(``alertname``, ``check``, ``severity``, ``source``) are the same for the
alert's whole life, so its fingerprint is too; the check's result labels
are annotations (``alert_shape``).

A 2xx answer is delivered; 5xx, 408, 425 and 429 (honouring ``Retry-After``)
are retried by the outbox; any other status is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from watchdog.alerting.channels.alert_shape import alert_changes, fingerprint
from watchdog.alerting.channels.base import ChannelConfig, Delivery, secret_http_url
from watchdog.alerting.channels.httppost import USER_AGENT, HttpChannel, encode, host_of
from watchdog.alerting.message import Message, iso
from watchdog.redact import NULL_REDACTOR, Redactor, looks_secret
from watchdog.store.base import Notification

SCHEMA = "watchdog.alert/v1"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's "not ended"


class WebhookConfig(ChannelConfig):
    """Any HTTP receiver: a versioned JSON body, or the Alertmanager webhook shape."""

    type: Literal["webhook"] = "webhook"
    url: SecretStr
    format: Literal["watchdog", "alertmanager"] = "watchdog"
    #: HMAC-SHA256 key; the signature of timestamp + "." + body goes in ``X-Watchdog-Signature: sha256=<hex>``
    secret: SecretStr | None = None
    #: extra request headers; values of secret-looking names (Authorization, *token*...) are secrets
    headers: dict[str, str | SecretStr] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _secret_headers(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("headers"), dict):
            data = {**data, "headers": {
                k: SecretStr(v) if isinstance(v, str) and looks_secret(k) else v
                for k, v in data["headers"].items()
            }}
        return data

    _urls = field_validator("url")(secret_http_url)

    def header_values(self) -> dict[str, str]:
        return {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in self.headers.items()}


def webhook_body(notification_id: str, message: Message, sent_at: float) -> dict[str, Any]:
    """The ``watchdog.alert/v1`` body."""
    rb = message.runbook
    return {
        "schema": SCHEMA,
        "id": notification_id,
        "event": message.event,
        "severity": message.severity.name.lower(),
        "previous_severity": message.previous.name.lower() if message.previous else None,
        "check": message.check,
        "title": message.title,
        "summary": message.summary,
        "metrics": {name: _number(value) for name, value in message.metrics},
        "evidence": list(message.evidence),
        "runbook": None if rb is None else {"name": rb.name, "title": rb.title, "steps": list(rb.steps),
                                            "url": rb.url},
        "started_at": iso(message.started),
        "episode": message.episode,
        "sent_at": iso(sent_at),
        "labels": dict(message.labels),
    }


def alertmanager_body(notification_id: str, message: Message, receiver: str) -> dict[str, Any]:
    """Alertmanager's webhook payload (version 4): the alert, and on a level change the old level's, ended.

    Labels are the same for the alert's whole life (``alert_shape``): a result
    label such as ``version`` is an annotation.
    """
    fixed = {"check": message.check, "source": "watchdog"}
    alerts = [{
        "status": "resolved" if "endsAt" in change else "firing", "labels": change["labels"],
        "annotations": change["annotations"], "startsAt": change["startsAt"],
        "endsAt": change.get("endsAt", ZERO_TIME), "generatorURL": "", "fingerprint": fingerprint(change["labels"]),
    } for change in alert_changes(message, notification_id, fixed, None)]
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4", "groupKey": f'{{}}:{{alertname="{message.check}"}}', "truncatedAlerts": 0,
        "status": status, "receiver": receiver, "groupLabels": {"alertname": message.check},
        "commonLabels": _common([a["labels"] for a in alerts]),
        "commonAnnotations": _common([a["annotations"] for a in alerts]), "externalURL": "", "alerts": alerts,
    }


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    return {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])}


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``timestamp + "." + raw body`` with the shared secret."""
    signed = f"{timestamp}.".encode("ascii") + raw
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def request_headers(config: WebhookConfig, notification: Notification, raw: bytes, now: float) -> dict[str, str]:
    """The headers of one send attempt at ``now`` (unix seconds)."""
    timestamp = int(now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Watchdog-Notification-Id": notification.id,
        "X-Watchdog-Event": notification.event,
        "X-Watchdog-Timestamp": str(timestamp),
        **config.header_values(),
    }
    if config.secret is not None:
        headers["X-Watchdog-Signature"] = signature(config.secret.get_secret_value(), timestamp, raw)
    return headers


class WebhookChannel(HttpChannel):
    """POSTs each notification to ``url`` with httpx (one client per channel, reused)."""

    type = "webhook"
    Config = WebhookConfig
    config: WebhookConfig

    def __init__(self, name: str, config: WebhookConfig, redactor: Redactor = NULL_REDACTOR,
                 *, clock: Any = None) -> None:
        super().__init__(name, config, redactor)
        import time

        self._clock = clock or time.time

    def render(self, notification: Notification, now: float) -> bytes:
        message = self.message_of(notification)
        if self.config.format == "alertmanager":
            return encode(alertmanager_body(notification.id, message, self.name))
        return encode(webhook_body(notification.id, message, now))

    async def send(self, notification: Notification) -> Delivery:
        now = self._clock()  # one reading: the body's sent_at and the signed timestamp agree
        raw = self.render(notification, now)
        url = self.config.url.get_secret_value()
        headers = request_headers(self.config, notification, raw, now)
        await self.http.post(url, raw, who=host_of(url), headers=headers)
        return Delivery()


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value
