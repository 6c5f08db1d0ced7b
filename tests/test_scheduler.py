"""The daemon's schedule: spread first runs, lateness on the trigger's grid, overruns, a real run."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from watchdog.daemon.scheduler import JobStats, NullScheduler, Scheduler, first_run_offset


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def nothing(name: str) -> None:
    return None


def test_first_runs_are_spread_over_the_interval_and_stable_per_name() -> None:
    offsets = [first_run_offset(f"check-{i}", 10.0) for i in range(1000)]
    assert all(0 <= o < 10.0 for o in offsets)
    assert first_run_offset("health", 10.0) == first_run_offset("health", 10.0)
    per_second = [sum(1 for o in offsets if s <= o < s + 1) for s in range(10)]
    assert min(per_second) > 60  # no second of the interval gets a burst or a gap (1000/10 = 100 each)


def test_add_places_the_first_run_at_the_spread_offset_from_the_clock() -> None:
    clock = FakeClock()
    scheduler = Scheduler(nothing, clock=clock)
    scheduler.add("health", 30.0)
    assert scheduler._jobs["health"] == (30.0, clock.now + first_run_offset("health", 30.0))


def test_re_adding_a_check_with_the_same_interval_keeps_its_phase() -> None:
    clock = FakeClock()
    scheduler = Scheduler(nothing, clock=clock)
    scheduler.add("health", 30.0)
    first = scheduler._jobs["health"][1]
    clock.now += 7.5
    scheduler.add("health", 30.0)
    assert scheduler._jobs["health"][1] == first
    scheduler.add("health", 60.0)  # a new interval: a new phase
    assert scheduler._jobs["health"][1] == clock.now + first_run_offset("health", 60.0)


@pytest.mark.parametrize(("after_start", "lateness"), [(0.0, 0.0), (0.004, 0.004), (30.02, 0.02), (59.5, 29.5)])
async def test_lateness_is_measured_against_the_triggers_grid(after_start: float, lateness: float) -> None:
    clock = FakeClock()
    scheduler = Scheduler(nothing, clock=clock)
    scheduler.add("health", 30.0, now=clock.now)
    start = scheduler._jobs["health"][1]
    clock.now = start + after_start
    await scheduler._execute("health")
    stats = scheduler.stats["health"]
    assert (stats.runs, round(stats.last_lateness_s, 6), scheduler.last_tick) == (1, lateness, clock.now)


def test_lateness_keeps_a_bounded_ring_of_recent_runs() -> None:
    stats = JobStats()
    for i in range(600):
        stats.note_lateness(i / 1000, keep=512)
    assert (len(stats.lateness), stats.lateness[0], stats.last_lateness_s) == (512, 0.088, 0.599)


def test_skipped_and_missed_runs_are_counted_per_check() -> None:
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    scheduler = Scheduler(nothing)
    for code in (EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED):
        scheduler._on_event(SimpleNamespace(job_id="check:health", code=code))
    assert (scheduler.stats["health"].overruns, scheduler.stats["health"].missed) == (2, 1)


async def test_a_job_error_goes_to_the_daemons_error_path() -> None:
    errors: list[tuple[str, str]] = []

    async def broken(name: str) -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(broken, on_error=lambda name, exc: errors.append((name, str(exc))))
    scheduler.add("health", 30.0)
    await scheduler._execute("health")
    assert errors == [("health", "boom")]


async def test_the_real_scheduler_runs_each_check_on_its_interval_and_stops_cleanly() -> None:
    runs: list[str] = []
    done = asyncio.Event()

    async def run(name: str) -> None:
        runs.append(name)
        if runs.count("fast") >= 3:
            done.set()

    scheduler = Scheduler(run)
    scheduler.add("fast", 0.05)
    await scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        await scheduler.stop(grace=1.0)
    assert runs.count("fast") >= 3
    assert (scheduler.stats["fast"].runs, scheduler.running, scheduler._sched) == (len(runs), 0, None)


async def test_stop_waits_for_a_running_check_within_the_grace_period() -> None:
    finished = asyncio.Event()
    started = asyncio.Event()

    async def slow(name: str) -> None:
        started.set()
        await asyncio.sleep(0.1)
        finished.set()

    scheduler = Scheduler(slow)
    scheduler.add("slow", 0.05)
    await scheduler.start()
    await asyncio.wait_for(started.wait(), timeout=10)
    await scheduler.stop(grace=5.0)
    assert finished.is_set()


async def test_the_null_scheduler_records_jobs_and_fires_on_demand() -> None:
    fired: list[str] = []

    async def run(name: str) -> None:
        fired.append(name)

    clock = FakeClock()
    scheduler = NullScheduler(run, clock=clock)
    scheduler.add("health", 30.0)
    clock.now += 5
    await scheduler.fire("health")
    assert (scheduler.jobs, fired, scheduler.stats["health"].runs, scheduler.last_tick) == (
        {"health": 30.0}, ["health"], 1, clock.now)
