"""The alert the channel tests render and send: one firing episode of ``health``, and its notifications."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from watchdog.alerting.message import Message, Runbook, notification_for
from watchdog.status import Status
from watchdog.store.base import Notification

T0 = 1714564800.0  # 2024-05-01 12:00:00 UTC
TITLES = {"firing": "CRITICAL: health", "reminder": "Still CRITICAL: health for 1h",
          "resolved": "RESOLVED: health (was CRITICAL for 1h30s)", "escalated": "CRITICAL: health (was WARNING)",
          "acknowledged": "ACKNOWLEDGED: health (by alice: looking into it)"}


def message(event: str = "firing", **kw: Any) -> Message:
    fields: dict[str, Any] = dict(
        event=event, check="health", severity=Status.CRITICAL, title=TITLES.get(event, f"{event}: health"),
        summary="HTTP 503 from https://api.example.com/health", started=T0, episode="health-1714564800",
        at=T0 + 90, metrics=(("response_ms", 2304.0), ("status_code", 503.0)),
        evidence=("GET /health -> 503 Service Unavailable",),
        runbook=Runbook("health-endpoint-down", "Health endpoint down", ("Check the deploy", "Roll back"),
                        "https://runbooks.example.com/health-endpoint-down"))
    if event == "resolved":
        fields.update(summary="HTTP 200 in 45 ms", at=T0 + 3630, metrics=(("response_ms", 45.0),), evidence=())
    if event == "reminder":
        fields.update(at=T0 + 3600, seq=1)
    if event == "acknowledged":
        fields.update(by="alice", reason="looking into it", at=T0 + 120)
    fields.update(kw)
    return Message(**fields)


def note(event: str = "firing", channel: str = "ch", thread: str | None = None, **kw: Any) -> Notification:
    """The outbox notification of ``message(event, **kw)`` for ``channel``."""
    return replace(notification_for(message(event, **kw), channel, T0), thread=thread)
