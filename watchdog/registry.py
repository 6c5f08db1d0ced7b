"""Which check kinds exist: the entry-point group ``watchdog.checks``, imported lazily.

Built-in kinds are registered in pyproject.toml exactly like a third-party
plugin. ``BUILTIN`` repeats them so a source checkout that was never installed
still works; an installed entry point of the same name wins.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchdog.kinds import CheckKind

GROUP = "watchdog.checks"
BUILTIN: dict[str, str] = {
    "http": "watchdog.checks.http_endpoint:HttpCheck",
    "redis": "watchdog.checks.redis_health:RedisCheck",
    "latency": "watchdog.checks.latency_probe:LatencyCheck",
    "log-match": "watchdog.checks.log_match:LogMatchCheck",
    "log-rate": "watchdog.checks.log_rate:LogRateCheck",
    "log-ratio": "watchdog.checks.log_ratio:LogRatioCheck",
    "log-absence": "watchdog.checks.log_absence:LogAbsenceCheck",
    "log-latency": "watchdog.checks.log_latency:LogLatencyCheck",
}


class UnknownKind(LookupError):
    """No kind of that name is registered."""


@cache
def available() -> dict[str, str]:
    """Kind name -> ``module:Class`` for every built-in and installed kind."""
    from importlib.metadata import entry_points

    found = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


@cache
def load(kind: str) -> type[CheckKind]:
    """Import and return the class of ``kind``; raises UnknownKind or ImportError."""
    target = available().get(kind)
    if target is None:
        raise UnknownKind(f"unknown check type {kind!r} (known: {', '.join(sorted(available()))})")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, attr)
    from watchdog.kinds import CheckKind

    if not (isinstance(cls, type) and issubclass(cls, CheckKind)):
        raise TypeError(f"{target} is not a CheckKind subclass")
    return cls
