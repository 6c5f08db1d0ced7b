"""``log-match``: any line matching the pattern is a result at the configured severity.

    [checks.app-alerts]
    type = "log-match"
    source = "railway"
    match = '🚨 ALERT: (?P<what>.*)'
    severity = "critical"

The first matching lines (redacted by ``run()``) are the evidence, the named
groups of the first one become labels. The kind has the ``PushesResults``
capability: in the daemon every matching line is a result of its own, pushed
as it is read (``push_results``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, ClassVar

from pydantic import Field

from watchdog.checks.log_base import LogCheck, Regex, WindowedConfig, read_span
from watchdog.logs.hub import LogMatch, ReadView
from watchdog.logs.windows import Lines, Matches, MatchState
from watchdog.model import Measurement, Result
from watchdog.status import Status
from watchdog.text import clip
from watchdog.types import Severity

class LogMatchConfig(WindowedConfig):
    match: Regex
    severity: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL)] = Status.CRITICAL
    #: matching lines kept as evidence per result
    evidence: int = Field(default=5, ge=1, le=50)


class LogMatchCheck(LogCheck[LogMatchConfig]):
    type: ClassVar[str] = "log-match"
    METRICS: ClassVar[frozenset[str]] = frozenset({"matches"})
    MAIN_METRIC: ClassVar[str | None] = "matches"

    def setup(self) -> None:
        self.state = MatchState(keep=self.config.evidence)

    def _hits(self, t: float, lines: Lines) -> None:
        self.state.hits(lines)

    def judge_view(self, view: ReadView) -> Measurement:
        seen = self.state.take()
        span = read_span(view, self.config.window) if view.final else "since the last run"
        if not seen.count:
            return Measurement({"matches": 0}, f"no line matched {span}")
        return self._measurement(seen, span)

    def _measurement(self, seen: Matches, span: str) -> Measurement:
        plural = "line" if seen.count == 1 else "lines"
        first = ", ".join(f"{k}={v}" for k, v in seen.labels.items()) or clip(seen.evidence[0], 120, marker="...")
        summary = f"{seen.count} matching {plural} {span} (first: {first})"
        return Measurement({"matches": seen.count}, summary, seen.evidence, seen.labels,
                           self.config.severity)

    def push_results(self, push: Callable[[Result], None]) -> None:
        """Every matching line, as it is read, becomes ``result_for(line)`` (the daemon's per-match alert)."""
        self.context.logs.subscribe(self.name, lambda match: push(self.result_for(match)), min_interval=0)

    def result_for(self, match: LogMatch) -> Result:
        """One Result for one matching line (the daemon's per-match alert), redacted like run()'s."""
        seen = Matches(1, (match.line,), dict(match.groups))
        more = f", {match.suppressed} more suppressed" if match.suppressed else ""
        measurement = self._measurement(seen, f"in source {match.source}{more}")
        return self._judged(measurement, match.time, time.perf_counter())
