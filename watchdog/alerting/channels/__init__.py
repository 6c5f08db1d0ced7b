"""The channels: one module per ``type``, built from the validated ``[channels.NAME]`` models.

A channel's class is found through ``registry.CHANNELS`` (the entry-point group
``watchdog.channels``) and imported on first use, so a daemon without Slack
never imports the Slack module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watchdog import registry
from watchdog.alerting.channels.base import (
    Attempt, BaseChannel, Channel, ChannelConfig, ChannelState, Delivery, TransportError, attempt,
)
from watchdog.redact import NULL_REDACTOR, Redactor

__all__ = ["Attempt", "BaseChannel", "Channel", "ChannelConfig", "ChannelState", "Delivery", "TransportError",
           "attempt", "build_channel", "build_channels"]


def build_channel(name: str, config: ChannelConfig, redactor: Redactor = NULL_REDACTOR, **options: Any) -> Channel:
    """The channel object for one validated config (``options`` go to its constructor)."""
    return registry.CHANNELS.load(config.type)(name, config, redactor, **options)  # type: ignore[call-arg]


def build_channels(configs: Mapping[str, ChannelConfig], redactor: Redactor = NULL_REDACTOR) -> dict[str, Channel]:
    """Every configured channel, by name (``config.channels``)."""
    return {name: build_channel(name, config, redactor) for name, config in configs.items()}
