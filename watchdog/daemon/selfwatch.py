"""Gathering what the daemon knows about itself into ``SelfFacts`` (``health.assess`` judges them).

``SelfWatch.observe()`` runs every housekeeping pass and does what needs a
side effect: it asks the store whether its file is still the one it opened
(``ResilientStore.verify``: a removed state directory is reopened and
reported), and compares the wall clock with the monotonic one to see a jump.
``SelfWatch.report(runtime)`` is cheap and pure enough to call for every
``/healthz``: it reads the board, the scheduler's last tick, broken channels,
failing sources and recent overruns, and returns ``assess()``'s report.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from watchdog.daemon.health import CLOCK_JUMP_S, HealthBoard, SelfFacts, SelfReport, assess, summary
from watchdog.model import Measurement

#: how far back overruns count toward an overload
OVERRUN_WINDOW_S = 300.0


class SelfWatch:
    """See the module docstring."""

    def __init__(self, board: HealthBoard, started_at: float, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.board = board
        self.started_at = started_at
        self.clock, self.monotonic = clock, monotonic
        self._last: tuple[float, float] | None = None  # (wall, monotonic) at the last pass
        self._runs: deque[tuple[float, int, int]] = deque()  # (monotonic, runs, skipped) per pass

    def observe(self, runtime: Any, store: Any) -> None:
        """Once per housekeeping pass: the store file, the clock, the overrun history."""
        now, mono = self.clock(), self.monotonic()
        problem = store.verify() if hasattr(store, "verify") else None
        if problem is not None:
            self.board.store_replaced = (now, problem)
        if self._last is not None:
            jump = (now - self._last[0]) - (mono - self._last[1])
            if abs(jump) > CLOCK_JUMP_S:
                self.board.clock_jump = (now, jump)
        self._last = (now, mono)
        self._note_runs(runtime, mono)

    def report(self, runtime: Any) -> SelfReport:
        """The daemon's problems now."""
        return assess(self.facts(runtime))

    def measurement(self, runtime: Any) -> Measurement:
        """What the ``watchdog`` check measures: the report's metrics, each problem in words."""
        report = self.report(runtime)
        return Measurement(dict(report.metrics), summary(report), tuple(p.text for p in report.problems))

    def facts(self, runtime: Any) -> SelfFacts:
        board = self.board
        scheduler = runtime.scheduler if runtime is not None else None
        checks = runtime.scheduled if runtime is not None else {}
        return SelfFacts(
            now=self.clock(), started_at=self.started_at, store_error=board.store_error,
            store_replaced=board.store_replaced, clock_jump=board.clock_jump,
            last_tick=scheduler.last_tick if scheduler is not None and checks else None,
            shortest_interval=min((c.config.interval for c in checks.values()), default=None),
            checks=len(checks),
            broken_channels=_broken_channels(runtime), failing_sources=_failing_sources(runtime),
            overrun_pct=self._overrun_pct(),
        )

    def _note_runs(self, runtime: Any, mono: float) -> None:
        stats = list(runtime.scheduler.stats.values()) if runtime is not None else []
        runs = sum(s.runs for s in stats)
        skipped = sum(s.overruns + s.missed for s in stats)
        self._runs.append((mono, runs, skipped))
        while self._runs and mono - self._runs[0][0] > OVERRUN_WINDOW_S:
            self._runs.popleft()

    def _overrun_pct(self) -> float | None:
        if len(self._runs) < 2:
            return None
        (_, runs0, skipped0), (_, runs1, skipped1) = self._runs[0], self._runs[-1]
        due = (runs1 - runs0) + (skipped1 - skipped0)
        if due <= 0 or runs1 < runs0:  # nothing due, or a reload started a new schedule
            return None
        return (skipped1 - skipped0) / due * 100


def _broken_channels(runtime: Any) -> dict[str, str]:
    if runtime is None:
        return {}
    return {name: ch.state.broken for name, ch in runtime.outbox.channels.items() if ch.state.broken}


def _failing_sources(runtime: Any) -> dict[str, str]:
    if runtime is None or not runtime.context.logs_in_use:
        return {}
    return {name: s.last_error or "no output" for name, s in runtime.context.logs.source_status().items()
            if s.failing}


SELF_CHECK = "watchdog"


def self_check_table(config: Any) -> tuple[str, Any] | None:
    """The self check's name and config model: the ``[checks.NAME]`` with ``type = "watchdog"``
    when there is one (None when it is disabled: the user's choice), else ``watchdog`` (or
    ``watchdog-self`` when that name is taken) with the defaults and ``after = 1`` (each of
    its problems is already held for long enough to mean something)."""
    from watchdog.checks.self_watch import SelfCheckConfig

    for name, check in config.checks.items():
        if check.type == SELF_CHECK:
            return (name, check) if check.enabled else None
    name = SELF_CHECK if SELF_CHECK not in config.checks else f"{SELF_CHECK}-self"
    defaults = config.settings.defaults
    table = {"type": SELF_CHECK, "interval": defaults.interval, "timeout": defaults.timeout,
             "alert": {"after": 1, "runbook": "watchdog-self-check"}}  # linked when the runbooks have it
    return name, SelfCheckConfig.model_validate(table)
