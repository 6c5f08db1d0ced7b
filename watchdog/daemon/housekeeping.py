"""What the daemon does besides running checks, every few seconds: ``Housekeeping``.

One pass (``run_once(now)``, driven by an injected clock in tests):

* the daemon looks at itself (``SelfWatch.observe``: its store file, the
  clock) and runs its own check (``type = "watchdog"``) once its interval has
  passed, and at once when a new problem shows: housekeeping, not the
  scheduler, runs it, so a stalled scheduler is still reported;
* checkpoint reports that fell due are written and their summaries queued
  (also those missed while the daemon was down);
* a log source that started or stopped failing is recorded as a
  ``source.failing`` / ``source.recovered`` event;
* hourly, history older than ``retention`` is pruned;
* while the daemon is alive (its scheduler starts checks), systemd's watchdog
  is pinged: a restart mends a hung process, not a full disk or a revoked
  token, which are alerted and shown on ``/healthz`` instead.

A store failure is reported on the ``HealthBoard`` (the store itself says when
writes work again); any other error is logged and the next pass runs anyway:
housekeeping never dies silently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from watchdog.daemon.health import HealthBoard
from watchdog.daemon.runtime import Runtime
from watchdog.daemon.sdnotify import Notifier
from watchdog.daemon.selfwatch import SelfWatch
from watchdog.errors import WatchdogError
from watchdog.reports.checkpoints import write_due_checkpoints
from watchdog.reports.posts import post_checkpoint
from watchdog.store.base import Event, Store

log = logging.getLogger("watchdog.daemon")
INTERVAL_S = 5.0
PRUNE_EVERY_S = 3600.0


class Housekeeping:
    """See the module docstring; ``runtime()`` returns the parts of the config running now."""

    def __init__(self, store: Store, runtime: Callable[[], Runtime], *, health: HealthBoard,
                 watch: SelfWatch, alive: Callable[[], bool], notifier: Notifier,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.runtime = runtime
        self.health = health
        self.watch = watch
        self.alive = alive
        self.notifier = notifier
        self.clock = clock
        self.interval = min(INTERVAL_S, notifier.watchdog_interval or INTERVAL_S)
        self._last_prune = 0.0
        self._source_failing: dict[str, bool] = {}
        self._self_checked: tuple[float, tuple[str, ...]] | None = None  # when, the problems then

    async def run(self) -> None:
        """Passes until cancelled."""
        while True:
            await self.run_once(self.clock())
            await asyncio.sleep(self.interval)

    async def run_once(self, now: float) -> None:
        self.watch.observe(self.runtime(), self.store)
        self._tasks(now)
        await self._self_check(now)
        if self.alive():
            self.notifier.ping()

    def _tasks(self, now: float) -> None:
        try:
            self._checkpoints(now)
            self._source_events(now)
            if now - self._last_prune > PRUNE_EVERY_S:
                self._last_prune = now
                self._prune(now)
        except WatchdogError as err:
            self.health.store_failed(str(err))
            log.error("housekeeping: %s", err)
        except Exception as exc:  # never let housekeeping die silently
            log.exception("housekeeping failed: %r", exc)

    async def _self_check(self, now: float) -> None:
        """The daemon's own check: when its interval passed, or at once when the problems changed."""
        runtime = self.runtime()
        if runtime.self_check is None:
            return
        problems = tuple(p.text for p in self.watch.report(runtime).problems)
        last = self._self_checked
        if last is not None and now - last[0] < runtime.self_check.config.interval and problems == last[1]:
            return
        self._self_checked = (now, problems)
        await runtime.run_self_check()

    def _checkpoints(self, now: float) -> None:
        reports = self.runtime().reports
        for written in write_due_checkpoints(self.store, reports, now=now):
            log.info("checkpoint written: %s", ", ".join(str(p) for p in written.paths.values()))
            post_checkpoint(self.store, written, reports, now=now)

    def _source_events(self, now: float) -> None:
        context = self.runtime().context
        if not context.logs_in_use:
            return
        for name, status in context.logs.source_status().items():
            failing = bool(status.failing)
            if failing != self._source_failing.get(name, False):
                kind = "source.failing" if failing else "source.recovered"
                self.store.add_event(Event(kind, now, None, f"log source {name}: {status.last_error or kind}",
                                           {"source": name}))
            self._source_failing[name] = failing

    def _prune(self, now: float) -> None:
        retention = self.runtime().config.settings.retention
        removed = self.store.prune(now - retention)
        if removed:
            log.info("retention: %d old rows removed", removed)

