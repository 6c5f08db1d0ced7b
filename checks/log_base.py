"""What the five log check kinds share: the ``source`` key, regex keys, the read, the source's health.

A log check registers its patterns and its state with the ``LogHub`` when it is
built, so all patterns of a source are matched in one pass. ``run()`` first lets
the hub read (one-off: for ``--log-window`` or the check's window, outside the
check's own ``timeout``; live: nothing to wait for), then the usual ``run()``
calls ``measure()``, which snapshots the state and never blocks.

A source that could not deliver a single line (no such program, unreadable
file) makes the check UNKNOWN with the reason (``CannotRun``: the target's state
is not known, which is not the same as failing); a source that was restarted
says so at the end of the summary. A one-off read of a live stream cut before
the check's window ends says how much of the window it judged (``read_span``).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator

from watchdog.durations import format_duration
from watchdog.errors import CannotRun, CheckError
from watchdog.kinds import CheckConfig, CheckKind, CheckContext
from watchdog.logs.hub import ReadView
from watchdog.logs.routes import Batch, Handler
from watchdog.logs.matcher import PatternSpec
from watchdog.logs.windows import Lines
from watchdog.model import Measurement, Result
from watchdog.thresholds import format_number
from watchdog.types import PositiveDuration

if TYPE_CHECKING:
    from watchdog.config import LoadContext


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


Regex = Annotated[str, AfterValidator(_regex)]


class LogCheckConfig(CheckConfig):
    """Keys of every log check (each kind adds its window: ``window``, or ``within``)."""

    source: str
    #: match a JSON field's value (``field = "level"``) instead of the whole line
    field: str | None = None


class WindowedConfig(LogCheckConfig):
    #: the sliding window judged by the daemon, and how long a one-off run reads
    window: PositiveDuration = 60.0


LogConfigT = TypeVar("LogConfigT", bound=LogCheckConfig)


class LogCheck(CheckKind[LogConfigT]):
    """Base of the log kinds (``class LogRateCheck(LogCheck[LogRateConfig])``): registers with
    the hub, waits for the read, reports the source."""

    def __init__(self, name: str, config: LogConfigT, context: CheckContext) -> None:
        super().__init__(name, config, context)
        self._view: ReadView | None = None
        self.setup()
        context.logs.register(
            name, self.config.source, window=self.read_window, patterns=self.patterns(),
            on_lines=self.on_lines, on_begin=self.on_begin,
        )

    # -- what a kind provides ------------------------------------------------------------------

    def setup(self) -> None:
        """Create the state the handlers feed."""

    def patterns(self) -> list[tuple[PatternSpec, Handler]]:
        """The check's ``match`` pattern, counted by ``_hits`` (kinds with other patterns override)."""
        return [(self.spec(getattr(self.config, "match")), Batch(self._hits))]

    def _hits(self, t: float, lines: Lines) -> None:
        """A block's matching lines: counted in the kind's window state, a few kept as evidence."""
        self.state.hit(t, len(lines))
        self.evidence.extend(lines)

    on_lines: Any = None  # (time, line count) per block, for kinds that count all lines
    on_begin: Any = None  # (time) when the source starts being read

    def judge_view(self, view: ReadView) -> Measurement:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def read_window(self) -> float:
        return float(getattr(self.config, "window"))

    def spec(self, regex: str) -> PatternSpec:
        return PatternSpec(regex, self.config.field)

    # -- the shared parts ----------------------------------------------------------------------

    @classmethod
    def validate_config(cls, name: str, config: LogConfigT, ctx: LoadContext) -> None:
        names = ctx.source_names
        source = config.source
        if source not in names:
            raise ValueError(f"source: no source named {source!r} (sources: {', '.join(names) or 'none'})")

    async def run(self) -> Result:
        try:
            self._view = await self.context.logs.collect(self.name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # judged in measure(), inside run()'s boundary
            self._view = None
            self._read_error = f"reading source {self.config.source!r} failed: {type(exc).__name__}: {exc}"
        return await super().run()

    async def measure(self) -> Measurement:
        view = self._view
        if view is None:
            raise CheckError(getattr(self, "_read_error", "the source was not read"))
        if view.error and view.status.lines == 0:
            raise CannotRun(f"source {self.config.source!r}: {view.error}")
        measured = self._first_window(view, self.judge_view(view))
        note = source_note(view)
        if not note:
            return measured
        summary = f"{measured.summary}; {note}" if measured.summary else note
        return Measurement(measured.metrics, summary, measured.evidence, measured.labels, measured.status,
                           measured.judged)

    #: a rate or ratio over a window: live, not judged before one whole window was read since start
    WINDOW_FIRST: ClassVar[bool] = False

    def _first_window(self, view: ReadView, measured: Measurement) -> Measurement:
        window = self.read_window
        if not self.WINDOW_FIRST or view.final or view.elapsed >= window:
            return measured
        wait = f"not judged yet: {format_duration(view.elapsed)} of the {format_duration(window)} window read"
        return Measurement(measured.metrics, f"{measured.summary} ({wait})", measured.evidence, measured.labels,
                           judged=False)


def source_note(view: ReadView) -> str:
    """``source railway restarted 2 times (exited with status 1: ...)``, or ``""`` when healthy."""
    status = view.status
    if status.failing:
        return f"source {status.name} failing: {status.last_error or 'no output'}"
    if status.restarts:
        times = "time" if status.restarts == 1 else "times"
        return f"source {status.name} restarted {status.restarts} {times} (last: {status.last_error})"
    if view.error:
        return f"source {status.name}: {view.error}"
    return ""


def read_span(view: ReadView, window: float) -> str:
    """What a figure was computed over: ``in 5m`` (live), ``in 120 lines read`` (an input read to
    its end, or for the whole window), ``in 10s of a 5m window (120 lines read)`` (``cut_short``)."""
    if not view.final:
        return f"in {format_duration(window)}"
    cut = cut_short(view, window)
    lines = f"{view.status.lines} lines read"
    return f"in {cut} ({lines})" if cut else f"in {lines}"


def cut_short(view: ReadView, window: float) -> str | None:
    """``10s of a 5m window`` when a one-off read of a live stream stopped before the check's
    window was over (its figure covers less than its window), else None."""
    if not view.final or view.status.state in ("ended", "stopped") or view.elapsed >= window:
        return None
    return f"{format_duration(view.elapsed)} of a {format_duration(window)} window"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{format_number(round(value, 3))}%"
