"""Where every result goes, in one place: store -> restart/deploy detection -> windows -> alert policy.

A result reaches the pipeline from a scheduled run (``Runtime.run_check``) or
pushed by a kind with the ``PushesResults`` capability (a ``log-match`` line).
``handle()`` takes it through the same steps, in this order, whatever its
origin:

1. counted for ``/status`` and ``/metrics`` (``CheckStats``);
2. stored (history, rollups);
3. compared with the check's previous result: a restart (an uptime that went
   down) or a deploy (a changed ``version`` label) is recorded as an event,
   opens every ``start = "deploy"`` window, and is told ("deploy seen: 1.4.2
   -> 1.4.3, window post-deploy opened, first checkpoint at 13:10") to those
   windows' channels, else ``[defaults.alert] deploy_channels``;
4. judged by the alert policy (``Dispatcher``), which enqueues notifications.

What the pipeline remembers between results (``PipelineMemory``: counts, the
previous result of each check) belongs to the daemon and outlives a reload.
A store failure is reported on the ``HealthBoard`` (``/healthz`` says so) and
logged; it never stops the pipeline for the next result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from watchdog.alerting.dispatch import Dispatcher
from watchdog.daemon.health import HealthBoard
from watchdog.errors import WatchdogError
from watchdog.model import Result
from watchdog.reports.context import ReportContext
from watchdog.reports.opening import open_on_deploy
from watchdog.reports.posts import deploy_notifications
from watchdog.restarts import restart_seen
from watchdog.status import Status
from watchdog.store.base import Event, Notification, Store

log = logging.getLogger("watchdog.daemon")


@dataclass
class CheckStats:
    """Per check, for /metrics and /status: results by status, the last one, the last crash."""

    results: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in Status})
    last: Result | None = None
    last_error: str = ""


@dataclass
class PipelineMemory:
    """What outlives one configuration: per-check stats and each check's previous result."""

    stats: dict[str, CheckStats] = field(default_factory=dict)
    previous: dict[str, Result] = field(default_factory=dict)


class ResultPipeline:
    """Owns what happens to a result after its check ran; see the module docstring."""

    def __init__(self, store: Store, dispatcher: Dispatcher, reports: ReportContext,
                 main_metrics: Mapping[str, str | None], *, memory: PipelineMemory | None = None,
                 health: HealthBoard | None = None, notify: Callable[[Notification], object] | None = None) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.reports = reports
        self.main_metrics = dict(main_metrics)
        self.memory = memory or PipelineMemory()
        self.health = health or HealthBoard()
        #: queues a notification that is not an alert ("deploy seen"): the outbox's enqueue
        self.notify = notify or store.enqueue

    def handle(self, result: Result, *, alert: bool = True) -> None:
        """Count, store, look for a restart or deploy, alert (unless ``alert`` is False).

        Each step runs whatever happened to the one before: a result that could not be
        stored is still alerted on."""
        self._count(result)
        self._guarded(result, "record", lambda: self._record(result))
        if alert:
            self._guarded(result, "alert on", lambda: self.dispatcher.handle(result))
        self.memory.previous[result.check] = result

    def _record(self, result: Result) -> None:
        self.store.record(result, main_metric=self.main_metrics.get(result.check))
        self._deploys(result)

    def _guarded(self, result: Result, what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except WatchdogError as err:
            self.health.store_failed(str(err))
            log.error("could not %s %s: %s", what, result.check, err)

    def push(self, result: Result) -> None:
        """A result pushed between scheduled runs (``PushesResults``): alerted on."""
        self.handle(result)

    def crashed(self, check: str, exc: BaseException) -> None:
        """A check that raised past its own boundary (a bug): remembered and logged."""
        self.memory.stats.setdefault(check, CheckStats()).last_error = f"{type(exc).__name__}: {exc}"
        log.error("check %s crashed outside its boundary: %r", check, exc)

    def _count(self, result: Result) -> None:
        stats = self.memory.stats.setdefault(result.check, CheckStats())
        stats.results[result.status.name] += 1
        stats.last = result

    def _deploys(self, result: Result) -> None:
        """A restart or deploy seen since the check's previous result: an event, and windows opened."""
        previous = self.memory.previous.get(result.check)
        if previous is None or result.status is Status.UNKNOWN:
            return
        seen = restart_seen(previous.metrics, result.metrics, previous.labels, result.labels)
        if seen is None:
            return
        self.store.add_event(Event(seen.kind, result.started, result.check, f"{result.check}: {seen.message}",
                                   dict(seen.data)))
        opened = open_on_deploy(self.store, self.reports, at=result.started, reason=seen.message, check=result.check)
        for window in opened:
            log.warning("%s: window %s opened (%s)", result.check, window.name, window.data.get("reason", ""))
        channels = self.reports.deploy_audience([w.name for w in opened])
        for note in deploy_notifications(result.check, seen, opened, channels, at=result.started,
                                         now=result.started, redactor=self.reports.redactor):
            self.notify(note)
