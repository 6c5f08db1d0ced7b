"""Opsgenie: the Alert API (``POST /v2/alerts``, ``.../{alias}/close``, ``.../{alias}/acknowledge``).

    [channels.genie]
    type = "opsgenie"
    api_key = "${OPSGENIE_API_KEY}"      # the key of an "API" integration
    region = "eu"                        # api.eu.opsgenie.com; default "us" (api.opsgenie.com)
    responders = [{ type = "team", name = "ops" }]

One Opsgenie alert per watchdog episode: ``alias`` = the episode's id, so
Opsgenie de-duplicates the episode's firing, reminders and level changes into
the open alert (its count goes up), closes it on the resolve and acknowledges
it when the alert is acknowledged in watchdog. ``watchdog alert test`` creates
a P5 test alert and closes it at once. Report summaries are not sent.

Priority by level: CRITICAL ``P1``, UNKNOWN ``P2``, WARNING ``P3``
(``priorities`` changes them). Opsgenie answers 202 to a request it accepted
(it is processed asynchronously); 429 and 5xx are retried; 401, 403, 404 and
422 (a field Opsgenie refuses, named in its ``message``) are permanent.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from watchdog.alerting.channels.base import ChannelConfig, Delivery, http_url
from watchdog.alerting.channels.httppost import HttpChannel, encode, response_json
from watchdog.alerting.message import OPEN_EVENTS, Message, iso, text_lines
from watchdog.store.base import Notification
from watchdog.text import clip, format_number

REGIONS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
# Opsgenie's limits: longer values are refused (422)
MESSAGE_LIMIT, ALIAS_LIMIT, DESCRIPTION_LIMIT, NOTE_LIMIT = 130, 512, 15000, 25000


class Responder(BaseModel):
    """Who Opsgenie notifies: a team, user, escalation or schedule, by ``id`` or ``name`` (``username``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["team", "user", "escalation", "schedule"]
    id: str | None = None
    name: str | None = None
    username: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Responder:
        if not (self.id or self.name or self.username):
            raise ValueError("a responder needs an id, a name or (a user) a username")
        return self


class OpsgenieConfig(ChannelConfig):
    """Opsgenie Alert API: ``api_key`` (secret), ``region`` or ``api_url``, responders, tags, priorities."""

    type: Literal["opsgenie"] = "opsgenie"
    api_key: SecretStr
    region: Literal["us", "eu"] = "us"
    #: overrides ``region``: only for a proxy or a test receiver
    api_url: str | None = None
    responders: list[Responder] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    priorities: dict[Literal["warning", "critical", "unknown"], Priority] = Field(default_factory=dict)
    source: str = "watchdog"
    entity: str | None = None

    _api_url = field_validator("api_url")(http_url)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        if len(value) > 19 or any(len(tag) > 50 for tag in value):  # "watchdog" is added: Opsgenie takes 20
            raise ValueError("at most 19 tags of at most 50 characters")
        return value

    def base_url(self) -> str:
        return (self.api_url or REGIONS[self.region]).rstrip("/")

    def priority(self, message: Message) -> str:
        if message.event == "test":
            return "P5"
        defaults = {"critical": "P1", "unknown": "P2", "warning": "P3"}
        level = message.severity.name.lower()
        return str(self.priorities.get(level, defaults.get(level, "P3")))  # type: ignore[call-overload]


def create_body(message: Message, notification_id: str, config: OpsgenieConfig) -> dict[str, Any]:
    """``POST /v2/alerts``: the alert, named by ``alias`` = the episode."""
    body: dict[str, Any] = {
        "message": clip(message.title, MESSAGE_LIMIT), "alias": message.episode[:ALIAS_LIMIT],
        "description": clip("\n".join(text_lines(message, notification_id)[1:]), DESCRIPTION_LIMIT),
        "tags": [*config.tags, "watchdog"], "details": details(message, notification_id),
        "entity": config.entity or message.check, "source": config.source, "priority": config.priority(message),
    }
    if config.responders:
        body["responders"] = [r.model_dump(exclude_none=True) for r in config.responders]
    if message.note:
        body["note"] = clip(message.note, NOTE_LIMIT)
    return body


def details(message: Message, notification_id: str) -> dict[str, str]:
    """Opsgenie's ``details``: names to strings (numbers as text)."""
    out = {"check": message.check, "event": message.event, "severity": message.severity.name.lower(),
           "started_at": iso(message.started), "notification_id": notification_id}
    out.update({name: format_number(value) for name, value in message.metrics})
    if message.runbook is not None and message.runbook.url:
        out["runbook_url"] = message.runbook.url
    out.update({f"label.{k}": v for k, v in message.labels.items()})
    return out


def action_body(message: Message, config: OpsgenieConfig) -> dict[str, Any]:
    """The body of a close or an acknowledge: who, from where, and a note."""
    note = (message.reason or message.title) if message.event == "acknowledged" else message.title
    return {"user": clip(message.by or "watchdog", 100), "source": config.source, "note": clip(note, NOTE_LIMIT)}


def requests_for(message: Message, notification_id: str, config: OpsgenieConfig) -> list[tuple[str, dict[str, Any]]]:
    """(path, body) of each request one notification makes; [] for a report summary."""
    alert = f"/v2/alerts/{quote(message.episode[:ALIAS_LIMIT], safe='')}"
    if message.event in OPEN_EVENTS:
        return [("/v2/alerts", create_body(message, notification_id, config))]
    if message.event == "resolved":
        return [(f"{alert}/close?identifierType=alias", action_body(message, config))]
    if message.event == "acknowledged":
        return [(f"{alert}/acknowledge?identifierType=alias", action_body(message, config))]
    if message.event == "test":  # a resent create joins the open alert: a retry is harmless
        return [("/v2/alerts", create_body(message, notification_id, config)),
                (f"{alert}/close?identifierType=alias", action_body(message, config))]
    return []


def error_detail(response: Any) -> str:
    """Opsgenie says why in ``message``."""
    data = response_json(response)
    return str(response.text[:200]) if data is None else str(data.get("message", ""))[:300]


class OpsgenieChannel(HttpChannel):
    """Creates, closes and acknowledges one Opsgenie alert per episode."""

    type = "opsgenie"
    Config = OpsgenieConfig
    config: OpsgenieConfig

    async def send(self, notification: Notification) -> Delivery:
        message = self.message_of(notification)
        headers = {"Authorization": f"GenieKey {self.config.api_key.get_secret_value()}"}
        for path, body in requests_for(message, notification.id, self.config):
            await self.http.post(self.config.base_url() + path, encode(body), who="Opsgenie", headers=headers,
                                  detail=error_detail)
        return Delivery()

