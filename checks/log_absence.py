"""``log-absence``: CRITICAL when no line matched for ``within``; metric ``since_last_s``.

    [checks.heartbeat]
    type = "log-absence"
    source = "railway"
    match = 'Heartbeat'
    within = "5m"

Heartbeats, "no trades for 30 min during market hours". The clock starts when
the source starts being read (or at the first line's own time with
``timestamp_*``). A one-off run reads for ``within``; an input that ended
(a file read from its start, stdin) with lines but no match is CRITICAL too.
"""

from __future__ import annotations

from typing import ClassVar

from watchdog.checks.log_base import LogCheck, LogCheckConfig, Regex
from watchdog.durations import format_duration
from watchdog.logs.hub import ReadView
from watchdog.logs.windows import AbsenceState, Evidence
from watchdog.model import Measurement
from watchdog.status import Status
from watchdog.types import PositiveDuration


class LogAbsenceConfig(LogCheckConfig):
    match: Regex
    within: PositiveDuration


class LogAbsenceCheck(LogCheck[LogAbsenceConfig]):
    type: ClassVar[str] = "log-absence"
    METRICS: ClassVar[frozenset[str]] = frozenset({"since_last_s", "seen"})
    MAIN_METRIC: ClassVar[str | None] = "since_last_s"

    @property
    def read_window(self) -> float:
        return self.config.within

    def setup(self) -> None:
        self.state = AbsenceState()
        self.evidence = Evidence(keep=1)
        self.on_lines = self.state.lines
        self.on_begin = self.state.begin

    def judge_view(self, view: ReadView) -> Measurement:
        seen = self.state.snapshot(view.now, view.final)
        within = format_duration(self.config.within)
        since = format_duration(seen.since_last_s)
        metrics = {"since_last_s": seen.since_last_s, "seen": float(seen.seen)}
        ended = view.final and view.status.state == "ended"
        if seen.ever_seen:
            late = seen.since_last_s >= self.config.within
            summary = f"last match {since} ago (within {within})"
            return Measurement(metrics, summary, self.evidence.lines(False), status=Status.CRITICAL if late else None)
        if seen.since_last_s >= self.config.within or (ended and seen.lines):
            return Measurement(metrics, f"no line matched in {since} ({seen.lines} lines read, within {within})",
                               status=Status.CRITICAL)
        return Measurement(metrics, f"no line matched yet in {since} ({seen.lines} lines read, within {within})")
