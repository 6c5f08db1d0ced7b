"""PagerDuty: alert events through the Events API v2 (``POST https://events.pagerduty.com/v2/enqueue``).

    [channels.pager]
    type = "pagerduty"
    routing_key = "${PAGERDUTY_ROUTING_KEY}"   # the integration key of an "Events API v2" integration

One PagerDuty alert per watchdog episode: every event of an episode carries
``dedup_key`` = the episode's id, so PagerDuty applies them to one alert.

==============================================  ===========================================
watchdog event                                  ``event_action``
==============================================  ===========================================
firing, escalated, downgraded, reminder,        ``trigger`` (PagerDuty de-duplicates it into
flapping                                        the open alert)
acknowledged                                    ``acknowledge``
resolved                                        ``resolve``
test (``watchdog alert test``)                  ``trigger`` at severity ``info``, then
                                                ``resolve`` at once
==============================================  ===========================================

Severity: CRITICAL -> ``critical``, UNKNOWN (the check could not run) ->
``error``, WARNING -> ``warning``. Report summaries (``report --post``) are
not alerts: they are not sent to PagerDuty (counted delivered, no request).

Answers: 202 is delivered; 429 and 5xx are retried (``Retry-After``
honoured); 400 is permanent, and PagerDuty's ``errors`` list is in the message.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr, field_validator

from watchdog.alerting.channels.base import ChannelConfig, Delivery, http_url
from watchdog.alerting.channels.httppost import HttpChannel, encode, response_json
from watchdog.alerting.message import OPEN_EVENTS, Message, iso
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.text import clip, format_number

SEVERITIES = {Status.CRITICAL: "critical", Status.UNKNOWN: "error", Status.WARNING: "warning", Status.OK: "info"}
ACTIONS = {**{event: "trigger" for event in OPEN_EVENTS}, "acknowledged": "acknowledge", "resolved": "resolve"}
SUMMARY_LIMIT = 1024  # PagerDuty refuses a longer payload.summary
DEDUP_LIMIT = 255


class PagerDutyConfig(ChannelConfig):
    """PagerDuty Events API v2: ``routing_key`` (secret); ``url`` only for a proxy or a test receiver."""

    type: Literal["pagerduty"] = "pagerduty"
    routing_key: SecretStr
    url: str = "https://events.pagerduty.com/v2/enqueue"
    #: ``payload.source``: the affected system as PagerDuty shows it
    source: str = "watchdog"
    #: ``payload.group``: a grouping of components, e.g. "prod-api"
    group: str | None = None
    #: ``client_url``: a link back to this watchdog (its /status page, a dashboard)
    client_url: str | None = None

    _url = field_validator("url")(http_url)

    @field_validator("routing_key")
    @classmethod
    def _key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty (the integration key of an Events API v2 integration)")
        return value


def dedup_key(message: Message) -> str:
    """The key every event of one episode carries: the episode's id."""
    return message.episode[:DEDUP_LIMIT]


def pagerduty_event(message: Message, notification_id: str, config: PagerDutyConfig,
                    action: str | None = None) -> dict[str, Any]:
    """The Events API v2 body for one notification (``action`` overrides the event's own)."""
    action = action or ACTIONS[message.event]
    body: dict[str, Any] = {"routing_key": config.routing_key.get_secret_value(), "event_action": action,
                            "dedup_key": dedup_key(message)}
    if action != "trigger":
        return body
    severity = "info" if message.event == "test" else SEVERITIES[message.severity]
    payload = {"summary": clip(f"{message.title}: {message.summary}", SUMMARY_LIMIT), "source": config.source,
               "severity": severity, "timestamp": iso(message.at or message.started), "component": message.check,
               "class": message.metrics[0][0] if message.metrics else message.event,
               "custom_details": custom_details(message, notification_id)}
    if config.group:
        payload["group"] = config.group
    body["payload"] = payload
    body["client"] = "watchdog"
    if config.client_url:
        body["client_url"] = config.client_url
    if message.runbook is not None and message.runbook.url:
        body["links"] = [{"href": message.runbook.url, "text": f"Runbook: {message.runbook.title}"}]
    return body


def custom_details(message: Message, notification_id: str) -> dict[str, Any]:
    """What a responder reads under the alert: numbers, evidence, runbook steps, where it came from."""
    details: dict[str, Any] = {"check": message.check, "event": message.event, "summary": message.summary,
                               "started_at": iso(message.started), "notification_id": notification_id}
    if message.metrics:
        details["metrics"] = {name: format_number(value) for name, value in message.metrics}
    if message.evidence:
        details["evidence"] = list(message.evidence)
    if message.runbook is not None:
        details["runbook"] = {"title": message.runbook.title, "steps": list(message.runbook.steps)}
    if message.labels:
        details["labels"] = dict(message.labels)
    if message.note:
        details["note"] = message.note
    return details


def error_detail(response: Any) -> str:
    """PagerDuty's 400 says why: ``Event object is invalid: 'payload.summary' is missing``."""
    data = response_json(response)
    if data is None:
        return str(response.text[:200])
    errors = data.get("errors")
    text = str(data.get("message", ""))
    if isinstance(errors, list) and errors:
        text += ": " + "; ".join(str(e) for e in errors)
    return text[:300]


class PagerDutyChannel(HttpChannel):
    """Sends each notification as one Events API v2 event (a test: a trigger and its resolve)."""

    type = "pagerduty"
    Config = PagerDutyConfig
    config: PagerDutyConfig

    async def send(self, notification: Notification) -> Delivery:
        message = self.message_of(notification)
        if message.event == "test":
            actions = ["trigger", "resolve"]  # a resent trigger joins the same alert: a retry is harmless
        elif message.event in ACTIONS:
            actions = [ACTIONS[message.event]]
        else:
            return Delivery()  # a report summary: people read those in chat, nobody is paged
        for action in actions:
            body = pagerduty_event(message, notification.id, self.config, action)
            await self.http.post(self.config.url, encode(body), who="PagerDuty",
                                  detail=error_detail)
        return Delivery()

