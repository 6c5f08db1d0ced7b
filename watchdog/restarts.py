"""Seeing a restart or a deploy from two consecutive results of one check (pure).

The seeds confirm a deployment by "health endpoint shows low uptime (213s)":
an uptime metric that went down means the process restarted; a ``version``
label that changed means a new release is live. The daemon records either as
an event and may open a monitoring window on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from watchdog.durations import format_duration


@dataclass(frozen=True, slots=True)
class Restart:
    kind: str  # "restart" (uptime went down) or "deploy" (version changed)
    message: str
    data: Mapping[str, object]


def restart_seen(
    previous_metrics: Mapping[str, float] | None,
    metrics: Mapping[str, float],
    previous_labels: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Restart | None:
    """A deploy when ``version`` changed, else a restart when an ``uptime*`` metric went down."""
    old_version = (previous_labels or {}).get("version")
    new_version = (labels or {}).get("version")
    if old_version and new_version and old_version != new_version:
        return Restart("deploy", f"version changed {old_version} -> {new_version}",
                       {"from": old_version, "to": new_version})
    for name, value in metrics.items():
        if not name.startswith("uptime") or previous_metrics is None:
            continue
        before = previous_metrics.get(name)
        if before is not None and value < before:
            seconds = value if not name.endswith("_ms") else value / 1000
            return Restart("restart", f"{name} went down {before:g} -> {value:g} (up {format_duration(seconds)})",
                           {"metric": name, "from": before, "to": value})
    return None
