"""The PromQL subset of the ``prometheus`` kind (pure): parsing, matchers, rate, histogram_quantile."""

from __future__ import annotations

import math

import pytest

from watchdog.checks.promql import NoSeries, Scrape, bucket_quantile, evaluate, increases, parse_query, series_of

INF = math.inf


@pytest.mark.parametrize(("text", "function", "name", "scale"), [
    ("up", "sum", "up", 1.0),
    ('http_requests_total{code="200"}', "sum", "http_requests_total", 1.0),
    ('rate(http_requests_total{code=~"5.."})', "rate", "http_requests_total", 1.0),
    ("rate(x_total) * 60", "rate", "x_total", 60.0),
    ("histogram_quantile(0.95, d_bucket{route=\"/api\"}) * 1000", "histogram_quantile", "d_bucket", 1000.0),
    ("x / 4", "sum", "x", 0.25),
    ("x{path='/a*2'}", "sum", "x", 1.0),
])
def test_parse(text: str, function: str, name: str, scale: float) -> None:
    query = parse_query(text)
    assert (query.function, query.selector.name, query.scale, str(query)) == (function, name, scale, text)


@pytest.mark.parametrize(("text", "error"), [
    ("sum(x)", "invalid selector 'sum(x)': only rate(...) and histogram_quantile(...) are understood"),
    ("rate(x[5m])", "drop the range in 'rate(x[5m])'"),
    ("histogram_quantile(1.5, d_bucket)", "the quantile must be between 0 and 1, got 1.5"),
    ("histogram_quantile(0.5, d_seconds)", "histogram_quantile needs the buckets of a histogram (NAME_bucket)"),
    ('histogram_quantile(0.5, d_bucket{le="1"})', "histogram_quantile reads every 'le' bucket"),
    ("x{code=200}", "invalid label matcher 'code=200'"),
    ('x{code=~"("}', "invalid regular expression '('"),
    ("x / 0", "division by zero"),
    ("", "expected a selector string"),
])
def test_parse_errors(text: str, error: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_query(text)
    assert str(caught.value).startswith(error)


SERIES = series_of([
    ("http_requests_total", {"code": "200", "route": "/api"}, 100),
    ("http_requests_total", {"code": "500", "route": "/api"}, 3),
    ("http_requests_total", {"code": "503", "route": "/health"}, 2),
])


@pytest.mark.parametrize(("text", "value"), [
    ("http_requests_total", 105),
    ('http_requests_total{code="200"}', 100),
    ('http_requests_total{code!="200"}', 5),
    ('http_requests_total{code=~"5.."}', 5),
    ('http_requests_total{code=~"5"}', None),  # anchored, as in PromQL: "5" matches no code
    ('http_requests_total{code!~"5..", route="/api"}', 100),
    ('http_requests_total{missing=""}', 105),  # an absent label reads as ""
])
def test_matchers_sum_the_matching_series(text: str, value: float | None) -> None:
    query = parse_query(text)
    if value is None:
        with pytest.raises(NoSeries):
            evaluate(query, Scrape(10, SERIES), None)
    else:
        assert evaluate(query, Scrape(10, SERIES), None).value == value


def test_rate_is_the_increase_per_second_since_the_previous_scrape() -> None:
    before = series_of([("x_total", {"a": "1"}, 10), ("x_total", {"a": "2"}, 5)])
    now = series_of([("x_total", {"a": "1"}, 40), ("x_total", {"a": "2"}, 15)])
    outcome = evaluate(parse_query("rate(x_total)"), Scrape(110, now), Scrape(100, before))
    assert (outcome.value, outcome.basis) == (4.0, "per second over the last 10s")


@pytest.mark.parametrize(("before", "now", "increase"), [
    (10, 25, 15),
    (10, 4, 4),  # reset: the counter restarted at 0 and counted 4
    (None, 7, 7),  # a series that appeared since counts from 0
])
def test_increases_handle_resets_and_new_series(before: float | None, now: float, increase: float) -> None:
    key = ("x_total", ())
    assert increases({key: now}, {} if before is None else {key: before}) == {key: increase}


BUCKETS = [(0.05, 50.0), (0.1, 90.0), (0.5, 100.0), (1.0, 100.0), (INF, 100.0)]


@pytest.mark.parametrize(("q", "expected"), [
    (0.5, 0.05),
    (0.7, 0.075),
    (0.95, 0.3),
    (1.0, 0.5),
    (0.0, 0.0),
])
def test_bucket_quantile_interpolates_like_prometheus(q: float, expected: float) -> None:
    assert bucket_quantile(q, BUCKETS) == pytest.approx(expected)


def test_bucket_quantile_in_the_inf_bucket_is_the_highest_finite_bound() -> None:
    assert bucket_quantile(0.99, [(0.1, 1.0), (INF, 10.0)]) == 0.1


@pytest.mark.parametrize("buckets", [[], [(0.1, 0.0), (INF, 0.0)], [(0.1, 1.0), (0.5, 2.0)]])
def test_bucket_quantile_without_observations_or_inf_is_nan(buckets: list[tuple[float, float]]) -> None:
    assert math.isnan(bucket_quantile(0.5, buckets))


def histogram(*counts: float) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    bounds = ("0.05", "0.1", "0.5", "+Inf")
    return series_of(("d_bucket", {"le": le}, c) for le, c in zip(bounds, counts))


def test_quantile_over_the_increase_since_the_previous_scrape() -> None:
    query = parse_query("histogram_quantile(0.5, d_bucket) * 1000")
    outcome = evaluate(query, Scrape(130, histogram(100, 100, 110, 110)), Scrape(100, histogram(100, 100, 100, 100)))
    assert (outcome.value, outcome.basis) == (pytest.approx(300.0), "10 observations in the last 30s")


def test_quantile_without_new_observations_reads_the_cumulative_counts() -> None:
    query = parse_query("histogram_quantile(0.5, d_bucket) * 1000")
    outcome = evaluate(query, Scrape(130, histogram(100, 100, 100, 100)), Scrape(100, histogram(100, 100, 100, 100)))
    assert (outcome.value, outcome.basis) == (pytest.approx(25.0), "100 observations in all")


def test_quantile_of_an_empty_histogram_has_no_value() -> None:
    outcome = evaluate(parse_query("histogram_quantile(0.5, d_bucket)"), Scrape(1, histogram(0, 0, 0, 0)), None)
    assert outcome.value is None
