"""Correlated start/end pairs: order, lost ends, early ends, the pending cap (pure)."""

from __future__ import annotations

import pytest

from watchdog.logs.pairs import KeyedFifo, PairTracker


def run(events: list[tuple[str, str, float]], now: float, *, final: bool = True, cap: int = 100,
        timeout: float = 30.0) -> PairTracker:
    tracker = PairTracker(timeout=timeout, window=900.0, max_pending=cap)
    for kind, key, t in events:
        (tracker.start if kind == "start" else tracker.end)(key, t)
    return tracker


@pytest.mark.parametrize(
    "events, samples, lost, pending",
    [
        ([("start", "a", 0.0), ("end", "a", 0.25)], [250.0], 0, 0),
        # interleaved users pair by key, not by order
        ([("start", "a", 0.0), ("start", "b", 0.1), ("end", "b", 0.3), ("end", "a", 0.5)], [200.0, 500.0], 0, 0),
        # two trades of one user pair first-in first-out
        ([("start", "a", 0.0), ("start", "a", 1.0), ("end", "a", 1.5), ("end", "a", 2.5)], [1500.0, 1500.0], 0, 0),
        # the end was read before its start (two replicas): still a pair
        ([("end", "a", 5.0), ("start", "a", 4.9)], [100.0], 0, 0),
        # a start whose end never comes is lost once the timeout passed...
        ([("start", "a", 0.0), ("start", "b", 10.0), ("end", "b", 39.5)], [29500.0], 1, 0),
        # an end after the timeout comes too late: its start is lost
        ([("start", "a", 0.0), ("end", "a", 30.5)], [], 1, 0),
        # ... and is still waiting before that
        ([("start", "a", 0.0), ("start", "b", 1.0), ("end", "b", 2.0)], [1000.0], 0, 1),
        # an end with no start is not a pair and not lost
        ([("end", "x", 1.0)], [], 0, 0),
    ],
)
def test_pairs(events: list[tuple[str, str, float]], samples: list[float], lost: int, pending: int) -> None:
    latency = run(events, now=events[-1][2]).snapshot(events[-1][2], final=True)
    assert ([round(s, 3) for s in latency.samples_ms], latency.lost, latency.pending) == (samples, lost, pending)


def test_pending_starts_are_capped_and_the_oldest_counted_lost() -> None:
    tracker = run([("start", f"u{i}", float(i) / 1000) for i in range(1000)], now=1.0, cap=100)
    latency = tracker.snapshot(1.0, final=True)
    assert (len(tracker.starts), latency.lost, latency.pending) == (100, 900, 100)
    tracker.end("u0", 1.0)  # dropped long ago
    tracker.end("u999", 1.0)
    assert tracker.snapshot(1.0, final=True).pairs == 1


def test_metrics_and_lost_pct() -> None:
    tracker = run([("start", "a", 0.0), ("end", "a", 0.1), ("start", "b", 0.0), ("start", "c", 0.0),
                   ("end", "c", 0.3)], now=0.3)
    metrics = tracker.snapshot(100.0, final=True).metrics()
    assert {k: round(v, 3) for k, v in metrics.items()} == {
        "p50_ms": 200.0, "p95_ms": 290.0, "p99_ms": 298.0, "max_ms": 300.0, "avg_ms": 200.0,
        "pairs": 2.0, "lost": 1.0, "lost_pct": 33.333,
    }


def test_live_snapshot_forgets_pairs_older_than_the_window() -> None:
    tracker = run([("start", "a", 0.0), ("end", "a", 1.0), ("start", "b", 950.0), ("end", "b", 950.5)], now=951.0)
    assert tracker.snapshot(951.0).samples_ms == [500.0]


def test_keyed_fifo_drops_the_oldest_overall() -> None:
    fifo = KeyedFifo(cap=2)
    assert fifo.push("a", 1.0) == [] and fifo.push("b", 2.0) == [] and fifo.push("a", 3.0) == [1.0]
    assert (fifo.pop("a"), fifo.pop("a"), fifo.pop("b"), len(fifo)) == (3.0, None, 2.0, 0)


def test_the_expiry_shortcut_changes_nothing_even_when_times_run_backwards() -> None:
    import math
    import random

    rnd = random.Random(4)
    fast, slow = (PairTracker(timeout=5, window=60, max_pending=50) for _ in range(2))
    t = 0.0
    for _ in range(5000):
        t += rnd.choice([0.0, 0.0, 0.3, 1.0, 7.0, -2.0])
        key, start = f"u{rnd.randint(0, 40)}", rnd.random() < 0.55
        slow.starts.floor = slow.ends.floor = -math.inf  # no shortcut: the full expiry every time
        for tracker in (fast, slow):
            (tracker.start if start else tracker.end)(key, t)
    assert fast.snapshot(t + 100, final=True) == slow.snapshot(t + 100, final=True)
