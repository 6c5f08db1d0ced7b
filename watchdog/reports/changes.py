"""What changed since the previous checkpoint: the lines a person reads first.

Pure: compares the criteria at both checkpoints, the incidents and events of
the last segment, and each check's last two segments.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchdog.durations import format_duration
from watchdog.reports import fmt
from watchdog.reports import windows as wmath
from watchdog.reports.figures import RESTART_KINDS
from watchdog.reports.model import CheckSection, CriterionRow, Incident
from watchdog.store.base import Event, WindowState

MAX_CHECK_LINES = 10
AVAILABILITY_DROP = 0.1  # percentage points


def changes_since(window: WindowState, offset: float, rows: Sequence[CriterionRow],
                  before: Sequence[CriterionRow], incidents: Sequence[Incident],
                  events: Sequence[Event], sections: Sequence[CheckSection]) -> tuple[str, ...]:
    previous = wmath.previous(window, offset)
    if previous is None:
        return ("first checkpoint: the figures above are the baseline",)
    since, until = window.start + previous, window.start + offset
    lines = [*_criteria(rows, before), *_incidents(incidents, since, until), *_events(events, since, until)]
    lines += _checks(sections)
    return tuple(lines) or (f"no change since the {wmath.label(previous)} checkpoint",)


def _criteria(rows: Sequence[CriterionRow], before: Sequence[CriterionRow]) -> list[str]:
    return [f"criterion \"{now.name}\": {was.status} → {now.status} ({now.evidence})"
            for was, now in zip(before, rows) if was.status != now.status]


def _incidents(incidents: Sequence[Incident], since: float, until: float) -> list[str]:
    out = []
    for i in incidents:
        if i.start >= since:
            state = (f"resolved at {fmt.clock(i.end)} UTC after {format_duration(i.duration_s)}" if i.end
                     else f"still firing ({format_duration(i.duration_s)})")
            out.append(f"new incident: {i.check} {i.severity} from {fmt.clock(i.start)} UTC, {state}")
        elif i.end is not None and i.end >= since:
            out.append(f"incident resolved: {i.check} {i.severity} ended at {fmt.clock(i.end)} UTC "
                       f"after {format_duration(i.duration_s)}")
    return out


def _events(events: Sequence[Event], since: float, until: float) -> list[str]:
    return [f"{e.kind} at {fmt.clock(e.ts)} UTC" + (f" ({e.check})" if e.check else "")
            + (f": {e.message}" if e.message else "")
            for e in events if e.kind in RESTART_KINDS and since <= e.ts < until]


def _checks(sections: Sequence[CheckSection]) -> list[str]:
    out = []
    for s in sections:
        if len(s.segments) < 2:
            continue
        was, now = s.segments[-2], s.segments[-1]
        if was.availability_pct is not None and now.availability_pct is not None \
                and was.availability_pct - now.availability_pct >= AVAILABILITY_DROP:
            out.append(f"{s.check}: availability {fmt.number(was.availability_pct, '%')} → "
                       f"{fmt.number(now.availability_pct, '%')}")
        if now.trend in ("worse", "better"):
            out.append(f"{s.check}: {s.metric} p95 {fmt.number(was.p95, s.unit)} → "
                       f"{fmt.number(now.p95, s.unit)} ({now.trend})")
    if len(out) > MAX_CHECK_LINES:
        out = [*out[:MAX_CHECK_LINES], f"... and {len(out) - MAX_CHECK_LINES} more changes in the checks table"]
    return out
