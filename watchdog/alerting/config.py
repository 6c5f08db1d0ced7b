"""The ``[channels.NAME]`` tables: one frozen model per channel ``type``.

    [channels.oncall]                 [channels.hook]
    type = "slack"                    type = "webhook"
    webhook_url = "${SLACK_WEBHOOK}"  url = "https://ops.example.com/hooks/watchdog"
    min_severity = "warning"          secret = "${WEBHOOK_SECRET}"
    fallback = "hook"                 format = "watchdog"      # or "alertmanager"

Every secret (Slack webhook URLs and tokens, webhook URLs, HMAC secrets,
headers whose name says secret) is a ``SecretStr``: the loader registers its
value with the redactor and ``repr()`` shows ``**********``.

``validate_channel`` is the loader's hook (``config.TABLES["channels"]``); the
model is picked by ``type`` here rather than by a pydantic discriminated union
so an unknown type is one line naming ``channels.NAME.type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator,
)

from watchdog.errors import ConfigError
from watchdog.redact import looks_secret
from watchdog.status import Status
from watchdog.types import PositiveDuration, Severity


def _http_url(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
        # never echo the value: it is a secret
        raise ValueError("must be an http:// or https:// URL")
    return value


class ChannelConfig(BaseModel):
    """What every channel has: its type, the lowest severity it takes, a fallback, a timeout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    #: lowest severity sent to this channel; resolves follow the episode's worst level
    min_severity: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL, Status.UNKNOWN)] = Status.WARNING
    #: another channel that gets the notification when this one fails for good
    fallback: str | None = None
    #: one send attempt may take this long before it counts as a (retried) timeout
    timeout: PositiveDuration = 10.0

    def accepts(self, severity: Status) -> bool:
        return severity >= self.min_severity


class SlackConfig(ChannelConfig):
    """Slack: an incoming ``webhook_url``, or a bot ``token`` + ``channel`` (threads)."""

    type: Literal["slack"] = "slack"
    webhook_url: SecretStr | None = None
    token: SecretStr | None = None
    channel: str | None = None
    #: Web API base for token mode; change it only for a Slack-compatible proxy or a test receiver
    api_url: str = "https://slack.com/api/"

    _urls = field_validator("webhook_url")(_http_url)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackConfig:
        if (self.webhook_url is None) == (self.token is None):
            raise ValueError("set either webhook_url (incoming webhook) or token + channel (bot), not both")
        if self.webhook_url is not None:
            if self.channel is not None:
                raise ValueError("channel is fixed by an incoming webhook; remove 'channel' or use a bot token")
        elif not self.channel:
            raise ValueError("a bot token needs 'channel' (a channel ID like C0123456789 or #name)")
        return self


class WebhookConfig(ChannelConfig):
    """Any HTTP receiver: a versioned JSON body, or the Alertmanager webhook shape."""

    type: Literal["webhook"] = "webhook"
    url: SecretStr
    format: Literal["watchdog", "alertmanager"] = "watchdog"
    #: HMAC-SHA256 key; the body's signature goes in ``X-Watchdog-Signature: sha256=<hex>``
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

    _urls = field_validator("url")(_http_url)

    def header_values(self) -> dict[str, str]:
        return {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in self.headers.items()}


class ConsoleConfig(ChannelConfig):
    """Rich text on the terminal (stderr by default): for development."""

    type: Literal["console"] = "console"
    stream: Literal["stderr", "stdout"] = "stderr"


class LogConfig(ChannelConfig):
    """One line per notification through Python ``logging`` (the daemon's own log)."""

    type: Literal["log"] = "log"
    logger: str = "watchdog.alerts"


MODELS: dict[str, type[ChannelConfig]] = {
    "slack": SlackConfig,
    "webhook": WebhookConfig,
    "console": ConsoleConfig,
    "log": LogConfig,
}


def validate_channel(name: str, table: Mapping[str, Any], ctx: Any) -> ChannelConfig:
    """The loader's hook for ``[channels.NAME]``; raises ConfigError or ValidationError."""
    key = f"channels.{name}"
    kind = table.get("type")
    if kind is None:
        raise ConfigError(f"missing key 'type' (one of: {', '.join(MODELS)})", file=ctx.file, key=key)
    if kind not in MODELS:
        raise ConfigError(
            f"unknown channel type {kind!r} (one of: {', '.join(MODELS)})", file=ctx.file, key=f"{key}.type"
        )
    config = MODELS[kind].model_validate(dict(table))
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
