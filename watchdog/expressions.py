"""Rule expressions: the small, safe language of ``warning``, ``critical`` and ``recover``.

    response_ms > 500                                  the plain form, METRIC OP NUMBER
    heap_used_mb / heap_total_mb * 100 > 80            arithmetic over several metrics (+ - * /)
    status_code >= 500 or response_ms > 2000           and, or, not, parentheses
    avg(response_ms, 5m) > 300                         over the check's own recent results:
    p95(response_ms, 10m) > 400                          avg min max p50 p95 p99 count
    delta(ws_connections, 5m) < -100                   change over the span (last - first)
    rate(total_connections, 5m) > 50                   per-second increase of a counter, resets handled

Parsed once, at config load, by a tokenizer and a precedence-climbing parser
(no ``eval``); a mistake is a ``ValueError`` that says what was expected and at
which column. A number may carry the unit of its metric (``500ms``, ``99.5%``,
``2s``: written for the reader, not converted); a span is a duration (``5m``).
Names are metric names as kinds produce them (letters, digits, ``_``, and
``.`` or ``-`` inside a name), so subtraction is written with spaces: ``a - b``.

Evaluation is pure and three-valued: a missing metric, a division by zero or a
function without enough data make a comparison *unknown*, and an unknown rule
never holds (a metric a run did not produce never trips). ``and`` / ``or``
follow SQL: ``unknown and false`` is false, ``unknown or true`` is true.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Union

from watchdog.durations import parse_duration
from watchdog.stats import percentile
from watchdog.text import format_number

Value = Union[float, bool, None]
COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
}
ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
}
WINDOW_FUNCTIONS = ("avg", "min", "max", "p50", "p95", "p99", "count", "delta", "rate")
NUMBER_UNITS = ("", "%", "ms", "s")
HELP = ("write METRIC OP NUMBER, e.g. 'response_ms > 500' (OP is one of > >= < <= == !=), "
        "or combine: 'a / b * 100 > 80 and not c == 0', 'avg(response_ms, 5m) > 300'")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?P<suffix>%|[A-Za-z]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*)
  | (?P<op>>=|<=|==|!=|[<>+\-*/(),])
""", re.VERBOSE)
_KEYWORDS = ("and", "or", "not")


class Scope(Protocol):
    """What an expression reads: the metrics of this run, and the check's recent values."""

    def value(self, name: str) -> float | None: ...
    def window(self, name: str, span: float) -> Sequence[tuple[float, float]]: ...


# -- the tree -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Num:
    value: float
    text: str


@dataclass(frozen=True, slots=True)
class Metric:
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    metric: str
    span: float
    span_text: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Arith:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class Logic:
    op: str  # and | or
    left: Node
    right: Node


Node = Union[Num, Metric, Call, Neg, Arith, Compare, Not, Logic]


# -- parsing ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | name | op | keyword | end
    text: str
    column: int  # 1-based
    value: float = 0.0
    suffix: str = ""


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"unexpected {text[pos]!r}", pos + 1)
        kind = match.lastgroup if match.lastgroup != "suffix" else "number"
        word = match.group(0)
        if kind == "number":
            suffix = match.group("suffix") or ""
            tokens.append(Token("number", word, pos + 1, float(word[: len(word) - len(suffix)]), suffix))
        elif kind == "name":
            tokens.append(Token("keyword" if word in _KEYWORDS else "name", word, pos + 1))
        elif kind == "op":
            tokens.append(Token("op", word, pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class ExpressionError(ValueError):
    """A mistake in an expression, at a column (1-based)."""

    def __init__(self, problem: str, column: int) -> None:
        super().__init__(f"at column {column}: {problem}")
        self.problem, self.column = problem, column


class _Parser:
    """Precedence, lowest first: or, and, not, comparison, + -, * /, unary -."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        if self.current.kind in ("op", "keyword") and self.current.text in texts:
            return self.take()
        return None

    def expect(self, text: str, what: str) -> Token:
        token = self.accept(text)
        if token is None:
            raise ExpressionError(f"expected {what}, found {_describe(self.current)}", self.current.column)
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {_describe(self.current)}", self.current.column)
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.accept("or"):
            node = Logic("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.accept("and"):
            node = Logic("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.accept("not"):
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.sum()
        token = self.accept(*COMPARE)
        if token is None:
            return node
        node = Compare(token.text, node, self.sum())
        if self.current.kind == "op" and self.current.text in COMPARE:
            raise ExpressionError("comparisons do not chain: join them with 'and'", self.current.column)
        return node

    def sum(self) -> Node:
        node = self.product()
        while token := self.accept("+", "-"):
            node = Arith(token.text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while token := self.accept("*", "/"):
            node = Arith(token.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.accept("-"):
            return Neg(self.unary())
        return self.atom()

    def atom(self) -> Node:
        token = self.current
        if self.accept("("):
            node = self.disjunction()
            self.expect(")", "')'")
            return node
        if token.kind == "number":
            return self._number(self.take())
        if token.kind == "name":
            self.take()
            return self._call(token) if self.accept("(") else Metric(token.text)
        raise ExpressionError(f"expected a number, a metric or '(', found {_describe(token)}", token.column)

    def _number(self, token: Token) -> Num:
        if token.suffix not in NUMBER_UNITS:
            raise ExpressionError(f"unknown unit {token.suffix!r} after {token.value:g} (use %, ms or s, "
                                  "or nothing)", token.column)
        if not math.isfinite(token.value):
            raise ExpressionError("the number must be finite", token.column)
        return Num(token.value, token.text)

    def _call(self, name: Token) -> Call:
        if name.text not in WINDOW_FUNCTIONS:
            raise ExpressionError(f"unknown function {name.text!r} (one of: {', '.join(WINDOW_FUNCTIONS)})",
                                  name.column)
        metric = self.take()
        if metric.kind != "name":
            raise ExpressionError(f"{name.text}() takes a metric name first, found {_describe(metric)}",
                                  metric.column)
        self.expect(",", f"',' and a span after {name.text}({metric.text}")
        span = self.take()
        seconds = _span(span)
        self.expect(")", "')'")
        return Call(name.text, metric.text, seconds, span.text)


def _span(token: Token) -> float:
    try:
        seconds = parse_duration(token.text) if token.kind == "number" else -1.0
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ExpressionError(f"expected a span such as 5m, found {_describe(token)}", token.column)
    return seconds


def _describe(token: Token) -> str:
    return "the end" if token.kind == "end" else repr(token.text)


# -- the parsed expression ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Expression:
    """One parsed rule. ``text`` is its normalised spelling (how it is shown)."""

    text: str
    root: Node

    @property
    def metrics(self) -> frozenset[str]:
        """Every metric the expression reads."""
        return frozenset(n.name if isinstance(n, Metric) else n.metric
                         for n in walk(self.root) if isinstance(n, (Metric, Call)))

    @property
    def span(self) -> float:
        """How much recent history its functions need (0: none)."""
        return max((n.span for n in walk(self.root) if isinstance(n, Call)), default=0.0)

    @property
    def simple(self) -> tuple[str, str, float] | None:
        """``(metric, op, number)`` for the plain form ``METRIC OP NUMBER``, else None."""
        root = self.root
        if isinstance(root, Compare) and isinstance(root.left, Metric):
            right = root.right
            value = right.value if isinstance(right, Num) else -right.operand.value \
                if isinstance(right, Neg) and isinstance(right.operand, Num) else None
            if value is not None:
                return root.left.name, root.op, value
        return None

    def holds(self, scope: Scope) -> bool:
        return evaluate(self.root, scope) is True

    def explain(self, scope: Scope) -> str:
        """Why it holds, with the numbers: ``avg(response_ms, 5m) = 320 (> 300)``."""
        root = self.root
        if isinstance(root, Compare):
            left = _number_text(evaluate(root.left, scope))
            right = show(root.right) if not isinstance(root.right, (Num, Neg)) else _number_text(
                evaluate(root.right, scope))
            return f"{show(root.left)} = {left} ({root.op} {right})"
        values = ", ".join(f"{name} = {_number_text(scope.value(name))}" for name in sorted(self.metrics))
        return f"{self.text} ({values})" if values else self.text

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Expression:
    """Parse one rule; raises ``ExpressionError`` (a ValueError) naming the column."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected a string expression, got {text!r}", 1)
    root = _Parser(text).parse()
    if not isinstance(root, (Compare, Logic, Not)):
        raise ExpressionError("a rule must compare, e.g. 'response_ms > 500'", 1)
    return Expression(show(root), root)


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in _children(node):
        yield from walk(child)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Arith, Compare, Logic)):
        return node.left, node.right
    if isinstance(node, (Neg, Not)):
        return (node.operand,)
    return ()


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def show(node: Node) -> str:
    """The normalised text of a node, with the parentheses its precedence needs."""
    if isinstance(node, Num):
        return _number_text(node.value)
    if isinstance(node, Metric):
        return node.name
    if isinstance(node, Call):
        return f"{node.func}({node.metric}, {node.span_text})"
    if isinstance(node, Neg):
        return f"-{_wrapped(node.operand, _PRECEDENCE['neg'])}"
    if isinstance(node, Not):
        return f"not {_wrapped(node.operand, _PRECEDENCE['not'])}"
    rank = _rank(node)
    right_rank = rank + 1 if isinstance(node, Arith) else rank  # a - (b - c) keeps its parentheses
    return f"{_wrapped(node.left, rank)} {node.op} {_wrapped(node.right, right_rank)}"


def _rank(node: Node) -> int:
    if isinstance(node, Compare):
        return _PRECEDENCE["compare"]
    if isinstance(node, (Arith, Logic)):
        return _PRECEDENCE[node.op]
    if isinstance(node, Neg):
        return _PRECEDENCE["neg"]
    if isinstance(node, Not):
        return _PRECEDENCE["not"]
    return _PRECEDENCE["atom"]


def _wrapped(node: Node, at_least: int) -> str:
    text = show(node)
    return f"({text})" if _rank(node) < at_least else text


# -- evaluation ---------------------------------------------------------------------------------

def evaluate(node: Node, scope: Scope) -> Value:
    """The value of ``node``: a number, a truth value, or None when unknown."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Metric):
        return _finite(scope.value(node.name))
    if isinstance(node, Call):
        return _finite(call(node.func, scope.window(node.metric, node.span)))
    if isinstance(node, Neg):
        inner = evaluate(node.operand, scope)
        return None if inner is None else -float(inner)
    if isinstance(node, Arith):
        return _arith(node.op, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, Compare):
        left, right = evaluate(node.left, scope), evaluate(node.right, scope)
        return None if left is None or right is None else COMPARE[node.op](float(left), float(right))
    if isinstance(node, Not):
        inner = evaluate(node.operand, scope)
        return None if inner is None else not inner
    return _logic(node.op, evaluate(node.left, scope), evaluate(node.right, scope))


def _arith(op: str, left: Value, right: Value) -> float | None:
    if left is None or right is None or (op == "/" and float(right) == 0.0):
        return None
    return _finite(ARITHMETIC[op](float(left), float(right)))


def _logic(op: str, left: Value, right: Value) -> bool | None:
    if op == "and":
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def call(func: str, points: Sequence[tuple[float, float]]) -> float | None:
    """A window function over ``(time, value)`` points, oldest first; None without enough data."""
    values = [v for _, v in points]
    if func == "count":
        return float(len(values))
    if not values:
        return None
    if func in ("avg", "min", "max"):
        return {"avg": sum(values) / len(values), "min": min(values), "max": max(values)}[func]
    if func in ("p50", "p95", "p99"):
        return percentile(sorted(values), float(func[1:]))
    if len(points) < 2:
        return None
    if func == "delta":
        return values[-1] - values[0]
    return _rate(points)


def _rate(points: Sequence[tuple[float, float]]) -> float | None:
    """Per-second increase of a counter; a drop is a reset (the counter restarted from 0)."""
    elapsed = points[-1][0] - points[0][0]
    if elapsed <= 0:
        return None
    increase = 0.0
    for (_, before), (_, after) in zip(points, points[1:]):
        increase += after - before if after >= before else after
    return increase / elapsed


def _number_text(value: Value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_number(value)


@dataclass(frozen=True, slots=True)
class MetricScope:
    """A scope over one run's metrics and, optionally, the check's recent ``(time, metrics)`` history."""

    metrics: Mapping[str, float]
    history: Sequence[tuple[float, Mapping[str, float]]] = ()
    now: float = 0.0

    def value(self, name: str) -> float | None:
        found = self.metrics.get(name)
        return None if found is None or isinstance(found, bool) else float(found)

    def window(self, name: str, span: float) -> list[tuple[float, float]]:
        points = [(t, float(m[name])) for t, m in self.history if t > self.now - span and name in m]
        current = self.value(name)
        return points + ([(self.now, current)] if current is not None else [])
