"""The checkpoint report's secondary sections: baseline, log patterns, memory growth.

* baseline: each check's first result after the window opened (what the
  seeds call the "initial health check");
* log patterns: the log checks' figures, with the evidence lines of their
  last result in the span that had any (the seeds' "key logs observed");
* memory growth: every captured metric that names memory (``heap_used_mb``,
  ``used_memory_mb``, ``rss_mb``...), its first/last/min/max and growth per hour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from watchdog.reports import figures, fmt
from watchdog.reports.model import BaselineRow, CheckSection, LogPattern, MemoryGrowth
from watchdog.store.base import ResultHistory, StoredResult

MEMORY = re.compile(r"(heap|mem|rss)", re.IGNORECASE)
STEADY_SHARE = 0.05  # memory that would move less than 5 % in a day (or the window, if longer) is steady
ASSESS_SPAN_S = 86400.0
BASELINE_SPAN_S = 600.0  # the first result is looked for in the window's first 10 minutes
MAX_METRICS = 6
MAX_EVIDENCE = 3
EVIDENCE_LOOKBACK_S = 3600.0


def baseline(store: ResultHistory, sections: Sequence[CheckSection], since: float,
             until: float) -> tuple[BaselineRow, ...]:
    rows = []
    for s in sections:
        if not s.total.results:
            continue
        first = next(iter(store.results(s.check, since, min(since + BASELINE_SPAN_S, until))), None)
        if first is not None:
            rows.append(BaselineRow(s.check, first.ts, first.status.name, first.summary,
                                    _key_metrics(first.metrics, s.metric)))
    return tuple(rows)


def _key_metrics(metrics: Mapping[str, float], main: str | None) -> tuple[tuple[str, float], ...]:
    names = sorted(metrics, key=lambda n: (n != main, n))
    return tuple((n, metrics[n]) for n in names[:MAX_METRICS])


def log_patterns(store: ResultHistory, sections: Sequence[CheckSection], since: float,
                 until: float) -> tuple[LogPattern, ...]:
    out = []
    for s in sections:
        if s.kind.startswith("log-") and s.total.results:
            evidence = last_evidence(store, s.check, since, until)[:MAX_EVIDENCE]
            out.append(LogPattern(s.check, s.kind, s.metric, s.unit, s.total.results, s.total.failures,
                                  s.total.max, s.total.last, tuple(evidence)))
    return tuple(out)


def last_evidence(store: ResultHistory, check: str, since: float, until: float) -> tuple[str, ...]:
    """The evidence of the check's last result with any in ``[since, until)``: the same lines
    whenever the report is rendered (the store's newest result may be later than the checkpoint).
    The last hour is read first; the whole span only when it held none."""
    for start in dict.fromkeys((max(since, until - EVIDENCE_LOOKBACK_S), since)):
        found: tuple[str, ...] = ()
        for result in store.results(check, start, until):
            if result.evidence:
                found = result.evidence
        if found:
            return found
    return ()


def memory(store: ResultHistory, latest: Mapping[str, StoredResult], checks: Sequence[str], since: float,
           until: float) -> tuple[MemoryGrowth, ...]:
    out = []
    for check in checks:
        names = sorted(latest[check].metrics) if check in latest else []
        for metric in (n for n in names if MEMORY.search(n) and not n.endswith("_pct")):
            points = store.series(check, metric, since, until)
            if points:
                out.append(memory_growth(check, metric, points, until - since))
    return tuple(out)


def memory_growth(check: str, metric: str, points: list[tuple[float, float]], period_s: float) -> MemoryGrowth:
    """First/last/min/max and the least-squares growth per hour, with a plain assessment."""
    values = [v for _, v in points]
    slope = figures.growth_per_h(points)
    mean = sum(values) / len(values)
    # The trend is projected over a day: 1 MB/min is a leak whether the window lasts 3 minutes or 24 hours.
    change = 0.0 if slope is None else slope * max(period_s, ASSESS_SPAN_S) / 3600.0
    share = abs(change) / abs(mean) if mean else 0.0
    assessment = "steady" if share < STEADY_SHARE else ("growing" if change > 0 else "shrinking")
    return MemoryGrowth(check, metric, fmt.unit_of(metric), len(values), values[0], values[-1],
                        min(values), max(values), slope, assessment)
