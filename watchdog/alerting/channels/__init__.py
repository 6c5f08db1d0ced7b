"""The channels: one module per ``type``, built from the validated ``[channels.NAME]`` models.

Modules are imported on first use, so a daemon without Slack never imports slack-sdk.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from watchdog.alerting.channels.base import Attempt, Channel, ChannelState, Delivery, TransportError, attempt
from watchdog.alerting.config import ChannelConfig
from watchdog.redact import NULL_REDACTOR, Redactor

__all__ = ["Attempt", "Channel", "ChannelState", "Delivery", "TransportError", "attempt",
           "build_channel", "build_channels"]

CLASSES = {
    "slack": "watchdog.alerting.channels.slack:SlackChannel",
    "webhook": "watchdog.alerting.channels.webhook:WebhookChannel",
    "console": "watchdog.alerting.channels.console:ConsoleChannel",
    "log": "watchdog.alerting.channels.console:LogChannel",
}


def build_channel(name: str, config: ChannelConfig, redactor: Redactor = NULL_REDACTOR, **options: Any) -> Channel:
    """The channel object for one validated config (``options`` go to its constructor)."""
    module, _, cls = CLASSES[config.type].partition(":")
    return getattr(importlib.import_module(module), cls)(name, config, redactor, **options)  # type: ignore[no-any-return]


def build_channels(configs: Mapping[str, ChannelConfig], redactor: Redactor = NULL_REDACTOR) -> dict[str, Channel]:
    """Every configured channel, by name (``config.channels``)."""
    return {name: build_channel(name, config, redactor) for name, config in configs.items()}
