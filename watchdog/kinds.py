"""The contract every check kind implements, built-in or third-party.

A kind is one class, generic in its config model, with ``async measure()``
returning a ``Measurement``. ``run()`` - defined here, once - wraps it in the
one exception boundary and the one timeout, and judges the metrics against the
thresholds into a ``Result``. So a kind measures; it never decides WARNING or
CRITICAL itself and never formats for a terminal.

    class PingCheck(CheckKind[PingConfig]):  # PingConfig: a subclass of CheckConfig
        type = "ping"
        METRICS = frozenset({"rtt_ms"})

        async def measure(self) -> Measurement:
            ...
            return Measurement({"rtt_ms": 3.2}, summary="reply in 3.2 ms")

Register it under the entry-point group ``watchdog.checks``:
``ping = "mypkg.ping:PingCheck"``.

The type argument gives ``self.config`` its type and sets the ``Config``
class variable the loader validates ``[checks.NAME]`` with; a kind written
before kinds were generic (``class PingCheck(CheckKind)`` with ``Config =
PingConfig``) keeps working: a ``Config`` set in the class body wins.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import (
    TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, get_args, get_origin, runtime_checkable,
)

from pydantic import BaseModel, ConfigDict, Field

from watchdog.alerting.rules import AlertRules
from watchdog.durations import format_duration
from watchdog.errors import CheckError
from watchdog.model import Measurement, Result
from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.status import Status, worst
from watchdog.thresholds import all_hold, judge
from watchdog.types import Interval, ThresholdExpr, Timeout

if TYPE_CHECKING:
    from watchdog.config import LoadContext
    from watchdog.logs.config import SourceConfig


BACKSTOP_GRACE_S = 0.25


class CheckConfig(BaseModel):
    """Keys every check accepts; a kind's own model adds its keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    description: str = ""
    enabled: bool = True
    interval: Interval = 30.0
    timeout: Timeout = 10.0
    warning: list[ThresholdExpr] = Field(default_factory=list)
    critical: list[ThresholdExpr] = Field(default_factory=list)
    #: once firing, an OK result counts toward the resolve only when all of these hold (hysteresis)
    recover: list[ThresholdExpr] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    #: alert policy overrides (after, recover_after, repeat, runbook, channels...)
    alert: AlertRules = Field(default_factory=AlertRules)


ConfigT = TypeVar("ConfigT", bound=CheckConfig)


class CheckKind(Generic[ConfigT]):
    """Base class of check kinds: ``class HttpCheck(CheckKind[HttpConfig])``; set ``type``, ``METRICS``."""

    type: ClassVar[str] = ""
    #: the model of ``[checks.NAME]``: the type argument (or set explicitly, as older kinds do)
    Config: ClassVar[type[CheckConfig]] = CheckConfig
    METRICS: ClassVar[frozenset[str]] = frozenset()
    #: the metric reports chart and summarise for this kind
    MAIN_METRIC: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Config" not in cls.__dict__:
            model = config_model(cls)
            if model is not None:
                cls.Config = model

    def __init__(self, name: str, config: ConfigT, context: CheckContext) -> None:
        self.name = name
        self.config: ConfigT = config
        self.context = context
        #: this check's recent metrics, for rules over a span (``avg(response_ms, 5m)``)
        self.recent = RecentMetrics(max((r.span for r in (*config.warning, *config.critical, *config.recover)),
                                        default=0.0))

    @classmethod
    def known_metrics(cls, config: ConfigT) -> frozenset[str]:
        """Every metric this check can produce with this config (thresholds are checked against it)."""
        return cls.METRICS

    @classmethod
    def validate_config(cls, name: str, config: ConfigT, ctx: LoadContext) -> None:
        """Rules beyond the model, run once every table is validated (a ``source`` that must
        exist, a password that must not be typed in the file...): raise
        ``ValueError("key: message")`` and the loader names ``checks.NAME.key``."""

    async def measure(self) -> Measurement:  # pragma: no cover - abstract
        raise NotImplementedError

    async def run(self) -> Result:
        """Measure within the timeout, turn failures into a status, judge, redact."""
        started, t0 = self.context.clock(), time.perf_counter()
        redact = self.context.redactor
        try:
            # A backstop: kinds time their own I/O with the same timeout and say which
            # target hung; this grace lets their message win the race.
            measurement = await asyncio.wait_for(self.measure(), self.config.timeout + BACKSTOP_GRACE_S)
        except CheckError as exc:
            failed = Measurement(exc.metrics, summary=str(exc), evidence=exc.evidence, status=exc.status)
            return self._judged(failed, started, t0, thresholds=False)
        except TimeoutError:
            reason = f"no answer within {format_duration(self.config.timeout)} (timed out)"
            return self._result(Status.CRITICAL, reason, started, t0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the one boundary: a broken check is UNKNOWN, never a crash
            reason = f"check failed to run: {type(exc).__name__}: {exc}"
            return self._result(Status.UNKNOWN, redact(reason), started, t0)
        return self._judged(measurement, started, t0)

    def _judged(self, m: Measurement, started: float, t0: float, *, thresholds: bool = True) -> Result:
        c, history = self.config, self.recent.points(started)
        judged = thresholds and m.judged
        verdict = judge(m.metrics, c.warning, c.critical, history=history, now=started) if judged else judge({})
        recovered = all_hold(c.recover, m.metrics, history=history, now=started) if judged else True
        self.recent.add(started, m.metrics)
        status = worst([verdict.status, m.status or Status.OK])
        summary = " - ".join(p for p in (verdict.reason, m.summary) if p)
        redact = self.context.redactor
        return Result(
            recovered=recovered,
            check=self.name,
            kind=self.type,
            status=status,
            summary=redact(summary),
            metrics=dict(m.metrics),
            evidence=redact.lines(m.evidence),
            labels={k: redact(v) for k, v in m.labels.items()},
            started=started,
            duration_s=time.perf_counter() - t0,
            tags=tuple(self.config.tags),
        )

    def _result(self, status: Status, summary: str, started: float, t0: float) -> Result:
        return Result(
            check=self.name,
            kind=self.type,
            status=status,
            summary=summary,
            started=started,
            duration_s=time.perf_counter() - t0,
            tags=tuple(self.config.tags),
        )


class RecentMetrics:
    """A check's ``(time, metrics)`` over the longest span its rules read (none: nothing kept)."""

    LIMIT = 100_000  # a 1 s interval over a day: the most a rule's span may ask for

    def __init__(self, span: float) -> None:
        self.span = span
        self._points: deque[tuple[float, Mapping[str, float]]] = deque()

    def add(self, ts: float, metrics: Mapping[str, float]) -> None:
        if self.span > 0:
            self._points.append((ts, dict(metrics)))
            if len(self._points) > self.LIMIT:
                self._points.popleft()

    def points(self, now: float) -> tuple[tuple[float, Mapping[str, float]], ...]:
        """The points within the span before ``now``, oldest first."""
        while self._points and self._points[0][0] <= now - self.span:
            self._points.popleft()
        return tuple(self._points)


@runtime_checkable
class PushesResults(Protocol):
    """A capability: the kind has results of its own between scheduled runs (``log-match``: one
    per matching line, as it is read). The daemon alerts on each pushed result (the policy's
    per-match mode, rate-limited) and keeps the scheduled results as history only."""

    def push_results(self, push: Callable[[Result], None]) -> None:
        """Call ``push`` with each result as it happens, from now on (live mode)."""


def config_model(kind: type) -> type[CheckConfig] | None:
    """The config model a kind's own bases name: ``CheckKind[HttpConfig]`` -> ``HttpConfig``;
    a still-generic base (``CheckKind[LogConfigT]``) gives the type variable's bound."""
    for base in kind.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if not (isinstance(origin, type) and issubclass(origin, CheckKind)):
            continue
        for arg in get_args(base):
            arg = arg.__bound__ if isinstance(arg, TypeVar) else arg
            if isinstance(arg, type) and issubclass(arg, CheckConfig):
                return arg
    return None


class CheckContext:
    """What checks share within one process: the redactor, the HTTP client, log sources.

    Passed in, never global, so tests inject their own parts. Expensive members
    are created on first use and closed by ``aclose()``.
    """

    def __init__(self, *, redactor: Redactor = NULL_REDACTOR, max_http_in_flight: int = 10,
                 log_sources: Mapping[str, SourceConfig] | None = None, log_window: float | None = None,
                 stdin_source: str | None = None, logs_to_end: bool = False,
                 clock: Callable[[], float] = time.time,
                 self_watch: Callable[[], Measurement] | None = None) -> None:
        self.redactor = redactor
        #: the wall clock a result's ``started`` is read from (the daemon's, so tests can move it)
        self.clock = clock
        #: the running daemon's report on itself, for the ``watchdog`` kind (None outside ``watchdog run``)
        self.self_watch = self_watch
        self.max_http_in_flight = max_http_in_flight
        #: the validated ``[sources.NAME]`` tables (``config.sources``) the log hub reads
        self.log_sources: Mapping[str, SourceConfig] = dict(log_sources or {})
        #: one-off runs (`watchdog check`): read log sources for this long instead of each check's window
        self.log_window = log_window
        #: one-off runs: the name of a source to read from standard input instead of its command/file
        self.stdin_source = stdin_source
        #: one-off runs (`watchdog logs scan`): read every log source to its end
        self.logs_to_end = logs_to_end
        self._http: Any = None
        self._logs: Any = None
        self._closers: list[Any] = []

    @property
    def http(self) -> Any:
        """The shared ``HttpTransport`` (one httpx client, bounded requests in flight)."""
        if self._http is None:
            from watchdog.http import HttpTransport

            self._http = HttpTransport(max_in_flight=self.max_http_in_flight)
            self.on_close(self._http.aclose)
        return self._http

    @property
    def logs(self) -> Any:
        """The shared ``LogHub``: each log source read once, every log check fed in one pass."""
        if self._logs is None:
            from watchdog.logs.hub import LogHub

            self._logs = LogHub(self.log_sources, log_window=self.log_window, stdin_source=self.stdin_source,
                                to_end=self.logs_to_end)
            self.on_close(self._logs.stop)
        return self._logs

    @property
    def logs_in_use(self) -> bool:
        """Whether a log check created the hub (the daemon starts it only then)."""
        return self._logs is not None

    def on_close(self, closer: Any) -> None:
        """Register an async callable run by ``aclose()`` (last registered, first closed)."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            try:
                await closer()
            except Exception:  # closing must never hide the results already printed
                pass
