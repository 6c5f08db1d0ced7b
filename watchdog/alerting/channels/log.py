"""``log``: one line per notification through Python ``logging`` (the daemon's own log).

    [channels.daemon-log]
    type = "log"
    logger = "watchdog.alerts"

The line is rendered by a pure function (``log_line``); its level follows the
alert's severity (``log_level``), a resolve or a test is INFO.
"""

from __future__ import annotations

import logging
from typing import Literal

from watchdog.alerting.channels.base import BaseChannel, ChannelConfig, Delivery
from watchdog.alerting.message import Message
from watchdog.status import Status
from watchdog.store.base import Notification
from watchdog.thresholds import format_number

LEVELS = {Status.OK: logging.INFO, Status.WARNING: logging.WARNING,
          Status.CRITICAL: logging.ERROR, Status.UNKNOWN: logging.ERROR}


class LogConfig(ChannelConfig):
    """One line per notification through Python ``logging`` (the daemon's own log)."""

    type: Literal["log"] = "log"
    logger: str = "watchdog.alerts"


def log_line(message: Message, notification_id: str) -> str:
    """One line: ``CRITICAL: health: HTTP 503 ... [response_ms=2304] id=wd-...``."""
    parts = [f"{message.title}: {message.summary}"]
    if message.metrics:
        parts.append("[" + " ".join(f"{n}={format_number(v)}" for n, v in message.metrics) + "]")
    if message.runbook is not None:
        parts.append(f"runbook={message.runbook.url or message.runbook.name}")
    parts.append(f"id={notification_id}")
    return " ".join(" ".join(parts).split("\n"))


def log_level(message: Message) -> int:
    if message.event in ("resolved", "acknowledged", "test"):
        return logging.INFO
    return LEVELS[message.severity]


class LogChannel(BaseChannel):
    """Writes one log record per notification to the configured logger."""

    type = "log"
    Config = LogConfig
    config: LogConfig

    async def send(self, notification: Notification) -> Delivery:
        message = self.message_of(notification)
        logging.getLogger(self.config.logger).log(
            log_level(message), "%s", log_line(message, notification.id),
            extra={"notification_id": notification.id, "check": message.check, "event": message.event},
        )
        return Delivery()
