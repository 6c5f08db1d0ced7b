"""Rule expressions: parsing (normalised text, errors with a column), three-valued evaluation,
window functions over the check's recent results, and the reason a person reads."""

from __future__ import annotations

import pytest

from watchdog.expressions import ExpressionError, MetricScope, call, parse

NOW = 1000.0


def scope(history: list[tuple[float, dict[str, float]]] | None = None, **metrics: float) -> MetricScope:
    return MetricScope(metrics, history or [], NOW)


@pytest.mark.parametrize(("text", "shown"), [
    ("response_ms > 500", "response_ms > 500"),
    ("response_ms>500ms", "response_ms > 500"),
    ("availability_pct < 99.5%", "availability_pct < 99.5"),
    ("heap_used_mb / heap_total_mb * 100 > 80", "heap_used_mb / heap_total_mb * 100 > 80"),
    ("(a + b) * c >= 1e3", "(a + b) * c >= 1000"),
    ("a - (b - c) == 0", "a - (b - c) == 0"),
    ("a - b - c == 0", "a - b - c == 0"),
    ("not (a > 1 or b > 2) and c < 3", "not (a > 1 or b > 2) and c < 3"),
    ("delta(ws_connections, 5m) < -100", "delta(ws_connections, 5m) < -100"),
    ("avg( response_ms ,10m)>300", "avg(response_ms, 10m) > 300"),
    ("memory.heapUsed > 1", "memory.heapUsed > 1"),
    ("signal-latency > 1", "signal-latency > 1"),
])
def test_parse_normalises_the_text(text: str, shown: str) -> None:
    assert parse(text).text == shown


@pytest.mark.parametrize(("text", "message"), [
    ("response_ms >> 5", "at column 14: expected a number, a metric or '(', found '>'"),
    ("response_ms > ", "at column 15: expected a number, a metric or '(', found the end"),
    ("response_ms", "at column 1: a rule must compare, e.g. 'response_ms > 500'"),
    ("a > 1 b > 2", "at column 7: unexpected 'b'"),
    ("(a > 1", "at column 7: expected ')', found the end"),
    ("1 < a < 5", "at column 7: comparisons do not chain: join them with 'and'"),
    ("median(a, 5m) > 1", "at column 1: unknown function 'median' (one of: avg, min, max, p50, p95, p99, count, "
                          "delta, rate)"),
    ("avg(a) > 1", "at column 6: expected ',' and a span after avg(a, found ')'"),
    ("avg(a, soon) > 1", "at column 8: expected a span such as 5m, found 'soon'"),
    ("avg(a, 0s) > 1", "at column 8: expected a span such as 5m, found '0s'"),
    ("avg(5, 1m) > 1", "at column 5: avg() takes a metric name first, found '5'"),
    ("a > 5kg", "at column 5: unknown unit 'kg' after 5 (use %, ms or s, or nothing)"),
    ("a > 1 ; b", "at column 7: unexpected ';'"),
    ("a > 1e999", "at column 5: the number must be finite"),
])
def test_a_mistake_says_what_was_expected_and_where(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(("text", "metrics", "holds"), [
    ("response_ms > 500", {"response_ms": 501}, True),
    ("response_ms > 500", {"response_ms": 500}, False),
    ("response_ms > 500", {}, False),  # a missing metric never trips
    ("not response_ms > 500", {}, False),  # ...not even negated: unknown stays unknown
    ("heap_used_mb / heap_total_mb * 100 > 80", {"heap_used_mb": 85, "heap_total_mb": 100}, True),
    ("heap_used_mb / heap_total_mb * 100 > 80", {"heap_used_mb": 85, "heap_total_mb": 0}, False),  # x / 0
    ("a > 1 or b > 1", {"b": 2}, True),  # unknown or true = true
    ("a > 1 and b > 1", {"b": 0}, False),
    ("a > 1 and b > 1", {"a": 2, "b": 2}, True),
    ("status_code >= 500 or response_ms > 2000", {"status_code": 503, "response_ms": 20}, True),
    ("-a < -1", {"a": 2}, True),
    ("a == 0", {"a": 0.0}, True),
    ("a != 0", {"a": 1}, True),
])
def test_evaluation_of_this_runs_metrics(text: str, metrics: dict[str, float], holds: bool) -> None:
    assert parse(text).holds(scope(**metrics)) is holds


HISTORY = [(700.0, {"c": 100}), (800.0, {"c": 160}), (900.0, {"c": 20}), (950.0, {"c": 50})]  # reset at 900


@pytest.mark.parametrize(("func", "points", "value"), [
    ("avg", [(1, 10.0), (2, 20.0)], 15.0),
    ("min", [(1, 10.0), (2, 20.0)], 10.0),
    ("max", [(1, 10.0), (2, 20.0)], 20.0),
    ("p50", [(1, 10.0), (2, 20.0), (3, 30.0)], 20.0),
    ("count", [(1, 10.0), (2, 20.0)], 2.0),
    ("count", [], 0.0),
    ("avg", [], None),
    ("delta", [(1, 10.0), (5, 4.0)], -6.0),
    ("delta", [(1, 10.0)], None),  # a change needs two points
    ("rate", [(0, 0.0), (10, 50.0)], 5.0),
    ("rate", [(0, 100.0), (10, 160.0), (20, 20.0), (30, 50.0)], (60 + 20 + 30) / 30),  # the drop is a reset
    ("rate", [(5, 1.0), (5, 2.0)], None),
])
def test_window_functions(func: str, points: list[tuple[float, float]], value: float | None) -> None:
    assert call(func, points) == value


def test_window_functions_read_the_span_before_now_and_this_run() -> None:
    current = scope(HISTORY, c=80)  # now = 1000: the span of 150 s holds 900, 950 and this run
    assert parse("delta(c, 150s) == 60").holds(current)
    assert parse("avg(c, 150s) == 50").holds(current)
    assert parse("rate(c, 5m) > 0").holds(current)  # 700..1000 with a reset at 900


def test_span_and_metrics_are_known_after_parsing() -> None:
    rule = parse("avg(response_ms, 5m) > 300 and p95(latency_ms, 10m) > 1 or errors > 0")
    assert (rule.span, rule.metrics) == (600.0, frozenset({"response_ms", "latency_ms", "errors"}))


@pytest.mark.parametrize(("text", "simple"), [
    ("response_ms > 500", ("response_ms", ">", 500.0)),
    ("delta_s < -1", ("delta_s", "<", -1.0)),
    ("a / b > 1", None),
    ("a > 1 and b > 2", None),
    ("avg(a, 1m) > 1", None),
])
def test_the_plain_form_is_recognised(text: str, simple: tuple[str, str, float] | None) -> None:
    assert parse(text).simple == simple


@pytest.mark.parametrize(("text", "metrics", "reason"), [
    ("response_ms > 2000", {"response_ms": 2304}, "response_ms = 2304 (> 2000)"),
    ("heap_used_mb / heap_total_mb * 100 > 80", {"heap_used_mb": 85.25, "heap_total_mb": 100},
     "heap_used_mb / heap_total_mb * 100 = 85.25 (> 80)"),
    ("a > b", {"a": 3, "b": 2}, "a = 3 (> b)"),
    ("a > 1 and b < 2", {"a": 3, "b": 1}, "a > 1 and b < 2 (a = 3, b = 1)"),
    ("delta(c, 150s) < -100", {"c": 80}, "delta(c, 150s) = 60 (< -100)"),
])
def test_the_reason_names_the_numbers(text: str, metrics: dict[str, float], reason: str) -> None:
    assert parse(text).explain(scope(HISTORY, **metrics)) == reason
