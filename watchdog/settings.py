"""The top-level settings of the config file: ``state_dir``, ``retention``,
``[defaults]``, ``[server]``, ``[runbooks]``.

One pydantic-settings model, so ``WATCHDOG_*`` environment variables override
the file (``WATCHDOG_STATE_DIR``, ``WATCHDOG_DEFAULTS__TIMEOUT=5s``). The named
tables (``[checks.NAME]``...) are validated by ``watchdog.config``.

``Settings.from_sources(values, env)`` reads the variables from the mapping it is
given (the process's environment, or a test's) through ``EnvironSource``:
pydantic-settings' own environment source, fed that mapping instead of
``os.environ``, so the ``WATCHDOG_`` prefix, the ``__`` nesting and JSON values
work exactly as pydantic-settings documents them, and ``os.environ`` is never
touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from watchdog.alerting.rules import AlertRules
from watchdog.types import Interval, PositiveDuration, Timeout


def parse_listen(value: str) -> tuple[str, int]:
    """``127.0.0.1:9321``, ``:9321``, ``[::1]:9321``, or a bare port -> (host, port)."""
    text = value.strip()
    if text.isdigit():
        host, port = "0.0.0.0", text
    else:
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"invalid listen address {value!r} (use HOST:PORT, e.g. 127.0.0.1:9321)")
        host = host.strip("[]") or "0.0.0.0"
    if not 0 <= int(port) <= 65535:
        raise ValueError(f"invalid port in {value!r}")
    return host, int(port)


def default_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_STATE_HOME/watchdog``, else ``~/.local/state/watchdog``."""
    home = env.get("HOME") or os.path.expanduser("~")
    base = env.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state")
    return Path(base) / "watchdog"


class Defaults(BaseModel):
    """``[defaults]``: what every check inherits unless it says otherwise."""

    model_config = ConfigDict(extra="forbid")

    interval: Interval = 30.0
    timeout: Timeout = 10.0
    #: checks running at once in one `watchdog check` run or daemon
    max_concurrency: int = Field(default=32, ge=1, le=1000)
    #: HTTP requests in flight on the shared client (httpx queues badly above ~10)
    http_max_in_flight: int = Field(default=10, ge=1, le=200)
    #: alert policy defaults (after, recover_after, repeat, channels...)
    alert: AlertRules = Field(default_factory=AlertRules)


class RunbookSettings(BaseModel):
    """``[runbooks]``: where runbooks live and how alerts link to them (issue 5)."""

    model_config = ConfigDict(extra="forbid")

    #: directory of NAME.md files, relative to the config file (default: runbooks/ beside it)
    dir: Path | None = None
    #: link in alerts: "{name}" is replaced, else the name is appended
    base_url: str = ""


class ServerSettings(BaseModel):
    """``[server]``: the daemon's own /healthz, /metrics, /status endpoint."""

    model_config = ConfigDict(extra="forbid")

    #: HOST:PORT; on Railway ``$PORT`` is honoured when this is left unset (then 0.0.0.0:$PORT)
    listen: str | None = None
    enabled: bool = True
    #: when set, /status and /metrics need ``Authorization: Bearer <token>`` (/healthz stays open),
    #: and so do the status page and the reports unless ``public``
    token: SecretStr | None = None
    #: the status page (/) and the reports (/reports/) need no token
    public: bool = False
    #: where people reach this server (https://watchdog.example.com): report links in posts point there
    public_url: str | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            parse_listen(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value.rstrip("/") if value else None

    def address(self, env: Mapping[str, str] = os.environ) -> str | None:
        """Where to listen: ``listen``, else ``0.0.0.0:$PORT``, else 127.0.0.1:9321."""
        if not self.enabled:
            return None
        if self.listen:
            return self.listen
        port = env.get("PORT", "")
        return f"0.0.0.0:{port}" if port.isdigit() else "127.0.0.1:9321"


class HeartbeatSettings(BaseModel):
    """``[heartbeat]``: a dead man's switch: who watches the watchdog.

    While the daemon is healthy it pings ``url`` every ``interval``; while it is
    not, it calls ``url`` + ``/fail`` with the reasons in the body (the convention
    of Healthchecks-style services). A daemon that died, hangs or lost its disk
    stops pinging, and the service alerts from outside."""

    model_config = ConfigDict(extra="forbid")

    url: SecretStr | None = None
    interval: Interval = 60.0
    timeout: Timeout = 10.0

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")  # never echo it: it is a secret
        return value


class Settings(BaseSettings):
    """Top-level settings; ``WATCHDOG_*`` environment variables override the file."""

    model_config = SettingsConfigDict(
        env_prefix="WATCHDOG_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    state_dir: Path = Field(default_factory=default_state_dir)
    #: results and events older than this are pruned (per-minute rollups are kept longer)
    retention: PositiveDuration = 30 * 86400.0
    defaults: Defaults = Field(default_factory=Defaults)
    server: ServerSettings = Field(default_factory=ServerSettings)
    runbooks: RunbookSettings = Field(default_factory=RunbookSettings)
    heartbeat: HeartbeatSettings = Field(default_factory=HeartbeatSettings)

    @classmethod
    def from_sources(cls, values: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
        """The file's ``values`` with the ``WATCHDOG_*`` variables of ``env`` over them.

        The environment wins over the file: a Railway variable beats the repo's TOML.
        """
        merged = _deep_merge(dict(values), EnvironSource(cls, env)())
        merged.setdefault("state_dir", default_state_dir(env))
        return cls(**merged)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only the values given: ``from_sources`` has layered the environment it was
        # handed over the file, so the process's own environment is not read a second time.
        return (init_settings,)


class EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment source reading ``environ`` instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # read by _load_env_vars, which the base __init__ calls
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # What the base class does with os.environ (names folded to lower case unless
        # case_sensitive), done with the mapping we were given.
        return {
            (name if self.case_sensitive else name.lower()): value
            for name, value in self._environ.items()
            if not (self.env_ignore_empty and value == "")
        }


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, tables merged key by key (how pydantic-settings layers sources)."""
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = _deep_merge(dict(base[key]), value)
        else:
            base[key] = value
    return base
