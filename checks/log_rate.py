"""``log-rate``: matches in a sliding window; metrics ``count`` and ``per_min``.

    [checks.ws-drops]
    type = "log-rate"
    source = "railway"
    match = 'WebSocket disconnected'
    window = "1m"
    critical = ["count > 5"]

Live, ``count`` is the window ending now. A finished one-off read reports its
busiest window ("was there a minute with more than 5 disconnects?"), or, cut
before its window was over, what it read (``3 matches in 10s of a 1m window``); a file
read from its start without ``timestamp_*`` is read in about a second, so its
busiest window holds every match.
"""

from __future__ import annotations

from typing import ClassVar

from watchdog.checks.log_base import LogCheck, Regex, WindowedConfig, cut_short
from watchdog.durations import format_duration
from watchdog.logs.hub import ReadView
from watchdog.logs.windows import Evidence, RateState
from watchdog.model import Measurement
from watchdog.thresholds import format_number


class LogRateConfig(WindowedConfig):
    match: Regex


class LogRateCheck(LogCheck[LogRateConfig]):
    type: ClassVar[str] = "log-rate"
    WINDOW_FIRST: ClassVar[bool] = True
    METRICS: ClassVar[frozenset[str]] = frozenset({"count", "per_min"})
    MAIN_METRIC: ClassVar[str | None] = "count"

    def setup(self) -> None:
        self.state = RateState(self.config.window)
        self.evidence = Evidence()

    def judge_view(self, view: ReadView) -> Measurement:
        counts = self.state.snapshot(view.now, view.final)
        window = format_duration(self.config.window)
        noun = "match" if counts.count == 1 else "matches"
        rate = f"{format_number(round(counts.per_min, 2))}/min"
        cut = cut_short(view, self.config.window)
        if not view.final:
            summary = f"{counts.count} {noun} in {window} ({rate})"
        elif cut:
            summary = f"{counts.count} {noun} in {cut} ({view.status.lines} lines read)"
        elif counts.count == counts.all:
            summary = f"{counts.count} {noun} in {view.status.lines} lines read ({rate} over {window})"
        else:
            summary = f"{counts.count} {noun} in the busiest {window} ({counts.all} in {view.status.lines} lines read)"
        return Measurement({"count": float(counts.count), "per_min": counts.per_min}, summary,
                           self.evidence.lines(view.final))
