"""Building a ``CheckpointReport`` from the store.

One pass per check: one ``series`` read of its main metric over the window
(split at the checkpoints for the percentiles), one ``rollups`` read for its
availability. Nothing holds more than one check's values at a time, so 24 h
of 200 checks at 10 s (1.7 M results) is read in seconds in bounded memory.
``build_daily`` (the end-of-day report) lives in ``daily.py``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from watchdog.reports import extras, figures, fmt
from watchdog.reports import windows as wmath
from watchdog.reports.changes import changes_since
from watchdog.reports.criteria import Criterion, evaluate, evaluate_compound
from watchdog.reports.model import (
    COMPLETE, NOT_COMPLETE, CheckpointReport, CheckSection, CriterionRow, Segment, Summary, Verdict,
)
from watchdog.stats import percentile
from watchdog.store.base import Event, EventLog, OutboxQueue, ResultHistory, WindowState

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.reports.config import WindowSpec

Progress = Callable[[int, int], None]
CHART_BUCKETS = 96


class ReportSource(ResultHistory, EventLog, OutboxQueue, Protocol):
    """The facets a report reads: results, events, and the notifications sent."""


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """What a report needs to know about a check: its kind, main metric and threshold lines."""

    name: str
    kind: str = ""
    metric: str | None = None
    warning: float | None = None
    critical: float | None = None


def check_infos(config: Config) -> dict[str, CheckInfo]:
    """``CheckInfo`` of every configured check, in config order."""
    out: dict[str, CheckInfo] = {}
    for name, check in config.checks.items():
        metric = config.kinds[name].MAIN_METRIC
        lines = {level: _limit(getattr(check, level), metric) for level in ("warning", "critical")}
        out[name] = CheckInfo(name, check.type, metric, lines["warning"], lines["critical"])
    return out


def _limit(rules: Sequence[object], metric: str | None) -> float | None:
    for rule in rules:
        if getattr(rule, "metric", None) == metric and getattr(rule, "op", "") in (">", ">="):
            return float(rule.value)  # type: ignore[attr-defined]
    return None


def report_checks(store: ResultHistory, infos: Mapping[str, CheckInfo]) -> list[CheckInfo]:
    """Configured checks first (config order), then checks the store knows that are gone from the config."""
    extra = [CheckInfo(name) for name in store.checks() if name not in infos]
    return [*infos.values(), *extra]


def build_checkpoint(
    store: ReportSource, window: WindowState, infos: Mapping[str, CheckInfo], *, checkpoint_s: float, now: float,
    spec: WindowSpec | None = None, progress: Progress | None = None,
) -> CheckpointReport:
    """The report of ``window`` at ``checkpoint_s`` after its start (an interim one off the checkpoints)."""
    at = window.start + checkpoint_s
    bounds = [window.start, *(b for _, b in wmath.segments(window, checkpoint_s))]
    events = store.events(window.start - figures.LOOKBACK_S, at)
    checks = report_checks(store, infos)
    sections = _sections(store, checks, bounds, progress)
    latest = store.latest()
    final = wmath.is_final(window, checkpoint_s)
    criteria = spec.criteria if spec else ()
    data = figures.CriteriaData(store, window.start, at, events)
    least = spec.min_results if spec else 1
    rows = _criteria(criteria, data, at, final, least)
    previous = wmath.previous(window, checkpoint_s)
    before = _criteria(criteria, data, window.start + previous, False, least) if previous else ()
    incidents = tuple(i for i in figures.incidents(events, window.start, at))
    nxt = wmath.next_checkpoint(window, at)
    return CheckpointReport(
        window=window.name, title=window.title, start=window.start, end=wmath.end(window),
        checkpoint_s=checkpoint_s, label=wmath.label(checkpoint_s), index=_index(window, checkpoint_s),
        count=len(window.checkpoints_s), at=at, generated=now, final=final, status=_status(window, final),
        summary=_summary(store, sections, events, incidents, window.start, at),
        events=figures.event_lines((e for e in events if window.start <= e.ts), figures.RESTART_KINDS),
        incidents=incidents, criteria=rows, checks=tuple(s for s in sections if s.total.results),
        log_patterns=extras.log_patterns(store, sections, window.start, at),
        memory=extras.memory(store, latest, [c.name for c in checks], window.start, at),
        baseline=extras.baseline(store, sections, window.start, at),
        upcoming=tuple((wmath.label(c), window.start + c) for c in window.checkpoints_s if c > checkpoint_s),
        changes=changes_since(window, checkpoint_s, rows, before, incidents, events, sections),
        next_label=None if nxt is None else wmath.label(nxt),
        next_at=None if nxt is None else window.start + nxt,
        verdict=_verdict(rows) if final else None,
        notes=() if criteria else ("no acceptance criteria are configured for this window",),
    )


def _index(window: WindowState, offset: float) -> int:
    return window.checkpoints_s.index(offset) + 1 if offset in window.checkpoints_s else 0


def _status(window: WindowState, final: bool) -> str:
    if final:
        return "Ended"
    return "Closed" if window.closed else "Active monitoring"


def _criteria(criteria: Sequence[Criterion], data: figures.CriteriaData, until: float,
              final: bool, min_results: int = 1) -> tuple[CriterionRow, ...]:
    rows = []
    for c in criteria:
        if c.formula is not None:
            parts = {p.name: data.figure(p, until) for p in c.parts}
            result = evaluate_compound(c, parts, final=final, min_results=min_results)
        else:
            result = evaluate(c, data.figure(c, until), final=final, min_results=min_results)
        rows.append(CriterionRow(c.name, c.expr, result.status.value, result.evidence, result.value))
    return tuple(rows)


def _verdict(rows: Sequence[CriterionRow]) -> Verdict:
    failing = tuple(f"{r.name}: {r.evidence}" for r in rows if r.status != "PASS")
    return Verdict(NOT_COMPLETE if failing else COMPLETE, failing)


def _sections(store: ResultHistory, checks: Sequence[CheckInfo], bounds: list[float],
              progress: Progress | None) -> list[CheckSection]:
    out = []
    for i, info in enumerate(checks, start=1):
        out.append(section(store, info, bounds))
        if progress:
            progress(i, len(checks))
    return out


def section(store: ResultHistory, info: CheckInfo, bounds: list[float]) -> CheckSection:
    """One check's segments between ``bounds`` and its total over all of them."""
    tallies = figures.tally(store, info.name, bounds)
    points = store.series(info.name, info.metric, bounds[0], bounds[-1]) if info.metric else []
    times, values = [ts for ts, _ in points], [v for _, v in points]
    edges = [bisect.bisect_left(times, b) for b in bounds]
    segments: list[Segment] = []
    runs: list[float] = []
    for (since, until), t, a, b in zip(zip(bounds, bounds[1:]), tallies, edges, edges[1:]):
        ordered = sorted(values[a:b])
        seg = _segment(since, until, t.counts, ordered, values[b - 1] if b > a else None)
        trend = _trend(segments[-1].p95, seg.p95) if segments else ""
        segments.append(replace(seg, trend=trend) if trend else seg)
        runs += ordered
    counts = [sum(t.counts[i] for t in tallies) for i in range(4)]
    runs.sort()  # sorted runs, one per segment: Timsort merges them in linear time
    total = _segment(bounds[0], bounds[-1], counts, runs, values[-1] if values else None)
    return CheckSection(info.name, info.kind, info.metric, fmt.unit_of(info.metric or ""), tuple(segments),
                        total, info.warning, info.critical, _chart(times, values, bounds[0], bounds[-1]))


def _segment(since: float, until: float, counts: Sequence[int], ordered: list[float], last: float | None) -> Segment:
    """``ordered``: the main metric's values in the segment, sorted."""
    results = sum(counts)
    pick = (lambda q: percentile(ordered, q)) if ordered else (lambda q: None)
    return Segment(since, until, results, counts[0], fmt.pct(counts[0], results), len(ordered),
                   pick(50), pick(95), pick(99), ordered[-1] if ordered else None, last)


def _trend(before: float | None, now: float | None) -> str:
    """The p95 against the previous segment: 10 % either way is a change (lower is better)."""
    if before is None or now is None:
        return ""
    if now > before * 1.1 and now - before > 1e-9:
        return "worse"
    if now < before * 0.9:
        return "better"
    return "steady"


def _chart(times: list[float], values: list[float], since: float,
           until: float) -> tuple[tuple[float, float], ...]:
    """The highest value in each of ``CHART_BUCKETS`` equal slices of the period."""
    if not times or until <= since:
        return ()
    width = (until - since) / CHART_BUCKETS
    edges = [bisect.bisect_left(times, since + k * width) for k in range(CHART_BUCKETS)] + [len(times)]
    return tuple((since + k * width, max(values[a:b])) for k, (a, b) in enumerate(zip(edges, edges[1:])) if b > a)


def _summary(store: OutboxQueue, sections: Sequence[CheckSection], events: Sequence[Event],
             incidents: Sequence[object], since: float, until: float) -> Summary:
    states = [n.state for n in store.notifications(since, until)]
    return Summary(
        checks=sum(1 for s in sections if s.total.results),
        results=sum(s.total.results for s in sections),
        failures=sum(s.total.failures for s in sections),
        notifications_sent=states.count("delivered"),
        notifications_failed=states.count("failed"),
        notifications_pending=states.count("pending"),
        incidents=len(incidents),
        alerts=sum(1 for e in events if e.kind in figures.RAISING and since <= e.ts < until),
        restarts=len(figures.restarts(events, since, until)),
    )
