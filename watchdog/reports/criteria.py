"""Acceptance criteria: parse ``signal-latency.p95_ms.max < 500`` once, judge it later.

Pure code. The left side names what to aggregate over the window's history:

    CHECK.METRIC.AGG        AGG: min max avg p50 p95 p99 last count growth_per_h
    CHECK.availability_pct  share of OK results, in percent
    alerts.SEVERITY         alerts fired (or escalated) at warning/critical/unknown
    CHECK.alerts.SEVERITY   the same, for one check
    restarts                restarts/deploys seen; CHECK.restarts for one check

A criterion is PASS or FAIL once its outcome cannot change any more (the window
closed, or a ``max`` already crossed its limit), and MONITORING before that or
while there is no data yet: the seeds' "⏳ MONITORING | 0 errors so far". A
figure over fewer than the window's ``min_results`` results is MONITORING
with that reason, never FAIL: two early results do not make a p95.

Criteria may also combine figures with the rule language (``watchdog.expressions``):
``health.heap_used_mb.max / health.heap_total_mb.max * 100 < 80``,
``api.availability_pct >= 99 and alerts.critical == 0``. Such a criterion is
MONITORING until the window closes, then PASS or FAIL.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from watchdog.expressions import Expression, MetricScope
from watchdog.expressions import parse as parse_expression
from watchdog.reports import fmt
from watchdog.thresholds import OPS, split_expression

AGGREGATES = ("min", "max", "avg", "p50", "p95", "p99", "last", "count", "growth_per_h")
SEVERITIES = ("warning", "critical", "unknown")
_HELP = ("write CHECK.METRIC.AGG OP NUMBER (e.g. 'signal-latency.p95_ms.max < 500'), "
         "CHECK.availability_pct, alerts.SEVERITY or restarts")
#: aggregates that only ever grow (or shrink) as results arrive, so a verdict can be final early
_RISING = {"max", "count", "alerts", "restarts"}
_FALLING = {"min"}


class Outcome(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    MONITORING = "MONITORING"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One parsed criterion. ``subject`` is metric | availability | alerts | restarts."""

    name: str
    expr: str
    subject: str
    check: str | None
    metric: str | None
    aggregate: str  # an AGGREGATES entry, "availability_pct", a severity, or "restarts"
    op: str
    value: float
    #: a criterion combining figures: each figure's reference (a Criterion without op), and the formula
    parts: tuple[Criterion, ...] = ()
    formula: Expression | None = None

    def holds(self, observed: float) -> bool:
        return OPS[self.op](observed, self.value)

    @property
    def unit(self) -> str:
        if self.subject == "availability":
            return "%"
        if self.subject != "metric" or self.aggregate == "count":
            return ""
        unit = fmt.unit_of(self.metric or "")
        return f"{unit}/h" if self.aggregate == "growth_per_h" else unit


@dataclass(frozen=True, slots=True)
class Figure:
    """An aggregated number and where it came from, for the evidence column."""

    value: float | None  # None: no data yet
    samples: int  # results (or events) it was computed from
    since: float
    until: float
    detail: str = ""  # "8,628 of 8,640 results OK", "health 15:10 UTC"...


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion: Criterion
    status: Outcome
    value: float | None
    evidence: str


def parse_criterion(expr: str, *, name: str = "", checks: Collection[str] | None = None) -> Criterion:
    """Parse one expression; ``checks`` (when given) are the names it may refer to.

    Raises ValueError with a message a person can act on.
    """
    try:
        ref, op, value, unit = split_expression(expr, what="criterion", help=_HELP)
    except ValueError as simple:
        return _compound(expr, name, checks, simple)
    subject, check, metric, aggregate = _resolve(ref, expr, checks)
    text = f"{ref} {op} {fmt.number(value)}"
    criterion = Criterion(name or text, text, subject, check, metric, aggregate, op, value)
    _check_unit(criterion, unit or None, expr)
    return criterion


def _compound(expr: str, name: str, checks: Collection[str] | None, simple: ValueError) -> Criterion:
    """A criterion in the rule language; the plain form's error when it is not one either."""
    try:
        formula = parse_expression(expr)
    except ValueError:
        raise simple from None
    parts = []
    for ref in sorted(formula.metrics):
        subject, check, metric, aggregate = _resolve(ref, expr, checks)
        parts.append(Criterion(ref, ref, subject, check, metric, aggregate, "", math.nan))
    return Criterion(name or formula.text, formula.text, "compound", None, None, "", "", math.nan,
                     tuple(parts), formula)


def _resolve(ref: str, expr: str, checks: Collection[str] | None) -> tuple[str, str | None, str | None, str]:
    head, _, rest = ref.partition(".")
    if head == "restarts" and not rest and (checks is None or "restarts" not in checks):
        return "restarts", None, None, "restarts"
    if head == "alerts" and (checks is None or "alerts" not in checks):
        return "alerts", None, None, _severity(rest, expr)
    check, rest = _split_check(ref, expr, checks)
    if rest == "availability_pct":
        return "availability", check, None, "availability_pct"
    if rest == "restarts":
        return "restarts", check, None, "restarts"
    if rest.startswith("alerts."):
        return "alerts", check, None, _severity(rest[len("alerts."):], expr)
    metric, _, aggregate = rest.rpartition(".")
    if not metric or aggregate not in AGGREGATES:
        raise ValueError(
            f"invalid criterion {expr!r}: after the check name write METRIC.AGG with AGG one of "
            f"{', '.join(AGGREGATES)} (e.g. '{check}.{rest if not metric else metric}.p95'), "
            "or availability_pct, alerts.SEVERITY, restarts"
        )
    return "metric", check, metric, aggregate


def _split_check(ref: str, expr: str, checks: Collection[str] | None) -> tuple[str, str]:
    if checks is None:
        check, _, rest = ref.partition(".")
        if rest:
            return check, rest
    else:  # check names may contain dots: take the longest that matches
        for check in sorted(checks, key=len, reverse=True):
            if ref.startswith(check + ".") and len(ref) > len(check) + 1:
                return check, ref[len(check) + 1:]
        head = ref.partition(".")[0]
        if ref not in checks and head not in checks:
            known = ", ".join(sorted(checks)) or "none configured"
            raise ValueError(f"unknown check {head!r} in {expr!r} (known checks: {known})")
    raise ValueError(f"invalid criterion {expr!r}: name what to aggregate after the check; {_HELP}")


def _severity(text: str, expr: str) -> str:
    if text not in SEVERITIES:
        raise ValueError(f"invalid criterion {expr!r}: alerts.SEVERITY takes one of {', '.join(SEVERITIES)}")
    return text


def _check_unit(criterion: Criterion, unit: str | None, expr: str) -> None:
    if unit is None:
        return
    expected = criterion.unit.removesuffix("/h").strip()
    if unit != expected:
        raise ValueError(
            f"invalid criterion {expr!r}: unit {unit!r} does not match {criterion.expr.split(' ')[0]!r}"
            f" ({'no unit' if not expected else 'its unit is ' + repr(expected)}); write the bare number"
        )


def evaluate(criterion: Criterion, figure: Figure, *, final: bool, min_results: int = 1) -> CriterionResult:
    """PASS / FAIL / MONITORING with the evidence; ``final`` when the window has closed."""
    evidence = describe(criterion, figure)
    value = figure.value
    if criterion.subject in ("metric", "availability") and value is not None and figure.samples < min_results:
        return CriterionResult(criterion, Outcome.MONITORING, value,
                               f"not enough data ({figure.samples} of {min_results} results): {evidence}")
    if value is None or math.isnan(value):
        return CriterionResult(criterion, Outcome.FAIL if final else Outcome.MONITORING, None, evidence)
    holds = criterion.holds(value)
    if final:
        return CriterionResult(criterion, Outcome.PASS if holds else Outcome.FAIL, value, evidence)
    settled = _settled(criterion, value, holds)
    return CriterionResult(criterion, settled or Outcome.MONITORING, value, evidence)


def evaluate_compound(criterion: Criterion, figures: Mapping[str, Figure], *, final: bool,
                      min_results: int = 1) -> CriterionResult:
    """A formula over figures: MONITORING until ``final``, then PASS or FAIL (FAIL when a figure is missing)."""
    assert criterion.formula is not None
    values = {ref: f.value for ref, f in figures.items() if f.value is not None and not math.isnan(f.value)}
    short = [ref for ref, f in figures.items() if f.samples < min_results and _counted(criterion, ref)]
    scope = MetricScope(values)
    evidence = criterion.formula.explain(scope)
    if short:
        return CriterionResult(criterion, Outcome.MONITORING, None,
                               f"not enough data for {', '.join(short)} (under {min_results} results): {evidence}")
    if not final:
        return CriterionResult(criterion, Outcome.MONITORING, None, f"{evidence} so far")
    return CriterionResult(criterion, Outcome.PASS if criterion.formula.holds(scope) else Outcome.FAIL, None, evidence)


def _counted(criterion: Criterion, ref: str) -> bool:
    """Whether ``ref`` is a figure over results (a metric or availability), not a count of events."""
    return any(p.name == ref and p.subject in ("metric", "availability") for p in criterion.parts)


def _settled(c: Criterion, value: float, holds: bool) -> Outcome | None:
    """The outcome when no further result can change it, else None."""
    kind = c.subject if c.subject in ("alerts", "restarts") else c.aggregate
    if kind not in _RISING and kind not in _FALLING:
        return None
    rising = kind in _RISING
    if c.op == "==" or c.op == "!=":  # once past the value (in the direction it moves) it stays past
        past = value > c.value if rising else value < c.value
        if not past:
            return None
        return Outcome.FAIL if c.op == "==" else Outcome.PASS
    upper = c.op in ("<", "<=")  # the criterion caps the value
    if upper == rising:  # moving towards the limit: a breach is final, a pass is not
        return None if holds else Outcome.FAIL
    return Outcome.PASS if holds else None


def describe(c: Criterion, f: Figure) -> str:
    """The evidence sentence: ``p95_ms max 412 ms over 8,640 results of signal-latency (13:10–19:10 UTC)``."""
    when = f"({fmt.span(f.since, f.until)})"
    if c.subject == "metric":
        if f.value is None:
            return f"no {c.metric} results of {c.check} yet {when}"
        signed = c.aggregate == "growth_per_h"
        figure = fmt.number(f.value, c.unit, signed=signed) if c.aggregate != "count" else fmt.count(int(f.value))
        return f"{c.metric} {c.aggregate} {figure} over {fmt.plural(f.samples, 'result')} of {c.check} {when}"
    if c.subject == "availability":
        if f.value is None:
            return f"no results of {c.check} yet {when}"
        return f"availability {fmt.number(f.value, '%')} ({f.detail}) of {c.check} {when}"
    n = int(f.value or 0)
    if c.subject == "alerts":
        what = fmt.plural(n, f"{c.aggregate} alert")
    else:
        what = fmt.plural(n, "restart") + " seen"
    scope = f" of {c.check}" if c.check else ""
    detail = f": {f.detail}" if f.detail else ""
    return f"{what}{scope}{detail} {when}"
