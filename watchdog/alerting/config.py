"""The ``[channels.NAME]`` tables: the loader's hook (``config.TABLES["channels"]``).

    [channels.oncall]                 [channels.hook]
    type = "slack"                    type = "webhook"
    webhook_url = "${SLACK_WEBHOOK}"  url = "https://ops.example.com/hooks/watchdog"
    min_severity = "warning"          secret = "${WEBHOOK_SECRET}"
    fallback = "hook"                 format = "watchdog"      # or "alertmanager"

``type`` names a channel registered under ``watchdog.channels``
(``registry.CHANNELS``); the table is validated by that channel class's
``Config`` model, which lives in the channel's own module. The type is looked
up here rather than by a pydantic discriminated union so an unknown type is one
line naming ``channels.NAME.type``. The fallback chain is checked across
tables: it must name another channel and must not go round in a circle.

Every secret in a model (Slack webhook URLs and tokens, webhook URLs, HMAC
secrets, headers whose name says secret) is a ``SecretStr``: the loader
registers its value with the redactor and ``repr()`` shows ``**********``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from watchdog import registry
from watchdog.alerting.channels.base import ChannelConfig
from watchdog.errors import ConfigError


def validate_channel(name: str, table: Mapping[str, Any], ctx: Any) -> ChannelConfig:
    """The loader's hook for ``[channels.NAME]``; raises ConfigError or ValidationError."""
    channel = registry.CHANNELS.resolve(table, file=ctx.file, key=f"channels.{name}")
    config = channel.Config.model_validate(dict(table))
    if config.fallback is not None:
        _check_fallback(name, config.fallback, ctx)
    return config


def _check_fallback(name: str, fallback: str, ctx: Any) -> None:
    channels = ctx.document.get("channels") or {}
    key = f"channels.{name}.fallback"
    if fallback == name:
        raise ConfigError("a channel cannot be its own fallback", file=ctx.file, key=key)
    if fallback not in channels:
        known = ", ".join(sorted(n for n in channels if n != name)) or "none"
        raise ConfigError(f"no channel named {fallback!r} (channels: {known})", file=ctx.file, key=key)
    seen, current = [name], fallback
    while current is not None:
        if current in seen:
            loop = " -> ".join([*seen, current])
            raise ConfigError(f"fallbacks go round in a circle: {loop}", file=ctx.file, key=key)
        seen.append(current)
        body = channels.get(current)
        current = body.get("fallback") if isinstance(body, dict) else None
