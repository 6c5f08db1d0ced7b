"""Judging: rules (``watchdog.expressions``) turned into a status and a reason.

Pure code, parsed once at config load. ``critical`` is tried before ``warning``;
the first rule that holds at the worst level names the verdict. The plain
``METRIC OP NUMBER`` form is one kind of rule; ``split_expression`` is still the
one parser of that form for window criteria.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from watchdog.expressions import HELP as EXPRESSION_HELP
from watchdog.expressions import Expression, ExpressionError, MetricScope, Scope
from watchdog.expressions import parse as parse_expression
from watchdog.status import Status
from watchdog.text import format_number

OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_EXPR = re.compile(
    r"^\s*(?P<metric>[A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(?P<op>>=|<=|==|!=|>|<)\s*"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>%|ms|s)?\s*$"
)
_HELP = "write METRIC OP NUMBER, e.g. 'response_ms > 500' (OP is one of > >= < <= == !=)"


@dataclass(frozen=True, slots=True)
class Threshold:
    """One parsed rule (``warning``, ``critical``, ``recover``): an ``Expression``.

    For the plain form ``METRIC OP NUMBER`` (``response_ms > 2000``), ``metric``,
    ``op`` and ``value`` say it (Nagios ranges, report chart lines read them); for
    any other rule they are ``None``, ``""`` and NaN and ``metrics`` names what it reads.
    """

    expression: Expression

    @property
    def text(self) -> str:
        return self.expression.text

    @property
    def metric(self) -> str | None:
        simple = self.expression.simple
        return simple[0] if simple else None

    @property
    def op(self) -> str:
        simple = self.expression.simple
        return simple[1] if simple else ""

    @property
    def value(self) -> float:
        simple = self.expression.simple
        return simple[2] if simple else math.nan

    @property
    def metrics(self) -> frozenset[str]:
        return self.expression.metrics

    @property
    def span(self) -> float:
        """How much recent history the rule reads (0: this run's metrics only)."""
        return self.expression.span

    def holds_in(self, scope: Scope) -> bool:
        return self.expression.holds(scope)

    def __str__(self) -> str:
        return self.text


def split_expression(text: str, *, what: str = "threshold", help: str = _HELP) -> tuple[str, str, float, str]:
    """``"response_ms > 2000"`` -> ``("response_ms", ">", 2000.0, "")``; the last item is a
    unit written after the number (``%``, ``ms``, ``s``). The one parser of ``NAME OP NUMBER``
    (thresholds and window criteria both use it); raises ValueError with ``help``."""
    if not isinstance(text, str):
        raise ValueError(f"expected a string expression, got {text!r}; {help}")
    match = _EXPR.match(text)
    if not match:
        raise ValueError(f"invalid {what} {text!r}; {help}")
    value = float(match.group("value"))
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"invalid {what} {text!r}: the number must be finite")
    return match.group("metric"), match.group("op"), value, match.group("unit") or ""


def parse_threshold(text: object) -> Threshold:
    """Parse one rule; raises ValueError naming what is wrong and where."""
    if not isinstance(text, str):
        raise ValueError(f"expected a string expression, got {text!r}; {_HELP}")
    try:
        return Threshold(parse_expression(text))
    except ExpressionError as exc:
        raise ValueError(f"invalid threshold {text!r} {exc}; {EXPRESSION_HELP}") from None


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    tripped: Threshold | None = None
    reason: str = ""  # ``response_ms = 2304 (> 2000)``, or empty when nothing tripped


def judge(
    metrics: Mapping[str, float],
    warning: Sequence[Threshold] = (),
    critical: Sequence[Threshold] = (),
    *,
    history: Sequence[tuple[float, Mapping[str, float]]] = (),
    now: float = 0.0,
) -> Verdict:
    """The worst level whose rule holds; a missing metric never trips. ``history``: the
    check's recent ``(time, metrics)``, oldest first, for rules over a span (``avg(x, 5m)``)."""
    scope = MetricScope(metrics, history, now)
    for status, rules in ((Status.CRITICAL, critical), (Status.WARNING, warning)):
        for rule in rules:
            if rule.holds_in(scope):
                return Verdict(status, rule, rule.expression.explain(scope))
    return Verdict(Status.OK)


def all_hold(rules: Sequence[Threshold], metrics: Mapping[str, float], *,
             history: Sequence[tuple[float, Mapping[str, float]]] = (), now: float = 0.0) -> bool:
    """Whether every rule holds (``recover``: an empty list always does)."""
    scope = MetricScope(metrics, history, now)
    return all(rule.holds_in(scope) for rule in rules)


def unknown_metrics(rules: Iterable[Threshold], known: Iterable[str]) -> list[tuple[Threshold, str]]:
    """``(rule, metric)`` for each metric a rule names outside ``known`` (a config error)."""
    names = set(known)
    return [(r, metric) for r in rules for metric in sorted(r.metrics) if metric not in names]


_fmt = format_number
