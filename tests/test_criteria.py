"""Acceptance criteria: parsing (with the errors a person sees) and judging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watchdog.reports.criteria import Figure, Outcome, describe, evaluate, parse_criterion

CHECKS = {"signal-latency", "health", "redis", "api.v2"}
T0 = datetime(2025, 10, 13, 13, 10, tzinfo=UTC).timestamp()
T1 = T0 + 6 * 3600


@pytest.mark.parametrize(
    ("expr", "subject", "check", "metric", "aggregate", "op", "value"),
    [
        ("signal-latency.p95_ms.max < 500", "metric", "signal-latency", "p95_ms", "max", "<", 500),
        ("alerts.critical == 0", "alerts", None, None, "critical", "==", 0),
        ("health.availability_pct >= 99.5", "availability", "health", None, "availability_pct", ">=", 99.5),
        ("health.heap_used_mb.growth_per_h < 5", "metric", "health", "heap_used_mb", "growth_per_h", "<", 5),
        ("restarts == 0", "restarts", None, None, "restarts", "==", 0),
        ("health.restarts <= 1", "restarts", "health", None, "restarts", "<=", 1),
        ("redis.alerts.warning < 3", "alerts", "redis", None, "warning", "<", 3),
        ("api.v2.response_ms.p99 <= 2000", "metric", "api.v2", "response_ms", "p99", "<=", 2000),
        ("redis.latency_ms.avg<100ms", "metric", "redis", "latency_ms", "avg", "<", 100),
        ("health.availability_pct > 99.9 %", "availability", "health", None, "availability_pct", ">", 99.9),
        ("health.response_ms.count != 0", "metric", "health", "response_ms", "count", "!=", 0),
    ],
)
def test_parse(expr: str, subject: str, check: str | None, metric: str | None, aggregate: str,
               op: str, value: float) -> None:
    c = parse_criterion(expr, checks=CHECKS)
    assert (c.subject, c.check, c.metric, c.aggregate, c.op, c.value) == (subject, check, metric, aggregate, op, value)


def test_name_defaults_to_the_normalised_expression() -> None:
    assert parse_criterion("redis.latency_ms.avg<100ms", checks=CHECKS).name == "redis.latency_ms.avg < 100"
    assert parse_criterion("restarts == 0", name="No restarts").name == "No restarts"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("singal-latency.p95_ms.max < 500",
         "unknown check 'singal-latency' in 'singal-latency.p95_ms.max < 500' "
         "(known checks: api.v2, health, redis, signal-latency)"),
        ("health.response_ms < 500",
         "invalid criterion 'health.response_ms < 500': after the check name write METRIC.AGG with AGG one of "
         "min, max, avg, p50, p95, p99, last, count, growth_per_h (e.g. 'health.response_ms.p95'), "
         "or availability_pct, alerts.SEVERITY, restarts"),
        ("health.response_ms.median < 5",
         "invalid criterion 'health.response_ms.median < 5': after the check name write METRIC.AGG with AGG one of "
         "min, max, avg, p50, p95, p99, last, count, growth_per_h (e.g. 'health.response_ms.p95'), "
         "or availability_pct, alerts.SEVERITY, restarts"),
        ("alerts.fatal == 0", "invalid criterion 'alerts.fatal == 0': alerts.SEVERITY takes one of "
                              "warning, critical, unknown"),
        ("health < 5", "invalid criterion 'health < 5': name what to aggregate after the check; write "
                       "CHECK.METRIC.AGG OP NUMBER (e.g. 'signal-latency.p95_ms.max < 500'), "
                       "CHECK.availability_pct, alerts.SEVERITY or restarts"),
        # a word where a number was meant reads as a second figure: its check is unknown
        ("health.response_ms.p95 < fast", "unknown check 'fast' in 'health.response_ms.p95 < fast' "
                                          "(known checks: api.v2, health, redis, signal-latency)"),
        ("health.response_ms.p95 =< 5", "invalid criterion 'health.response_ms.p95 =< 5'; write "
                                        "CHECK.METRIC.AGG OP NUMBER (e.g. 'signal-latency.p95_ms.max < 500'), "
                                        "CHECK.availability_pct, alerts.SEVERITY or restarts"),
        ("health.availability_pct > 99 ms",
         "invalid criterion 'health.availability_pct > 99 ms': unit 'ms' does not match "
         "'health.availability_pct' (its unit is '%'); write the bare number"),
        ("alerts.critical == 0 %",
         "invalid criterion 'alerts.critical == 0 %': unit '%' does not match 'alerts.critical' (no unit); "
         "write the bare number"),
    ],
)
def test_parse_errors_say_what_to_write(expr: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_criterion(expr, checks=CHECKS)
    assert str(err.value) == message


def test_a_non_string_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a string expression, got 5"):
        parse_criterion(5)  # type: ignore[arg-type]


def fig(value: float | None, samples: int = 8640, detail: str = "") -> Figure:
    return Figure(value, samples, T0, T1, detail)


@pytest.mark.parametrize(
    ("expr", "value", "final", "status"),
    [
        # a max only grows: a breach is final at once, a pass waits for the window's end
        ("signal-latency.p95_ms.max < 500", 412, False, Outcome.MONITORING),
        ("signal-latency.p95_ms.max < 500", 612, False, Outcome.FAIL),
        ("signal-latency.p95_ms.max < 500", 412, True, Outcome.PASS),
        ("signal-latency.p95_ms.max < 500", 500, True, Outcome.FAIL),
        ("signal-latency.p95_ms.max > 10", 12, False, Outcome.PASS),
        ("signal-latency.p95_ms.max > 10", 8, False, Outcome.MONITORING),
        # a min only shrinks
        ("health.ws_connections.min >= 1", 3, False, Outcome.MONITORING),
        ("health.ws_connections.min >= 1", 0, False, Outcome.FAIL),
        ("health.ws_connections.min < 1", 0, False, Outcome.PASS),
        # counts of alerts and restarts only grow
        ("alerts.critical == 0", 0, False, Outcome.MONITORING),
        ("alerts.critical == 0", 1, False, Outcome.FAIL),
        ("alerts.critical == 0", 0, True, Outcome.PASS),
        ("alerts.critical != 0", 2, False, Outcome.PASS),
        ("restarts <= 1", 1, False, Outcome.MONITORING),
        ("restarts <= 1", 2, False, Outcome.FAIL),
        # averages, percentiles, availability and growth can still change either way
        ("health.availability_pct >= 99.5", 98.0, False, Outcome.MONITORING),
        ("health.availability_pct >= 99.5", 98.0, True, Outcome.FAIL),
        ("health.availability_pct >= 99.5", 99.5, True, Outcome.PASS),
        ("health.heap_used_mb.growth_per_h < 5", 9.0, False, Outcome.MONITORING),
        ("health.heap_used_mb.growth_per_h < 5", 0.8, True, Outcome.PASS),
        ("redis.latency_ms.p95 < 100", 120, True, Outcome.FAIL),
        # no data: keep watching; at the end it cannot be called a pass
        ("signal-latency.p95_ms.max < 500", None, False, Outcome.MONITORING),
        ("signal-latency.p95_ms.max < 500", None, True, Outcome.FAIL),
    ],
)
def test_evaluate(expr: str, value: float | None, final: bool, status: Outcome) -> None:
    result = evaluate(parse_criterion(expr, checks=CHECKS), fig(value), final=final)
    assert result.status is status
    assert result.value == value


@pytest.mark.parametrize(
    ("expr", "figure", "evidence"),
    [
        ("signal-latency.p95_ms.max < 500", fig(412),
         "p95_ms max 412 ms over 8,640 results of signal-latency (13:10–19:10 UTC)"),
        ("signal-latency.p95_ms.avg < 500", fig(131.456, 1),
         "p95_ms avg 131.46 ms over 1 result of signal-latency (13:10–19:10 UTC)"),
        ("health.heap_used_mb.growth_per_h < 5", fig(0.8, 2160),
         "heap_used_mb growth_per_h +0.8 MB/h over 2,160 results of health (13:10–19:10 UTC)"),
        ("health.response_ms.count > 0", fig(8640),
         "response_ms count 8,640 over 8,640 results of health (13:10–19:10 UTC)"),
        ("health.availability_pct >= 99.5", fig(99.8611, 8640, "8,628 of 8,640 results OK"),
         "availability 99.86% (8,628 of 8,640 results OK) of health (13:10–19:10 UTC)"),
        ("alerts.critical == 0", fig(0, 0), "0 critical alerts (13:10–19:10 UTC)"),
        ("alerts.critical == 0", fig(1, 1, "health at 15:10 UTC"),
         "1 critical alert: health at 15:10 UTC (13:10–19:10 UTC)"),
        ("redis.alerts.warning == 0", fig(2, 2), "2 warning alerts of redis (13:10–19:10 UTC)"),
        ("restarts == 0", fig(0, 0), "0 restarts seen (13:10–19:10 UTC)"),
        ("signal-latency.p95_ms.max < 500", fig(None, 0),
         "no p95_ms results of signal-latency yet (13:10–19:10 UTC)"),
        ("health.availability_pct >= 99.5", fig(None, 0), "no results of health yet (13:10–19:10 UTC)"),
    ],
)
def test_evidence_names_the_number_and_where_it_came_from(expr: str, figure: Figure, evidence: str) -> None:
    assert describe(parse_criterion(expr, checks=CHECKS), figure) == evidence


def test_a_criterion_combining_figures_parses_into_its_parts() -> None:
    c = parse_criterion("health.heap_used_mb.max / health.heap_total_mb.max * 100 < 80", checks=CHECKS)
    assert (c.subject, [p.expr for p in c.parts]) == ("compound", ["health.heap_total_mb.max", "health.heap_used_mb.max"])


@pytest.mark.parametrize(("final", "used", "outcome", "evidence"), [
    (False, 70.0, "MONITORING", "health.heap_used_mb.max / health.heap_total_mb.max * 100 = 70 (< 80) so far"),
    (True, 70.0, "PASS", "health.heap_used_mb.max / health.heap_total_mb.max * 100 = 70 (< 80)"),
    (True, 90.0, "FAIL", "health.heap_used_mb.max / health.heap_total_mb.max * 100 = 90 (< 80)"),
])
def test_a_combined_criterion_is_monitoring_until_the_window_closes(final: bool, used: float, outcome: str,
                                                                    evidence: str) -> None:
    from watchdog.reports.criteria import Figure, evaluate_compound

    c = parse_criterion("health.heap_used_mb.max / health.heap_total_mb.max * 100 < 80", checks=CHECKS)
    figures = {"health.heap_used_mb.max": Figure(used, 50, 0, 1), "health.heap_total_mb.max": Figure(100.0, 50, 0, 1)}
    result = evaluate_compound(c, figures, final=final, min_results=5)
    assert (result.status.value, result.evidence) == (outcome, evidence)


def test_a_figure_over_too_few_results_is_monitoring_never_fail() -> None:
    from watchdog.reports.criteria import Figure, evaluate

    c = parse_criterion("signal-latency.p95_ms.max < 500", checks=CHECKS)
    result = evaluate(c, Figure(516.0, 2, 0, 60), final=True, min_results=5)
    assert result.status.value == "MONITORING"
    assert result.evidence.startswith("not enough data (2 of 5 results): p95_ms max 516 ms over 2 results")
