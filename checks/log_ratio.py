"""``log-ratio``: matching lines over all lines (or over another pattern's matches) in a window.

    [checks.error-rate]
    type = "log-ratio"
    source = "railway"
    match = '(?i)\\berror\\b|failed'
    window = "5m"
    warning = ["ratio_pct > 1"]
    critical = ["ratio_pct > 5"]

Metrics ``ratio_pct``, ``matches``, ``total``; ``ratio_pct`` only once the
denominator holds ``min_samples`` lines (20) and, live, once a whole window was
read since the daemon started: before, the result says "not enough data" and
``ratio_pct`` rules do not trip; with ``of = 'REGEX'`` the total
counts that pattern's matches instead of every line. With ``field``, both
patterns see the JSON field's value (``of = "."``: lines that have the field). With no line at all there
is no ratio (thresholds on ``ratio_pct`` do not trip) and the summary says so.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from watchdog.checks.log_base import LogCheck, Regex, WindowedConfig, pct, read_span
from watchdog.logs.hub import ReadView
from watchdog.logs.routes import Batch, Handler
from watchdog.logs.matcher import PatternSpec
from watchdog.logs.windows import Evidence, Lines, RatioState
from watchdog.model import Measurement
from watchdog.types import PositiveDuration


class LogRatioConfig(WindowedConfig):
    match: Regex
    #: the denominator: lines matching this (default: every line)
    of: Regex | None = None
    window: PositiveDuration = 300.0
    #: fewer lines than this in the denominator: not judged (1 error in 19 lines is not 5 %)
    min_samples: int = Field(default=20, ge=1)


class LogRatioCheck(LogCheck[LogRatioConfig]):
    type: ClassVar[str] = "log-ratio"
    WINDOW_FIRST: ClassVar[bool] = True
    METRICS: ClassVar[frozenset[str]] = frozenset({"ratio_pct", "matches", "total"})
    MAIN_METRIC: ClassVar[str | None] = "ratio_pct"

    def setup(self) -> None:
        self.state = RatioState(self.config.window)
        self.evidence = Evidence()
        if self.config.of is None:
            self.on_lines = self.state.lines

    def patterns(self) -> list[tuple[PatternSpec, Handler]]:
        wanted = super().patterns()
        if self.config.of is not None:
            wanted.append((self.spec(self.config.of), Batch(self._of)))
        return wanted

    def _of(self, t: float, lines: Lines) -> None:
        self.state.lines(t, len(lines))

    def judge_view(self, view: ReadView) -> Measurement:
        ratio = self.state.snapshot(view.now, view.final)
        span = read_span(view, self.config.window)
        what = "lines" if self.config.of is None else "lines matching 'of'"
        metrics = {"matches": float(ratio.matches), "total": float(ratio.total)}
        if ratio.ratio_pct is None:
            return Measurement(metrics, f"no {what} {span}")
        if ratio.total < self.config.min_samples:
            return Measurement(metrics, f"not enough data ({ratio.total} of {self.config.min_samples} {what}) "
                                        f"{span}: {ratio.matches} matched", self.evidence.lines(view.final))
        metrics["ratio_pct"] = ratio.ratio_pct
        summary = f"{pct(ratio.ratio_pct)} of {what} matched ({ratio.matches} of {ratio.total}) {span}"
        return Measurement(metrics, summary, self.evidence.lines(view.final))
