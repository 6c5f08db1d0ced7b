"""Judging: ``METRIC OP NUMBER`` expressions turned into a status and a reason.

Pure code, parsed once at config load. ``critical`` is tried before ``warning``;
the first expression that holds at the worst level names the verdict.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

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
    """One parsed expression, e.g. ``response_ms > 2000``."""

    metric: str
    op: str
    value: float
    text: str

    def holds(self, observed: float) -> bool:
        return OPS[self.op](observed, self.value)

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


def parse_threshold(text: str) -> Threshold:
    """Parse one expression; raises ValueError naming what is wrong."""
    metric, op, value, _ = split_expression(text)
    return Threshold(metric=metric, op=op, value=value, text=f"{metric} {op} {_fmt(value)}")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    tripped: Threshold | None = None
    observed: float | None = None

    @property
    def reason(self) -> str:
        """``response_ms = 2304 (> 2000)``, or empty when nothing tripped."""
        if self.tripped is None or self.observed is None:
            return ""
        t = self.tripped
        return f"{t.metric} = {_fmt(self.observed)} ({t.op} {_fmt(t.value)})"


def judge(
    metrics: Mapping[str, float],
    warning: Sequence[Threshold] = (),
    critical: Sequence[Threshold] = (),
) -> Verdict:
    """The worst level whose expression holds; a missing metric never trips."""
    for status, rules in ((Status.CRITICAL, critical), (Status.WARNING, warning)):
        for rule in rules:
            observed = metrics.get(rule.metric)
            if observed is not None and not _isnan(observed) and rule.holds(observed):
                return Verdict(status, rule, observed)
    return Verdict(Status.OK)


def unknown_metrics(rules: Iterable[Threshold], known: Iterable[str]) -> list[Threshold]:
    """The expressions that name a metric outside ``known`` (a config error)."""
    names = set(known)
    return [r for r in rules if r.metric not in names]


def _isnan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


_fmt = format_number
