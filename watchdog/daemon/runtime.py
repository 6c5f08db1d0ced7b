"""The daemon's parts built from one configuration, started and stopped together: ``Runtime``.

One ``Runtime`` per loaded config: the checks and their shared context (HTTP
client, log hub), the channels behind the durable outbox, the alert routing,
the result pipeline and the schedule. ``start()`` brings them up in order
(configured windows, outbox, pushed results, log sources, scheduler) and
``stop()`` takes them down in reverse, so a reload is: stop one Runtime,
start the next.

Every check runs through ``CheckKind.run`` (the same path as ``watchdog
check``) under the ``[defaults] max_concurrency`` cap, and its result goes to
the pipeline. A kind with the ``PushesResults`` capability (``log-match``)
alerts on each pushed result; its scheduled results are history only, or every
match would page twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from watchdog import runner
from watchdog.alerting.dispatch import CheckRouting, Dispatcher, check_routing, routing_for
from watchdog.checks.self_watch import SelfCheck
from watchdog.config import Config
from watchdog.daemon.health import HealthBoard
from watchdog.daemon.pipeline import PipelineMemory, ResultPipeline
from watchdog.daemon.selfwatch import SELF_CHECK, self_check_table
from watchdog.kinds import CheckKind, PushesResults
from watchdog.model import Measurement, Result
from watchdog.reports.context import ReportContext
from watchdog.reports.opening import open_configured_windows
from watchdog.store.base import Store

SchedulerFactory = Callable[..., Any]


class Runtime:
    """See the module docstring. ``scheduler`` is whatever ``scheduler_factory`` built."""

    def __init__(self, config: Config, store: Store, *, scheduler_factory: SchedulerFactory,
                 memory: PipelineMemory, health: HealthBoard, clock: Callable[[], float] = time.time,
                 self_watch: Callable[[], Measurement] | None = None) -> None:
        from watchdog.alerting.channels import build_channels
        from watchdog.alerting.outbox import Outbox

        self.config = config
        self.context = runner.context_for(config, clock=clock, self_watch=self_watch)
        names = [n for n, c in config.checks.items() if c.enabled and c.type != SELF_CHECK]
        self.checks: dict[str, CheckKind] = {c.name: c for c in runner.build(config, names, self.context)}
        #: what the scheduler runs: every check but the daemon's own (housekeeping runs that one)
        self.scheduled = dict(self.checks)
        self.self_check = self._add_self_check(config)
        self.pushers: dict[str, PushesResults] = {
            n: c for n, c in self.checks.items() if isinstance(c, PushesResults)}
        self.outbox = Outbox(store, build_channels(config.channels, config.redactor))
        self.reports = ReportContext.from_config(config)
        dispatcher = Dispatcher(store, self.outbox.submit, self._routing(config), config.redactor)
        main_metrics = {n: c.MAIN_METRIC for n, c in self.checks.items()}
        self.pipeline = ResultPipeline(store, dispatcher, self.reports, main_metrics, memory=memory, health=health,
                                       notify=self.outbox.enqueue)
        self.scheduler = scheduler_factory(self.run_check, on_error=self.pipeline.crashed, clock=clock)
        self._slots = asyncio.Semaphore(config.settings.defaults.max_concurrency)
        self._store = store

    async def start(self, now: float) -> None:
        """Windows the config opens, the outbox, pushed results, log sources, then the schedule."""
        open_configured_windows(self._store, self.reports, now=now)
        await self.outbox.start()
        for check in self.pushers.values():
            check.push_results(self.pipeline.push)
        if self.context.logs_in_use:
            await self.context.logs.start()
        for name, check in self.scheduled.items():
            self.scheduler.add(name, check.config.interval)
        await self.scheduler.start()

    async def stop(self, grace_s: float) -> None:
        """The reverse of ``start``: no new runs (running ones get ``grace_s``), sources and the
        HTTP client closed, one last outbox pass."""
        await self.scheduler.stop(grace_s)
        await self.context.aclose()
        await self.outbox.stop(grace=min(grace_s, 5.0))

    async def run_check(self, name: str) -> Result | None:
        """The scheduler's callback: run one check under the cap and hand its result on."""
        check = self.checks.get(name)
        if check is None:
            return None
        async with self._slots:
            result = await check.run()
        self.pipeline.handle(result, alert=name not in self.pushers)
        return result

    async def run_self_check(self) -> Result | None:
        """The daemon's own check, run by housekeeping (so a stalled scheduler is still reported)."""
        if self.self_check is None:
            return None
        result = await self.self_check.run()
        self.pipeline.handle(result)
        return result

    def _add_self_check(self, config: Config) -> CheckKind | None:
        found = self_check_table(config)
        if found is None:
            return None
        name, table = found
        check = SelfCheck(name, table, self.context)
        self.checks[name] = check
        return check

    def _routing(self, config: Config) -> dict[str, CheckRouting]:
        routing = routing_for(config, self.pushers)
        check = self.self_check
        if check is not None and check.name not in routing:  # added by the daemon, not the config
            routing[check.name] = check_routing(config, check.config.alert, None)
        return routing
