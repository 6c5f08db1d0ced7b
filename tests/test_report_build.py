"""Checkpoint reports built from the scripted 24-hour history (tests/report_history.py).

Every figure is asserted, on both store engines. The history: a deploy at 07:10:30
UTC, one result a minute per check, an incident from 7h00m to 7h20m (health
CRITICAL at 2500 ms, ws-drops at 7), heap growing 0.5 MB/h.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.report_history import H, INFOS, SPEC, START, fill, window
from watchdog.reports.build import build_checkpoint, section
from watchdog.reports.model import BaselineRow, CheckpointReport, Incident, Summary, Verdict
from watchdog.stats import percentile
from watchdog.status import Status
from watchdog.store.base import Store
from watchdog.store.memory import MemoryStore
from watchdog.store.sqlite import SqliteStore

DAY_SPAN = "(2025-10-13 07:10–2025-10-14 07:10 UTC)"
INCIDENT = Incident("health", "CRITICAL", START + 7 * H, START + 7 * H + 1200, 1200.0, "response_ms = 2500 (> 2000)")


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    engine: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path_factory.mktemp("state"))
    fill(engine)
    yield engine
    engine.close()


def report(store: Store, hours: float) -> CheckpointReport:
    return build_checkpoint(store, window(), INFOS, checkpoint_s=hours * H, now=START + hours * H + 30, spec=SPEC)


def statuses(r: CheckpointReport) -> list[str]:
    return [c.status for c in r.criteria]


def figures(r: CheckpointReport, check: str) -> list[tuple[object, ...]]:
    sec = next(s for s in r.checks if s.check == check)
    return [(s.results, s.ok, s.availability_pct, s.p50, s.p95, s.p99, s.trend) for s in sec.segments]


def test_6h_checkpoint_everything_still_monitoring(store: Store) -> None:
    r = report(store, 6)
    assert (r.label, r.index, r.count, r.final, r.status) == ("6h", 1, 4, False, "Active monitoring")
    assert r.summary == Summary(checks=4, results=1440, failures=0, notifications_sent=0, notifications_failed=0,
                                notifications_pending=0, incidents=0, alerts=0, restarts=0)
    assert [(c.status, c.evidence) for c in r.criteria] == [
        ("MONITORING", "p95_ms max 280 ms over 360 results of signal-latency (07:10–13:10 UTC)"),
        ("MONITORING", "0 critical alerts (07:10–13:10 UTC)"),
        ("MONITORING", "availability 100% (360 of 360 results OK) of health (07:10–13:10 UTC)"),
        ("MONITORING", "heap_used_mb growth_per_h +0.5 MB/h over 360 results of health (07:10–13:10 UTC)"),
        ("MONITORING", "0 restarts seen (07:10–13:10 UTC)"),
    ]
    assert figures(r, "health") == [(360, 360, 100.0, 145.0, 190.0, 190.0, "")]
    assert figures(r, "redis") == [(360, 360, 100.0, 3.0, 4.0, 4.0, "")]
    assert [(e.kind, e.message) for e in r.events] == [("deploy", "uptime_s went down from 1d to 3m33s")]
    assert r.incidents == ()
    assert r.changes == ("first checkpoint: the figures above are the baseline",)
    assert (r.next_label, r.next_at, r.verdict) == ("12h", START + 12 * H, None)
    assert r.upcoming == (("12h", START + 12 * H), ("18h", START + 18 * H), ("24h", START + 24 * H))
    assert r.baseline == (
        BaselineRow("health", START, "OK", "200 OK", (("response_ms", 100.0), ("heap_used_mb", 80.0),
                                                      ("status_code", 200.0), ("uptime_s", 213.0))),
        BaselineRow("redis", START, "OK", "PONG", (("latency_ms", 2.0), ("used_memory_mb", 10.0))),
        BaselineRow("signal-latency", START, "OK", "", (("p95_ms", 200.0), ("pairs", 3.0))),
        BaselineRow("ws-drops", START, "OK", "", (("count", 0.0), ("per_min", 0.0))),
    )
    # at 6h: the evidence of the last result before the checkpoint, none from the future (24h)
    assert [p.evidence for p in r.log_patterns] == [
        ("📡 Broadcasting trade:executed for user u359", "📡 Emitted signal quality to user u359 for trade t359"), ()]


def test_12h_checkpoint_sees_the_incident(store: Store) -> None:
    r = report(store, 12)
    assert r.summary == Summary(checks=4, results=2880, failures=40, notifications_sent=2, notifications_failed=1,
                                notifications_pending=0, incidents=1, alerts=1, restarts=0)
    assert r.incidents == (INCIDENT,)
    assert statuses(r) == ["MONITORING", "FAIL", "MONITORING", "MONITORING", "MONITORING"]
    assert r.criteria[1].evidence == "1 critical alert: health at 14:10 UTC (07:10–19:10 UTC)"
    assert r.criteria[2].evidence == "availability 97.22% (700 of 720 results OK) of health (07:10–19:10 UTC)"
    assert figures(r, "health") == [
        (360, 360, 100.0, 145.0, 190.0, 190.0, ""),
        (360, 340, 100 * 340 / 360, 150.0, 2500.0, 2500.0, "worse"),
    ]
    assert figures(r, "ws-drops")[1] == (360, 340, 100 * 340 / 360, 0.0, 7.0, 7.0, "worse")
    assert r.changes == (
        'criterion "No critical errors in first 24 hours": MONITORING → FAIL '
        "(1 critical alert: health at 14:10 UTC (07:10–19:10 UTC))",
        "new incident: health CRITICAL from 14:10 UTC, resolved at 14:30 UTC after 20m",
        "health: availability 100% → 94.44%",
        "health: response_ms p95 190 ms → 2500 ms (worse)",
        "signal-latency: p95_ms p95 280 ms → 450 ms (worse)",
        "ws-drops: availability 100% → 94.44%",
        "ws-drops: count p95 0 → 7 (worse)",
    )


def test_18h_checkpoint_recovers(store: Store) -> None:
    r = report(store, 18)
    assert [s[-1] for s in figures(r, "health")] == ["", "worse", "better"]
    assert r.criteria[2].evidence == ("availability 98.15% (1,060 of 1,080 results OK) of health "
                                      "(2025-10-13 07:10–2025-10-14 01:10 UTC)")
    assert r.changes == (
        "health: response_ms p95 2500 ms → 190 ms (better)",
        "signal-latency: p95_ms p95 450 ms → 280 ms (better)",
        "ws-drops: count p95 7 → 0 (better)",
    )


def test_24h_checkpoint_gives_the_verdict(store: Store) -> None:
    r = report(store, 24)
    assert (r.label, r.index, r.final, r.status, r.next_at) == ("24h", 4, True, "Ended", None)
    assert statuses(r) == ["PASS", "FAIL", "PASS", "PASS", "PASS"]
    assert [c.evidence for c in r.criteria] == [
        f"p95_ms max 450 ms over 1,440 results of signal-latency {DAY_SPAN}",
        f"1 critical alert: health at 14:10 UTC {DAY_SPAN}",
        f"availability 98.61% (1,420 of 1,440 results OK) of health {DAY_SPAN}",
        f"heap_used_mb growth_per_h +0.5 MB/h over 1,440 results of health {DAY_SPAN}",
        f"0 restarts seen {DAY_SPAN}",
    ]
    assert r.verdict == Verdict("NOT COMPLETE", (
        f"No critical errors in first 24 hours: 1 critical alert: health at 14:10 UTC {DAY_SPAN}",))
    total = next(s for s in r.checks if s.check == "health").total
    assert (total.results, total.ok, total.p50, total.p95, total.p99, total.max) == (1440, 1420, 150.0, 190.0,
                                                                                    2500.0, 2500.0)
    assert r.summary.results == 5760 and r.summary.failures == 40


def test_memory_growth_and_log_patterns(store: Store) -> None:
    r = report(store, 24)
    heap, redis_mem = r.memory
    assert (heap.check, heap.metric, heap.samples, heap.first, heap.min, heap.assessment) == (
        "health", "heap_used_mb", 1440, 80.0, 80.0, "growing")
    assert heap.last == heap.max == pytest.approx(80 + 0.5 * 1439 / 60)
    assert heap.growth_per_h == pytest.approx(0.5, abs=1e-9)
    assert (redis_mem.metric, redis_mem.growth_per_h, redis_mem.assessment) == ("used_memory_mb", 0.0, "steady")
    assert [(p.check, p.kind, p.results, p.breaches, p.peak, p.last, p.evidence) for p in r.log_patterns] == [
        ("signal-latency", "log-latency", 1440, 0, 450.0, 280.0,
         ("📡 Broadcasting trade:executed for user u1439", "📡 Emitted signal quality to user u1439 for trade t1439")),
        ("ws-drops", "log-rate", 1440, 20, 7.0, 0.0, ()),
    ]
    # at 6h the heap grew only 3 MB, but 0.5 MB/h is 12 MB a day on about 81.5: growing, as at 24h
    assert report(store, 6).memory[0].assessment == "growing"


def test_a_clean_day_is_complete(tmp_path: Path) -> None:
    clean = fill(MemoryStore(), incident=False)
    r = build_checkpoint(clean, window(), INFOS, checkpoint_s=24 * H, now=START + 24 * H, spec=SPEC)
    assert statuses(r) == ["PASS"] * 5
    assert r.verdict == Verdict("COMPLETE", ())
    assert r.incidents == () and r.summary.failures == 0


def test_interim_report_before_the_first_checkpoint() -> None:
    early = fill(MemoryStore(), hours=2)
    r = build_checkpoint(early, window(), INFOS, checkpoint_s=2 * H, now=START + 2 * H, spec=SPEC)
    assert (r.index, r.label, r.next_label, r.final) == (0, "2h", "6h", False)
    assert figures(r, "health") == [(120, 120, 100.0, 145.0, 190.0, 190.0, "")]


def test_no_data_yet_is_monitoring_not_a_failure() -> None:
    empty = MemoryStore()
    r = build_checkpoint(empty, window(), INFOS, checkpoint_s=6 * H, now=START + 6 * H, spec=SPEC)
    assert statuses(r) == ["MONITORING"] * 5
    assert r.criteria[0].evidence == "no p95_ms results of signal-latency yet (07:10–13:10 UTC)"
    assert r.checks == () and r.summary.results == 0


def test_every_segment_figure_is_traceable_to_the_stored_results(store: Store) -> None:
    """Recompute each figure from the raw results, the slow obvious way, and compare."""
    bounds = [START + h * H for h in (0, 6, 12, 18, 24)]
    for info in INFOS.values():
        built = section(store, info, bounds)
        for seg in built.segments:
            raw = list(store.results(info.name, seg.since, seg.until))
            values = sorted(r.metrics[info.metric] for r in raw if info.metric in r.metrics)  # type: ignore[index]
            assert seg.results == len(raw)
            assert seg.ok == sum(1 for r in raw if r.status is Status.OK)
            assert (seg.p50, seg.p95, seg.p99) == tuple(percentile(values, q) for q in (50, 95, 99))


def test_a_still_firing_alert_is_an_open_incident() -> None:
    from watchdog.store.base import Event

    s = fill(MemoryStore(), hours=7.1)  # fired at 7h00m, not resolved yet
    s.add_event(Event("alert.escalated", START + 7 * H + 60, "health", "", {"severity": 2}))
    r = build_checkpoint(s, window(), INFOS, checkpoint_s=7.1 * H, now=START + 7.1 * H, spec=SPEC)
    assert r.incidents == (Incident("health", "CRITICAL", START + 7 * H, None, 360.0, "response_ms = 2500 (> 2000)"),)
    assert r.summary.alerts == 2  # fired + escalated, both at critical
