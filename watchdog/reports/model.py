"""The reports as plain data: ``CheckpointReport`` and ``DailyReport``.

``build`` fills them from the store; the renderers (Markdown, HTML, JSON) only
format what is here, so the three formats always carry the same figures.
Times are unix seconds (UTC); ``None`` means "no data".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

COMPLETE = "COMPLETE"
NOT_COMPLETE = "NOT COMPLETE"


@dataclass(frozen=True, slots=True)
class EventLine:
    """A deploy, restart, source or channel event worth a line in a report."""

    ts: float
    kind: str
    check: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Incident:
    """An alert episode: fired (maybe escalated) until resolved, or still firing (``end`` None)."""

    check: str
    severity: str  # the worst level of the episode: WARNING, CRITICAL, UNKNOWN
    start: float
    end: float | None
    duration_s: float  # to ``end``, or to the report's time while still firing
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    checks: int
    results: int
    failures: int  # results that were not OK
    notifications_sent: int
    notifications_failed: int
    notifications_pending: int
    incidents: int
    alerts: int  # alerts fired or escalated
    restarts: int


@dataclass(frozen=True, slots=True)
class CriterionRow:
    name: str
    expr: str
    status: str  # PASS | FAIL | MONITORING
    evidence: str
    value: float | None


@dataclass(frozen=True, slots=True)
class Segment:
    """One check between two checkpoints: availability and the main metric's percentiles."""

    since: float
    until: float
    results: int
    ok: int
    availability_pct: float | None
    samples: int  # values of the main metric
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None
    last: float | None = None  # the latest value of the main metric
    trend: str = ""  # better | worse | steady, the p95 against the previous segment; "" for the first

    @property
    def failures(self) -> int:
        return self.results - self.ok


@dataclass(frozen=True, slots=True)
class CheckSection:
    check: str
    kind: str
    metric: str | None  # the kind's main metric
    unit: str
    segments: tuple[Segment, ...]
    total: Segment  # the whole window up to the checkpoint
    warning: float | None = None  # threshold lines for the chart
    critical: float | None = None
    chart: tuple[tuple[float, float], ...] = ()  # (bucket start, max of the main metric)


@dataclass(frozen=True, slots=True)
class LogPattern:
    """A log check's figures: results (matches for ``log-match``), breaches, peak of its metric,
    and the evidence lines of its latest result (the seeds' "key logs observed")."""

    check: str
    kind: str
    metric: str | None
    unit: str
    results: int
    breaches: int
    peak: float | None
    last: float | None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BaselineRow:
    """A check's first result after the window opened: the "initial health check" of the seeds."""

    check: str
    ts: float
    status: str
    summary: str
    metrics: tuple[tuple[str, float], ...]  # the main metric first


@dataclass(frozen=True, slots=True)
class MemoryGrowth:
    check: str
    metric: str
    unit: str
    samples: int
    first: float
    last: float
    min: float
    max: float
    growth_per_h: float | None
    assessment: str  # "steady", "growing", "shrinking"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # COMPLETE | NOT COMPLETE
    failing: tuple[str, ...] = ()  # "name: evidence" of each criterion that did not pass


@dataclass(frozen=True, slots=True)
class CheckpointReport:
    window: str
    title: str
    start: float
    end: float  # planned end of the window
    checkpoint_s: float
    label: str  # "6h"
    index: int  # 1-based number of this checkpoint (0: an interim report)
    count: int  # checkpoints in the window
    at: float  # start + checkpoint_s
    generated: float
    final: bool
    status: str  # "Active monitoring" | "Ended" | "Closed" (early, by `watchdog window close`)
    summary: Summary
    events: tuple[EventLine, ...] = ()
    incidents: tuple[Incident, ...] = ()
    criteria: tuple[CriterionRow, ...] = ()
    checks: tuple[CheckSection, ...] = ()
    log_patterns: tuple[LogPattern, ...] = ()
    memory: tuple[MemoryGrowth, ...] = ()
    changes: tuple[str, ...] = ()
    next_label: str | None = None
    next_at: float | None = None
    upcoming: tuple[tuple[str, float], ...] = ()  # every checkpoint still to come: (label, time)
    baseline: tuple[BaselineRow, ...] = ()
    verdict: Verdict | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


@dataclass(frozen=True, slots=True)
class DailyCheck:
    check: str
    kind: str
    results: int
    ok: int
    warning: int
    critical: int
    unknown: int
    availability_pct: float | None
    metric: str | None = None
    unit: str = ""
    avg: float | None = None
    max: float | None = None

    @property
    def errors(self) -> int:
        return self.results - self.ok


@dataclass(frozen=True, slots=True)
class DailyReport:
    date: str  # YYYY-MM-DD (UTC)
    since: float
    until: float
    generated: float
    summary: Summary
    checks: tuple[DailyCheck, ...] = ()
    incidents: tuple[Incident, ...] = ()
    events: tuple[EventLine, ...] = ()
    action_items: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return f"Daily Monitoring Report - {self.date}"

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


def to_dict(report: CheckpointReport | DailyReport) -> dict[str, Any]:
    """JSON-able dict; failures of a segment and errors of a daily check are spelled out."""
    data = dataclasses.asdict(report)
    if isinstance(report, CheckpointReport):
        for section, raw in zip(report.checks, data["checks"]):
            for seg, seg_raw in zip((*section.segments, section.total), (*raw["segments"], raw["total"])):
                seg_raw["failures"] = seg.failures
    else:
        for check, raw in zip(report.checks, data["checks"]):
            raw["errors"] = check.errors
    return data
