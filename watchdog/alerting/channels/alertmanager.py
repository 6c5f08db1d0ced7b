"""Alertmanager: alerts pushed to its API v2 (``POST /api/v2/alerts``), re-posted while they fire.

    [channels.am]
    type = "alertmanager"
    url = "http://alertmanager:9093"           # or: urls = ["http://am-0:9093", "http://am-1:9093"]
    labels = { team = "ops", env = "prod" }    # fixed labels, for Alertmanager's routes
    service = "api"                            # the service label (default "watchdog")

This is how watchdog joins an existing, highly available notification
engine: routing, grouping, inhibition, silences and de-duplication (also of
several watchdog replicas watching the same thing) are Alertmanager's.

Each alert is labelled ``alertname`` (the check), ``service``, the configured
``labels`` and ``severity``: labels that do not change while the alert lives,
so its fingerprint does not either (``alert_shape``); what the check measured
is in the annotations (``summary``, ``description``, ``metrics``,
``runbook_url``...). A firing alert is posted with ``endsAt`` four
``resend_interval`` ahead, as Prometheus does, and posted again every
``resend_interval`` (default 1m) while it fires, so Alertmanager neither
times it out nor keeps it long after watchdog is gone; the resolve posts it
with ``endsAt`` = when it recovered. A level change ends the old level's
alert and starts the new one. ``watchdog alert test`` posts an alert named
``watchdog-test`` that ends by itself after five minutes. Report summaries
are not sent.

The alerts being re-posted are the channel's own memory, rebuilt when the
outbox starts (``start(history)``) from the notifications this channel
delivered, so a restart does not forget an alert that still fires. (Replicas
sharing one store each re-post what they sent themselves.)

With ``urls`` (the members of an Alertmanager cluster) every alert goes to
every member, as Prometheus does: members share silences and what they
notified, not alerts. A send is delivered when at least one member took it
(the others get it with the next re-post, and their errors are logged); it
fails when all refused, permanently only if every refusal was permanent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from watchdog.alerting.channels.alert_shape import alert_changes
from watchdog.alerting.channels.base import ChannelConfig, Delivery, TransportError, http_url
from watchdog.alerting.channels.httppost import HttpChannel, encode, host_of
from watchdog.alerting.message import OPEN_EVENTS, Message, iso
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.store.base import Notification, OutboxQueue
from watchdog.types import PositiveDuration

log = logging.getLogger("watchdog.alertmanager")
API = "/api/v2/alerts"
TEST_LIFETIME_S = 300.0
SENT = OPEN_EVENTS | {"resolved", "acknowledged", "test"}
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class AlertmanagerConfig(ChannelConfig):
    """One Alertmanager (``url``) or a cluster's members (``urls``), fixed labels, the re-post interval."""

    type: Literal["alertmanager"] = "alertmanager"
    url: str | None = None
    urls: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    service: str = "watchdog"
    resend_interval: PositiveDuration = 60.0
    #: where the alert came from (Alertmanager links it): this watchdog's /status, a dashboard
    generator_url: str | None = None

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _LABEL_NAME.match(name):
                raise ValueError(f"label name {name!r} is not [a-zA-Z_][a-zA-Z0-9_]*")
            if name in ("alertname", "severity", "service"):
                raise ValueError(f"label {name!r} is set by watchdog (use 'service' for the service label)")
        return value

    @model_validator(mode="after")
    def _where(self) -> AlertmanagerConfig:
        if (self.url is None) == (not self.urls):
            raise ValueError("set either url (one Alertmanager) or urls (the members of a cluster)")
        for base in self.bases():
            http_url(base)
        return self

    def bases(self) -> list[str]:
        return [self.url] if self.url is not None else list(self.urls)

    def endpoints(self) -> list[str]:
        return [base.rstrip("/") + API for base in self.bases()]


def postable_alerts(message: Message, notification_id: str, config: AlertmanagerConfig,
                    now: float) -> list[dict[str, Any]]:
    """The API v2 body of one notification: the alert (and, on a level change, the old level's, ended)."""
    fixed = {"service": config.service, **config.labels}
    lifetime = TEST_LIFETIME_S if message.event == "test" else 4 * config.resend_interval
    alerts = alert_changes(message, notification_id, fixed, iso(now + lifetime))
    if config.generator_url:
        alerts = [{**alert, "generatorURL": config.generator_url} for alert in alerts]
    return alerts


class AlertmanagerChannel(HttpChannel):
    """Posts alerts to every member; ``start()`` rebuilds what fires and re-posts it every ``resend_interval``."""

    type = "alertmanager"
    Config = AlertmanagerConfig
    config: AlertmanagerConfig

    def __init__(self, name: str, config: AlertmanagerConfig, redactor: Redactor = NULL_REDACTOR,
                 *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(name, config, redactor)
        self._clock = clock
        self.firing: dict[str, tuple[Message, str]] = {}  # check -> its latest open message, notification id
        self._lock = asyncio.Lock()  # a re-post never lands after the resolve it raced with
        self._task: asyncio.Task[None] | None = None

    async def send(self, notification: Notification) -> Delivery:
        message = self.message_of(notification)
        if message.event not in SENT:
            return Delivery()  # a report summary: nothing fires
        async with self._lock:
            await self._post(postable_alerts(message, notification.id, self.config, self._clock()))
            self.remember(message, notification.id)
        return Delivery()

    def remember(self, message: Message, notification_id: str) -> None:
        """What fires now, after this message was posted."""
        if message.event == "resolved":
            self.firing.pop(message.check, None)
        elif message.event in OPEN_EVENTS or message.event == "acknowledged":
            self.firing[message.check] = (message, notification_id)

    def rebuild(self, delivered: Iterable[Notification]) -> None:
        """Replay this channel's delivered notifications, oldest first (what fired when the daemon stopped)."""
        for notification in delivered:
            if notification.channel == self.name and notification.state == "delivered":
                self.remember(self.message_of(notification), notification.id)

    async def start(self, history: OutboxQueue) -> None:
        """Called by the outbox as it starts: rebuild what fires, then keep re-posting it."""
        self.rebuild(await asyncio.to_thread(history.notifications, 0.0, self._clock() + 1.0))
        if self._task is None:
            self._task = asyncio.create_task(self._resend_forever(), name=f"watchdog-alertmanager:{self.name}")

    async def resend(self) -> int:
        """One re-post of every firing alert (its current level only); how many were posted."""
        async with self._lock:
            now = self._clock()
            alerts = [postable_alerts(m, nid, self.config, now)[0] for m, nid in self.firing.values()]
            if alerts:
                try:
                    await self._post(alerts)
                except TransportError as exc:
                    log.warning("%s", self.redact(f"channel {self.name}: re-posting {len(alerts)} alerts failed: "
                                                  f"{exc}"))
            return len(alerts)

    async def aclose(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().aclose()

    async def _resend_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.resend_interval)
            try:
                await self.resend()
            except Exception as exc:  # the loop must outlive one bad round
                log.error("%s", self.redact(f"channel {self.name}: re-post failed: {type(exc).__name__}: {exc}"))

    async def _post(self, alerts: list[dict[str, Any]]) -> None:
        body = encode(alerts)
        urls = self.config.endpoints()
        results = await asyncio.gather(*(self.http.post(url, body, who=host_of(url)) for url in urls),
                                       return_exceptions=True)
        errors: list[TransportError] = []
        for result in results:
            if isinstance(result, TransportError):
                errors.append(result)
            elif isinstance(result, BaseException):
                raise result
        if errors and len(errors) == len(urls):
            waits = [e.retry_after for e in errors if e.retry_after is not None]
            raise TransportError("; ".join(map(str, errors)), permanent=all(e.permanent for e in errors),
                                 retry_after=max(waits) if waits else None)
        for error in errors:
            log.warning("%s", self.redact(f"channel {self.name}: {error} (the next re-post tries again)"))
