import pytest

from watchdog.status import Status, worst
from watchdog.thresholds import judge, parse_threshold, unknown_metrics


@pytest.mark.parametrize(
    ("text", "metric", "op", "value"),
    [("response_ms > 500", "response_ms", ">", 500), ("ws_connections<1", "ws_connections", "<", 1),
     ("ratio_pct >= 1.5", "ratio_pct", ">=", 1.5), ("status_code != 200", "status_code", "!=", 200),
     ("x == -2", "x", "==", -2), ("p95_ms <= 1e3", "p95_ms", "<=", 1000), ("error_pct > 5%", "error_pct", ">", 5)],
)
def test_parses_expressions(text, metric, op, value):
    t = parse_threshold(text)
    assert (t.metric, t.op, t.value) == (metric, op, value)


@pytest.mark.parametrize("text", ["response_ms", "> 500", "response_ms >> 5", "a > 1e999", "a >"])
def test_rejects_malformed_expressions(text):
    with pytest.raises(ValueError, match="invalid threshold"):
        parse_threshold(text)


def test_a_word_where_a_number_was_meant_is_a_metric_the_config_refuses():
    # "response_ms > fast" compares two metrics; the loader refuses 'fast' as never produced
    assert [m for _, m in unknown_metrics([parse_threshold("response_ms > fast")], {"response_ms"})] == ["fast"]


W = [parse_threshold("response_ms > 500")]
C = [parse_threshold("response_ms > 2000"), parse_threshold("ws_connections < 1")]


@pytest.mark.parametrize(
    ("metrics", "status", "reason"),
    [({"response_ms": 120, "ws_connections": 5}, Status.OK, ""),
     ({"response_ms": 501, "ws_connections": 5}, Status.WARNING, "response_ms = 501 (> 500)"),
     ({"response_ms": 500, "ws_connections": 5}, Status.OK, ""),
     ({"response_ms": 2304.2, "ws_connections": 5}, Status.CRITICAL, "response_ms = 2304.2 (> 2000)"),
     ({"response_ms": 700, "ws_connections": 0}, Status.CRITICAL, "ws_connections = 0 (< 1)"),
     ({}, Status.OK, ""),
     ({"response_ms": float("nan")}, Status.OK, "")],
)
def test_worst_level_that_holds_names_the_expression(metrics, status, reason):
    verdict = judge(metrics, W, C)
    assert (verdict.status, verdict.reason) == (status, reason)


def test_unknown_metrics_are_reported():
    assert [m for _, m in unknown_metrics(W + C, {"response_ms"})] == ["ws_connections"]


def test_status_order_and_exit_codes():
    assert worst([Status.OK, Status.CRITICAL, Status.WARNING]) == Status.CRITICAL
    assert worst([]) == Status.OK
    assert [s.exit_code for s in Status] == [0, 1, 2, 3]
    assert Status.parse("crit") == Status.CRITICAL
