"""``log-latency``: time between a start line and an end line joined by a named group.

    [checks.signal-latency]
    type = "log-latency"
    source = "railway"
    start = 'Broadcasting trade:executed for user (?P<user>\\S+)'
    end = 'Emitted signal quality to user (?P<user>\\S+)'
    key = "user"
    window = "15m"
    timeout = "30s"
    critical = ["p95_ms > 500"]

Metrics ``p50_ms p95_ms p99_ms max_ms avg_ms`` over the pairs completed in the
window (once there are ``min_samples`` of them, 10: two pairs make no p95),
``pairs``, ``lost`` (starts with no end within ``timeout``, or dropped past
``max_pending``) and ``lost_pct``, which is what to alert on when pairs stop
arriving (``critical = ["lost_pct > 5"]``). ``timeout`` is the pairing timeout here
(the check itself never waits). Ends read before their start still pair.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, model_validator

from watchdog.checks.log_base import LogCheck, Regex, WindowedConfig, pct, read_span
from watchdog.logs.hub import Handler, ReadView
from watchdog.logs.matcher import PatternSpec
from watchdog.logs.pairs import PairTracker
from watchdog.model import Measurement
from watchdog.thresholds import format_number
from watchdog.types import PositiveDuration


class LogLatencyConfig(WindowedConfig):
    start: Regex
    end: Regex
    #: the named group both patterns capture (user id, trade id)
    key: str
    window: PositiveDuration = 900.0
    #: starts waiting for their end at most (the oldest beyond are counted lost)
    max_pending: int = Field(default=10_000, ge=1, le=1_000_000)
    #: fewer pairs than this: the latency figures are not judged (2 pairs make no p95);
    #: ``lost_pct`` still is: alert on it when pairs stop arriving
    min_samples: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _key_in_both(self) -> LogLatencyConfig:
        for name in ("start", "end"):
            if self.key not in re.compile(getattr(self, name)).groupindex:
                raise ValueError(f"{name} has no named group (?P<{self.key}>...) for key = {self.key!r}")
        return self


class LogLatencyCheck(LogCheck[LogLatencyConfig]):
    type: ClassVar[str] = "log-latency"
    METRICS: ClassVar[frozenset[str]] = frozenset(
        {"p50_ms", "p95_ms", "p99_ms", "max_ms", "avg_ms", "pairs", "lost", "lost_pct"}
    )
    MAIN_METRIC: ClassVar[str | None] = "p95_ms"

    def setup(self) -> None:
        c = self.config
        self.tracker = PairTracker(timeout=c.timeout, window=c.window, max_pending=c.max_pending)

    def patterns(self) -> list[tuple[PatternSpec, Handler]]:
        return [(self.spec(self.config.start), self._start), (self.spec(self.config.end), self._end)]

    def _start(self, t: float, line: str, found: re.Match[str]) -> None:
        key = found.group(self.config.key)
        if key is not None:
            self.tracker.start(key, t)

    def _end(self, t: float, line: str, found: re.Match[str]) -> None:
        key = found.group(self.config.key)
        if key is not None:
            self.tracker.end(key, t)

    def judge_view(self, view: ReadView) -> Measurement:
        seen = self.tracker.snapshot(view.now, view.final)
        span = read_span(view, self.config.window)
        waiting = f", {seen.pending} waiting" if seen.pending else ""
        lost = f"{seen.lost} lost ({pct(seen.lost_pct)}){waiting}"
        metrics = seen.metrics()
        if not seen.pairs:
            return Measurement(metrics, f"no pairs {span}; {lost}")
        if seen.pairs < self.config.min_samples:
            kept = {k: v for k, v in metrics.items() if k in ("pairs", "lost", "lost_pct")}
            return Measurement(kept, f"not enough data ({seen.pairs} of {self.config.min_samples} pairs) {span}; "
                                     f"{lost}")
        p95 = format_number(round(metrics["p95_ms"], 1))
        return Measurement(metrics, f"p95 {p95} ms over {seen.pairs} pairs {span}; {lost}")
