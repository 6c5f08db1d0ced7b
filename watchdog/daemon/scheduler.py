"""The daemon's schedule: APScheduler 3 behind a small wrapper (and a null one for tests).

One job per check, id ``check:NAME``, ``replace_existing`` so a reload swaps it
in place. Jobs all call one callback with the check's name: no closures, so a
reload never runs a stale check object.

* **First runs are spread over the interval** by a stable hash of the name:
  jobs added in a loop otherwise all fire at the same instant (1,000 such jobs
  ran up to 150 ms late here), and the spread survives a reload unchanged.
* ``max_instances=1`` + ``coalesce``: a check still running when it is due
  again is skipped, and the skip is counted (``overruns``), never queued.
* ``misfire_grace_time`` is one interval: a run late by more is dropped.
* **Lateness is measured** on every run (start time against the trigger's
  grid) so `/metrics` and the benchmark can show p99 start lateness.
* Running jobs are shielded from cancellation; ``stop()`` waits for them
  (within a grace period) before ``shutdown()``. Job errors go to the
  daemon's own ``on_error``, never to APScheduler's logger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from watchdog.durations import format_duration

log = logging.getLogger("watchdog.scheduler")

RunCallback = Callable[[str], Awaitable[None]]
ErrorCallback = Callable[[str, BaseException], None]


def first_run_offset(name: str, interval: float) -> float:
    """Where in ``[0, interval)`` a job's first run falls: stable per name, spread evenly."""
    return (zlib.crc32(name.encode()) / 2**32) * interval


@dataclass
class JobStats:
    runs: int = 0
    overruns: int = 0
    missed: int = 0
    last_lateness_s: float = 0.0
    lateness: list[float] = field(default_factory=list)  # bounded ring, see _note_lateness

    def note_lateness(self, seconds: float, keep: int = 512) -> None:
        self.last_lateness_s = seconds
        self.lateness.append(seconds)
        if len(self.lateness) > keep:
            del self.lateness[: len(self.lateness) - keep]


class Scheduler:
    """Owns the AsyncIOScheduler. ``add(name, interval)``, ``remove(name)``, ``start()``, ``stop()``."""

    def __init__(self, run: RunCallback, *, on_error: ErrorCallback | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._run = run
        self._on_error = on_error or (lambda name, exc: log.error("check %s failed: %r", name, exc))
        self._clock = clock  # where lateness is measured; APScheduler itself keeps real time
        self._sched = None  # created in start(): it needs the running loop
        self._jobs: dict[str, tuple[float, float]] = {}  # name -> (interval, first run unix time)
        self._running: set[asyncio.Task[None]] = set()
        self.stats: dict[str, JobStats] = {}
        self.last_tick = clock()

    def add(self, name: str, interval: float, *, now: float | None = None) -> None:
        """Schedule (or re-schedule) a check; the first run lands at its spread offset."""
        start = (self._clock() if now is None else now) + first_run_offset(name, interval)
        previous = self._jobs.get(name)
        if previous and previous[0] == interval:
            start = previous[1]  # a reload keeps the phase, so no burst and no gap
        self._jobs[name] = (interval, start)
        self.stats.setdefault(name, JobStats())
        if self._sched is not None:
            self._add_job(name, interval, start)

    def remove(self, name: str) -> None:
        self._jobs.pop(name, None)
        if self._sched is not None and self._sched.get_job(f"check:{name}"):
            self._sched.remove_job(f"check:{name}")

    def names(self) -> list[str]:
        return list(self._jobs)

    async def start(self) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._sched = AsyncIOScheduler(
            event_loop=asyncio.get_running_loop(), timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self._sched.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        for name, (interval, start) in self._jobs.items():
            self._add_job(name, interval, start)
        self._sched.start()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop scheduling, wait up to ``grace`` seconds for running checks, cancel what still
        runs (said in one line, never a traceback), then shut down."""
        if self._sched is None:
            return
        self._sched.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        late = list(self._running)
        if late:
            log.warning("stopping with %d check(s) still running after the %s grace: cancelled",
                        len(late), format_duration(grace))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._sched.shutdown(wait=False)
        self._sched = None

    @property
    def running(self) -> int:
        return len(self._running)

    def _add_job(self, name: str, interval: float, start: float) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        first = datetime.fromtimestamp(start, UTC)
        self._sched.add_job(  # type: ignore[union-attr]
            _job, IntervalTrigger(seconds=interval, start_date=first, timezone=UTC),
            args=[self, name], id=f"check:{name}", name=name, replace_existing=True,
            misfire_grace_time=max(1, int(interval)), next_run_time=first,
        )

    async def _execute(self, name: str) -> None:
        now = self._clock()
        self.last_tick = now
        interval, start = self._jobs.get(name, (0.0, now))
        stats = self.stats.setdefault(name, JobStats())
        stats.runs += 1
        if interval:
            stats.note_lateness(max(0.0, (now - start) % interval if now >= start else 0.0))
        task = asyncio.ensure_future(self._guarded(name))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        with contextlib.suppress(asyncio.CancelledError):
            # cancelling the job (APScheduler shutting down) never cancels a check half-way;
            # stop() decides about the check, and the job ends quietly
            await asyncio.shield(task)

    async def _guarded(self, name: str) -> None:
        try:
            await self._run(name)
        except asyncio.CancelledError:
            return  # cancelled by stop() after the grace period: said there, once
        except Exception as exc:  # the daemon's error path, not APScheduler's logger
            self._on_error(name, exc)

    def _on_event(self, event: Any) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES

        name = str(event.job_id).removeprefix("check:")
        stats = self.stats.setdefault(name, JobStats())
        if event.code == EVENT_JOB_MAX_INSTANCES:
            stats.overruns += 1
        else:
            stats.missed += 1


async def _job(scheduler: Scheduler, name: str) -> None:
    """The one static callback every job calls (APScheduler stores a reference, not a closure)."""
    await scheduler._execute(name)


class NullScheduler:
    """Records what would be scheduled; tests call ``fire(name)`` to run a check now."""

    def __init__(self, run: RunCallback, *, on_error: ErrorCallback | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._run = run
        self._clock = clock
        self.jobs: dict[str, float] = {}
        self.stats: dict[str, JobStats] = {}
        self.last_tick = clock()
        self.running = 0

    def add(self, name: str, interval: float, *, now: float | None = None) -> None:
        self.jobs[name] = interval
        self.stats.setdefault(name, JobStats())

    def remove(self, name: str) -> None:
        self.jobs.pop(name, None)

    def names(self) -> list[str]:
        return list(self.jobs)

    async def start(self) -> None:
        pass

    async def stop(self, grace: float = 10.0) -> None:
        pass

    async def fire(self, name: str) -> None:
        self.last_tick = self._clock()
        self.stats[name].runs += 1
        await self._run(name)
