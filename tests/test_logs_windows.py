"""Window math and the per-kind states (pure; times are plain numbers)."""

from __future__ import annotations

import pytest

from watchdog.logs.windows import AbsenceState, Evidence, MatchState, RateState, RatioState, WindowCounter


@pytest.mark.parametrize(
    "events, now, count, peak",
    [
        ([], 100.0, 0, 0),
        ([10.0, 20.0, 30.0], 30.0, 3, 3),
        ([10.0, 20.0, 30.0], 69.0, 3, 3),  # window 60s, 1s buckets: 10.0 still in (bucket 10 > 69-60)
        ([10.0, 20.0, 30.0], 70.0, 2, 3),  # bucket 10 expired
        ([10.0, 20.0, 30.0], 200.0, 0, 3),
        ([0.0, 0.5, 100.0, 100.5, 101.0], 101.0, 3, 3),
        ([0.0] * 7 + [100.0], 100.0, 1, 7),
        ([100.0, 99.5, 10.0], 100.0, 2, 2),  # 10.0 arrives out of order, older than the window: dropped
        ([50.0, 45.0], 104.0, 2, 2),
        ([50.0, 45.0], 105.0, 1, 2),  # out of order but inside the window: kept in its own bucket
    ],
)
def test_window_counter(events: list[float], now: float, count: int, peak: int) -> None:
    counter = WindowCounter(60.0)
    for t in events:
        counter.add(t)
    assert (counter.count(now), counter.peak, counter.all) == (count, peak, len(events))


def test_window_counter_memory_is_bounded_by_its_buckets() -> None:
    counter = WindowCounter(60.0)
    for i in range(100_000):
        counter.add(i * 0.01)
    assert len(counter._buckets) <= 61 and counter.count(999.99) == 6000


@pytest.mark.parametrize(
    "hits, now, final, count, per_min",
    [
        ([1.0, 2.0, 3.0], 3.0, False, 3, 3.0),
        ([1.0, 2.0, 3.0, 200.0], 200.0, False, 1, 1.0),
        ([1.0, 2.0, 3.0, 200.0], 200.0, True, 3, 3.0),  # the busiest minute of the read
    ],
)
def test_rate_state(hits: list[float], now: float, final: bool, count: int, per_min: float) -> None:
    state = RateState(60.0)
    for t in hits:
        state.hit(t)
    counts = state.snapshot(now, final)
    assert (counts.count, counts.per_min, counts.all) == (count, per_min, len(hits))


@pytest.mark.parametrize(
    "lines, hits, now, final, ratio",
    [
        ([(0.0, 200)], [0.0, 0.0], 0.0, False, 1.0),
        ([(0.0, 100), (400.0, 100)], [0.0] * 10 + [400.0], 400.0, False, 1.0),
        ([(0.0, 100), (400.0, 100)], [0.0] * 10 + [400.0], 400.0, True, 5.5),
        ([], [], 0.0, False, None),
    ],
)
def test_ratio_state(lines: list[tuple[float, int]], hits: list[float], now: float, final: bool,
                     ratio: float | None) -> None:
    state = RatioState(300.0)
    for t, n in lines:
        state.lines(t, n)
    for t in hits:
        state.hit(t)
    assert state.snapshot(now, final).ratio_pct == ratio


@pytest.mark.parametrize(
    "begin, hits, now, since, ever",
    [
        (100.0, [], 160.0, 60.0, False),
        (100.0, [130.0], 160.0, 30.0, True),
        (100.0, [150.0, 130.0], 160.0, 10.0, True),  # an older time never moves "last" back
        (None, [], 160.0, 0.0, False),
    ],
)
def test_absence_state(begin: float | None, hits: list[float], now: float, since: float, ever: bool) -> None:
    state = AbsenceState()
    if begin is not None:
        state.begin(begin)
    for t in hits:
        state.hit(t)
    seen = state.snapshot(now)
    assert (seen.since_last_s, seen.ever_seen, seen.seen) == (since, ever, len(hits))


def test_match_state_keeps_a_few_lines_and_the_first_groups_then_starts_over() -> None:
    state = MatchState(keep=2)
    for n in range(4):
        state.hit(f"line {n}", {"what": f"w{n}", "optional": None})
    taken = state.take()
    assert (taken.count, taken.evidence, taken.labels) == (4, ("line 0", "line 1"), {"what": "w0"})
    assert state.take().count == 0


def test_evidence_keeps_the_first_and_the_latest_lines() -> None:
    evidence = Evidence(keep=2)
    for n in range(5):
        evidence.add(str(n))
    assert (evidence.lines(True), evidence.lines(False)) == (("0", "1"), ("3", "4"))
