"""Reading figures out of the store, exactly, without loading every result.

* status counts come from the per-minute rollups; the minutes a boundary cuts
  through (a window starting at 08:34:41) are counted from their few results,
  so availability is exact at any boundary;
* percentiles and growth come from one ``series`` read per check and metric
  (the store keeps the kind's main metric in its own column for this);
* incidents and alert counts come from ``alert.*`` events.

Pure helpers (``aggregate``, ``growth_per_h``, ``incidents``) take plain lists.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from watchdog.reports.criteria import Criterion, Figure
from watchdog.reports.fmt import clock
from watchdog.reports.model import EventLine, Incident
from watchdog.stats import percentile
from watchdog.status import Status
from watchdog.store.base import Event, ResultHistory, Rollup

MINUTE = 60.0
ALERT_KINDS = ("alert.fired", "alert.escalated", "alert.downgraded", "alert.resolved")
RAISING = ("alert.fired", "alert.escalated")
RESTART_KINDS = ("restart", "deploy")
#: how far back to look for an alert that was already firing when a report's period began
LOOKBACK_S = 7 * 86400.0

Points = list[tuple[float, float]]


@dataclass(slots=True)
class Tally:
    """Results per status (``counts``: ok, warning, critical, unknown) and, for one metric,
    its count, sum and maximum, over one period."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    n: int = 0
    total: float = 0.0
    peak: float | None = None

    @property
    def results(self) -> int:
        return sum(self.counts)

    def add(self, status: int, n: int = 1) -> None:
        self.counts[status] += n

    def add_metric(self, n: int, total: float, peak: float) -> None:
        self.n += n
        self.total += total
        self.peak = peak if self.peak is None else max(self.peak, peak)


def tally(store: ResultHistory, check: str, bounds: Sequence[float], metric: str | None = None) -> list[Tally]:
    """A ``Tally`` for each ``[bounds[i], bounds[i+1])``, exact at bounds inside a minute.

    The whole minutes of a segment are summed by the store (``totals``); the
    minutes a bound cuts through are counted from their few results.
    """
    out = []
    wanted = [metric] if metric else []
    for since, until in zip(bounds, bounds[1:]):
        t = Tally()
        lo, hi = math.ceil(since / MINUTE) * MINUTE, math.floor(until / MINUTE) * MINUTE
        if lo < hi:
            _add_rollup(t, store.totals(check, lo, hi, wanted), metric)
            edges = [(since, lo), (hi, until)]
        else:
            edges = [(since, until)]
        for a, b in edges:
            if a < b:
                for result in store.results(check, a, b):
                    _add_result(t, result.status, result.metrics, metric)
        out.append(t)
    return out


def _add_rollup(t: Tally, rollup: Rollup, metric: str | None) -> None:
    for status, n in rollup.counts.items():
        t.add(int(status), n)
    if metric in rollup.metrics:
        n, total, _low, high, _last = rollup.metrics[metric]
        if n:
            t.add_metric(n, total, high)


def _add_result(t: Tally, status: Status, metrics: Mapping[str, float], metric: str | None) -> None:
    t.add(int(status))
    if metric in metrics:
        value = metrics[metric]
        t.add_metric(1, value, value)


def split(points: Points, bounds: Sequence[float]) -> list[Points]:
    """``points`` (sorted by time) cut at ``bounds`` into consecutive slices."""
    times = [ts for ts, _ in points]
    edges = [bisect.bisect_left(times, b) for b in bounds]
    return [points[a:b] for a, b in zip(edges, edges[1:])]


def aggregate(points: Points, name: str) -> float | None:
    """``min max avg p50 p95 p99 last count growth_per_h`` of ``points``; None without data."""
    if name == "count":
        return float(len(points))
    if not points:
        return None
    values = [v for _, v in points]
    if name == "growth_per_h":
        return growth_per_h(points)
    if name in ("p50", "p95", "p99"):
        return percentile(sorted(values), float(name[1:]))
    simple = {"min": min, "max": max, "avg": lambda v: math.fsum(v) / len(v), "last": lambda v: v[-1]}
    return float(simple[name](values))


def growth_per_h(points: Points) -> float | None:
    """Least-squares slope of value over time, per hour; None under two distinct times."""
    n = len(points)
    if n < 2:
        return None
    t0 = points[0][0]
    mean_t = math.fsum(ts - t0 for ts, _ in points) / n
    mean_v = math.fsum(v for _, v in points) / n
    var = math.fsum((ts - t0 - mean_t) ** 2 for ts, _ in points)
    if var == 0:
        return None
    cov = math.fsum((ts - t0 - mean_t) * (v - mean_v) for ts, v in points)
    return cov / var * 3600.0


def severity_of(event: Event) -> Status:
    """The alert level an ``alert.*`` event carries in ``data["severity"]`` (name or number)."""
    raw: Any = event.data.get("severity", "CRITICAL")
    try:
        return Status(int(raw)) if isinstance(raw, (int, float)) else Status.parse(str(raw))
    except ValueError:
        return Status.UNKNOWN


def incidents(events: Iterable[Event], since: float, until: float) -> list[Incident]:
    """Alert episodes overlapping ``[since, until)``, from fired/escalated/resolved events."""
    open_: dict[str, dict[str, Any]] = {}
    out: list[Incident] = []
    for e in sorted(events, key=lambda e: e.ts):
        if e.ts >= until or e.check is None or e.kind not in ALERT_KINDS:
            continue
        if e.kind == "alert.resolved":
            cur = open_.pop(e.check, None)
            if cur is not None and e.ts >= since:
                out.append(Incident(e.check, cur["peak"].name, cur["start"], e.ts, e.ts - cur["start"], cur["text"]))
            continue
        cur = open_.setdefault(e.check, {"start": e.ts, "peak": Status.OK, "text": e.message})
        cur["peak"] = max(cur["peak"], severity_of(e))
    for check, cur in open_.items():
        out.append(Incident(check, cur["peak"].name, cur["start"], None, until - cur["start"], cur["text"]))
    return sorted(out, key=lambda i: (i.start, i.check))


def alert_count(events: Iterable[Event], severity: str, since: float, until: float,
                check: str | None = None) -> tuple[int, list[Event]]:
    """Alerts fired or escalated at ``severity`` within ``[since, until)``."""
    level = Status.parse(severity)
    found = [e for e in events if e.kind in RAISING and since <= e.ts < until and severity_of(e) == level
             and (check is None or e.check == check)]
    return len(found), found


def restarts(events: Iterable[Event], since: float, until: float, check: str | None = None) -> list[Event]:
    """Restarts and deploys strictly after ``since`` (the deploy that opened a window is not one)."""
    return [e for e in events if e.kind in RESTART_KINDS and since < e.ts < until
            and (check is None or e.check == check)]


def event_lines(events: Iterable[Event], kinds: Sequence[str]) -> tuple[EventLine, ...]:
    return tuple(EventLine(e.ts, e.kind, e.check, e.message) for e in events if e.kind in kinds)


class CriteriaData:
    """What criteria need, read once per report: series per (check, metric), counts, events."""

    def __init__(self, store: ResultHistory, since: float, until: float, events: Sequence[Event]) -> None:
        self.store, self.since, self.until, self.events = store, since, until, events
        self._series: dict[tuple[str, str], Points] = {}
        self._counts: dict[tuple[str, float], Tally] = {}

    def series(self, check: str, metric: str) -> Points:
        key = (check, metric)
        if key not in self._series:
            self._series[key] = self.store.series(check, metric, self.since, self.until)
        return self._series[key]

    def counts(self, check: str, until: float) -> Tally:
        key = (check, until)
        if key not in self._counts:
            self._counts[key] = tally(self.store, check, [self.since, until])[0]
        return self._counts[key]

    def figure(self, c: Criterion, until: float) -> Figure:
        """The figure of criterion ``c`` over ``[since, until)`` (until <= the report's time)."""
        since = self.since
        if c.subject == "metric":
            points = split(self.series(c.check or "", c.metric or ""), [since, until])[0]
            return Figure(aggregate(points, c.aggregate), len(points), since, until)
        if c.subject == "availability":
            counts = self.counts(c.check or "", until)
            ok, total = counts.counts[0], counts.results
            value = None if total == 0 else 100.0 * ok / total
            return Figure(value, total, since, until, f"{ok:,} of {total:,} results OK")
        if c.subject == "alerts":
            n, found = alert_count(self.events, c.aggregate, since, until, c.check)
            detail = ", ".join(f"{e.check} at {clock(e.ts)} UTC" for e in found[:5])
            return Figure(float(n), n, since, until, detail + (", ..." if n > 5 else ""))
        found_restarts = restarts(self.events, since, until, c.check)
        detail = ", ".join(f"{e.kind} at {clock(e.ts)} UTC" for e in found_restarts[:5])
        return Figure(float(len(found_restarts)), len(found_restarts), since, until, detail)
