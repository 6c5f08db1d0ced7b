"""The values that flow from a check to the store, the alerts and the reports.

A check kind returns a ``Measurement`` (what it saw); the runner judges it
against the thresholds and produces a ``Result`` (what it means).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from watchdog.status import Status


@dataclass(frozen=True, slots=True)
class Measurement:
    """What a check kind observed: numbers, a few evidence lines, a one-line description."""

    metrics: Mapping[str, float] = field(default_factory=dict)
    summary: str = ""
    evidence: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    #: a status the kind asserts on its own (a ``log-match`` line with a severity),
    #: combined with the thresholds' verdict by taking the worst.
    status: Status | None = None
    #: False when there is too little data to judge (``min_samples``): the thresholds are not
    #: applied and the summary says why
    judged: bool = True


@dataclass(frozen=True, slots=True)
class Result:
    """One judged run of one check."""

    check: str
    kind: str
    status: Status
    summary: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    started: float = 0.0  # unix time
    duration_s: float = 0.0
    tags: tuple[str, ...] = ()
    #: whether the check's ``recover`` rules hold (True when it has none): once firing, an OK
    #: result counts toward the resolve only then
    recovered: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "kind": self.kind,
            "status": self.status.name,
            "exit_code": self.status.exit_code,
            "summary": self.summary,
            "metrics": dict(self.metrics),
            "evidence": list(self.evidence),
            "labels": dict(self.labels),
            "started": self.started,
            "duration_ms": round(self.duration_s * 1000, 3),
            "tags": list(self.tags),
        }
