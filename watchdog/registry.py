"""Which plugins exist: check kinds (``watchdog.checks``) and alert channels (``watchdog.channels``).

Both families are found the same way. The built-ins are registered in
pyproject.toml exactly like a third-party plugin's entry points; each
family's ``builtin`` repeats them so a source checkout whose metadata is
stale (or was never installed) still works. An installed entry point of the
same name wins (of two, the first on ``sys.path``, as ``entry_points()[name]``
picks), so a plugin may replace a built-in. A class is imported on first
use, so a config without Slack never imports the Slack channel.

A name that is not registered, or a plugin that does not import or is not a
subclass of its family's base class, is one ``ConfigError`` naming the key
(``resolve``): a broken plugin is the user's config problem, not a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from watchdog.errors import ConfigError

if TYPE_CHECKING:
    from watchdog.alerting.channels.base import BaseChannel
    from watchdog.kinds import CheckKind

T = TypeVar("T")


class UnknownPlugin(LookupError):
    """No plugin of that name is registered in the family."""


class Family(Generic[T]):
    """One entry-point group: its built-ins, the base class every member subclasses, its error words."""

    def __init__(self, group: str, base: str, builtin: Mapping[str, str], *, noun: str,
                 listed: Callable[[Iterable[str]], list[str]] = list, hint: str = "one of") -> None:
        self.group = group
        self.base = base  # "module:Class", imported only when a member is loaded
        self.builtin = dict(builtin)
        self.noun = noun  # how errors name a member: "check type", "channel type"
        self._listed = listed  # the order names are listed in errors
        self._hint = hint
        self._found: dict[str, str] | None = None
        self._loaded: dict[str, type[T]] = {}

    def available(self) -> dict[str, str]:
        """Name -> ``module:Class`` for every built-in and installed member (built-ins first)."""
        if self._found is None:
            from importlib.metadata import entry_points

            installed: dict[str, str] = {}
            for ep in entry_points(group=self.group):
                installed.setdefault(ep.name, ep.value)  # the first on sys.path, as entry_points()[name]
            self._found = {**self.builtin, **installed}
        return self._found

    def names(self) -> str:
        """The registered names as errors list them: ``slack, webhook, console, log``."""
        return ", ".join(self._listed(self.available()))

    def load(self, name: str) -> type[T]:
        """Import and return the class of ``name``; raises UnknownPlugin, ImportError or TypeError."""
        if name not in self._loaded:
            target = self.available().get(name)
            if target is None:
                raise UnknownPlugin(f"unknown {self.noun} {name!r} ({self._hint}: {self.names()})")
            cls, base = _import(target), _import(self.base)
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise TypeError(f"{target} is not a {base.__name__} subclass")
            self._loaded[name] = cls
        return self._loaded[name]

    def resolve(self, table: Mapping[str, Any], *, file: str, key: str) -> type[T]:
        """The class named by the ``type`` of the table at ``key``; ConfigError naming the key."""
        name = table.get("type")
        if name is None:
            raise ConfigError(f"missing key 'type' (one of: {self.names()})", file=file, key=key)
        if not isinstance(name, str):
            raise ConfigError(f"'type' must be a string, got {name!r}", file=file, key=f"{key}.type")
        try:
            return self.load(name)
        except UnknownPlugin as exc:
            raise ConfigError(str(exc), file=file, key=f"{key}.type") from None
        except Exception as exc:  # a broken plugin is the user's config problem, not a traceback
            raise ConfigError(f"{self.noun} {name!r} could not be loaded: {type(exc).__name__}: {exc}",
                              file=file, key=f"{key}.type") from None

    def clear(self) -> None:
        """Forget what was found and loaded (tests that install a plugin call this)."""
        self._found = None
        self._loaded.clear()


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


CHECKS: Family[CheckKind] = Family(
    "watchdog.checks", "watchdog.kinds:CheckKind", {
        "http": "watchdog.checks.http_endpoint:HttpCheck",
        "redis": "watchdog.checks.redis_health:RedisCheck",
        "latency": "watchdog.checks.latency_probe:LatencyCheck",
        "log-match": "watchdog.checks.log_match:LogMatchCheck",
        "log-rate": "watchdog.checks.log_rate:LogRateCheck",
        "log-ratio": "watchdog.checks.log_ratio:LogRatioCheck",
        "log-absence": "watchdog.checks.log_absence:LogAbsenceCheck",
        "log-latency": "watchdog.checks.log_latency:LogLatencyCheck",
        "watchdog": "watchdog.checks.self_watch:SelfCheck",
        "socketio": "watchdog.checks.socketio_probe:SocketIOCheck",
        "socketio-broadcast": "watchdog.checks.socketio_broadcast:SocketIOBroadcastCheck",
        "websocket": "watchdog.checks.websocket_probe:WebSocketCheck",
        "prometheus": "watchdog.checks.prometheus_scrape:PrometheusCheck",
    }, noun="check type", listed=sorted, hint="known",
)
CHANNELS: Family[BaseChannel] = Family(
    "watchdog.channels", "watchdog.alerting.channels.base:BaseChannel", {
        "slack": "watchdog.alerting.channels.slack:SlackChannel",
        "webhook": "watchdog.alerting.channels.webhook:WebhookChannel",
        "console": "watchdog.alerting.channels.console:ConsoleChannel",
        "log": "watchdog.alerting.channels.log:LogChannel",
        "pagerduty": "watchdog.alerting.channels.pagerduty:PagerDutyChannel",
        "email": "watchdog.alerting.channels.mail:EmailChannel",
        "opsgenie": "watchdog.alerting.channels.opsgenie:OpsgenieChannel",
        "teams": "watchdog.alerting.channels.teams:TeamsChannel",
        "discord": "watchdog.alerting.channels.discord:DiscordChannel",
        "alertmanager": "watchdog.alerting.channels.alertmanager:AlertmanagerChannel",
        "apprise": "watchdog.alerting.channels.apprise_urls:AppriseChannel",
    }, noun="channel type",
)
FAMILIES: tuple[Family[Any], ...] = (CHECKS, CHANNELS)


def clear_caches() -> None:
    """Forget every family's findings: the next lookup reads the installed entry points again."""
    for family in FAMILIES:
        family.clear()
