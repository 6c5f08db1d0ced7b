"""The daemon watching itself: what could make it blind, as facts, problems and numbers.

A monitor's worst failure is the silent one. The parts of the daemon report
what happened to them on the ``HealthBoard`` (the store refused a write, its
file was removed and reopened, the clock jumped); every housekeeping pass
gathers the rest (the scheduler's last tick, broken channels, failing log
sources, overruns) into ``SelfFacts``. ``assess()`` is pure: facts in, a
``SelfReport`` out, whose problems

* turn ``/healthz`` 503 with their reasons (any CRITICAL one),
* are what the built-in self check (``type = "watchdog"``) measures, so they
  alert through the configured channels like any check (thresholds, ``after``,
  silences apply),
* make the heartbeat call ``URL/fail`` instead of ``URL``.

An event that is over at once (a replaced store, a clock jump) stays a problem
for ``HOLD_S``, long enough to be alerted on and seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from watchdog.status import Status

#: the scheduler counts as stalled after this many of the shortest interval without a run
STALL_INTERVALS = 3
STALL_MIN_S = 60.0
HOLD_S = 600.0
#: a wall clock that moved this much more (or less) than the monotonic clock jumped
CLOCK_JUMP_S = 5.0
#: share of runs skipped or late over the recent runs that is an overload
OVERRUN_PCT = 10.0


@dataclass
class HealthBoard:
    """What the parts of the daemon report about themselves."""

    store_error: str = ""
    store_replaced: tuple[float, str] | None = None  # when, what happened
    clock_jump: tuple[float, float] | None = None  # when, by how many seconds

    def store_failed(self, error: str) -> None:
        self.store_error = error

    def store_ok(self) -> None:
        self.store_error = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the daemon: the self check's metric that shows it, its level, why."""

    metric: str
    level: Status
    text: str


@dataclass(frozen=True, slots=True)
class SelfFacts:
    now: float
    started_at: float
    store_error: str = ""
    store_replaced: tuple[float, str] | None = None
    clock_jump: tuple[float, float] | None = None
    last_tick: float | None = None
    shortest_interval: float | None = None
    checks: int = 0
    broken_channels: Mapping[str, str] = field(default_factory=dict)
    failing_sources: Mapping[str, str] = field(default_factory=dict)
    overrun_pct: float | None = None


@dataclass(frozen=True, slots=True)
class SelfReport:
    problems: tuple[Problem, ...]
    metrics: Mapping[str, float]
    checks: int = 0

    @property
    def healthy(self) -> bool:
        """No CRITICAL problem (an overload alone is a warning: /healthz stays 200)."""
        return not any(p.level >= Status.CRITICAL for p in self.problems)

    def healthz(self) -> tuple[bool, str]:
        if self.healthy:
            return True, f"ok: {self.checks} checks"
        return False, "; ".join(p.text for p in self.problems if p.level >= Status.CRITICAL)


def assess(f: SelfFacts) -> SelfReport:
    """The problems the facts show, and the self check's metrics (pure)."""
    stalled = _stalled_for(f)
    replaced = _held(f.store_replaced, f.now)
    jumped = _held(f.clock_jump, f.now)
    metrics = {
        "store_errors": 1.0 if f.store_error else 0.0,
        "store_replaced": 1.0 if replaced else 0.0,
        "scheduler_stalled": 1.0 if stalled else 0.0,
        "channels_broken": float(len(f.broken_channels)),
        "sources_failing": float(len(f.failing_sources)),
        "clock_jump_s": abs(f.clock_jump[1]) if jumped and f.clock_jump else 0.0,
        "overrun_pct": f.overrun_pct or 0.0,
    }
    return SelfReport(tuple(_problems(f, stalled, replaced, jumped)), metrics, f.checks)


def _problems(f: SelfFacts, stalled: float | None, replaced: bool, jumped: bool) -> list[Problem]:
    crit = Status.CRITICAL
    out = []
    if f.store_error:
        out.append(Problem("store_errors", crit, f"store unwritable: {f.store_error}"))
    if replaced and f.store_replaced:
        out.append(Problem("store_replaced", crit, f"state directory: {f.store_replaced[1]}; a new store was "
                                                   "opened there (what was written before is lost)"))
    if stalled is not None:
        out.append(Problem("scheduler_stalled", crit, f"scheduler stalled: no check started for {stalled:.0f}s"))
    out += [Problem("channels_broken", crit, f"channel {name} is broken: {why}")
            for name, why in sorted(f.broken_channels.items())]
    out += [Problem("sources_failing", crit, f"log source {name} is failing: {why}")
            for name, why in sorted(f.failing_sources.items())]
    if jumped and f.clock_jump:
        out.append(Problem("clock_jump_s", crit, f"the wall clock jumped {f.clock_jump[1]:+.0f}s: schedules, "
                                                 "windows and reports around it may be off"))
    if f.overrun_pct is not None and f.overrun_pct > OVERRUN_PCT:
        out.append(Problem("overrun_pct", Status.WARNING, f"overloaded: {f.overrun_pct:.0f}% of recent runs "
                                                          "were skipped or started late"))
    return out


def _stalled_for(f: SelfFacts) -> float | None:
    """Seconds without a check starting, when that is past the limit; else None."""
    if f.last_tick is None or f.shortest_interval is None:
        return None
    limit = max(STALL_INTERVALS * f.shortest_interval, STALL_MIN_S)
    stalled = f.now - f.last_tick
    return stalled if stalled > limit and f.now - f.started_at > limit else None


def _held(event: tuple[float, object] | None, now: float) -> bool:
    return event is not None and now - event[0] < HOLD_S


def summary(report: SelfReport) -> str:
    """The self check's one line: every problem, or what is fine."""
    if report.problems:
        return "; ".join(p.text for p in report.problems)
    return f"watching {report.checks} checks; store writable, scheduler on time, channels and sources healthy"
