"""The daemon: wiring of scheduler, checks, log sources, store, alerts, reports, HTTP endpoint.

``watchdog run`` builds one ``Daemon`` and calls ``start()``, then waits for a
signal: SIGTERM -> ``stop()`` (stop scheduling, let running checks finish
within the grace period, flush the outbox, exit 0); SIGHUP -> ``reload()``
(validate the new file first; keep running on the old config if it is bad,
and say why).

Every check runs through ``CheckKind.run`` — the same path as ``watchdog
check`` — under a global concurrency cap. Each result is stored, looked at for
a restart or deploy (uptime went down, version changed), and handed to the
``Dispatcher`` (alert policy -> outbox). Long-lived parts have ``start()`` /
``stop()`` and are stopped in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchdog import runner
from watchdog.config import Config, load
from watchdog.errors import WatchdogError
from watchdog.kinds import CheckContext, CheckKind
from watchdog.model import Result
from watchdog.scheduler import Scheduler
from watchdog.sdnotify import Notifier
from watchdog.status import Status
from watchdog.store.base import Event, Store

log = logging.getLogger("watchdog.daemon")
HOUSEKEEPING_S = 5.0


@dataclass
class CheckStats:
    """Per check, for /metrics and /status."""

    results: dict[str, int] = field(default_factory=lambda: {s.name: 0 for s in Status})
    last: Result | None = None
    last_error: str = ""


class Daemon:
    def __init__(self, config: Config, *, config_path: str | None = None, store: Store | None = None,
                 scheduler_factory: Callable[..., Any] = Scheduler, notifier: Notifier | None = None,
                 listen: str | None = None, grace_s: float = 10.0) -> None:
        self.config = config
        self.config_path = config_path or str(config.path)
        self.store = store
        self.scheduler_factory = scheduler_factory
        self.notifier = notifier or Notifier()
        self.listen = listen
        self.grace_s = grace_s
        self.started_at = time.time()
        self.stats: dict[str, CheckStats] = {}
        self.healthy_store = True
        self.store_error = ""
        self.reloads = 0
        self._checks: dict[str, CheckKind] = {}
        self._previous: dict[str, Result] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._reloading = asyncio.Lock()
        self._slots = asyncio.Semaphore(1)  # replaced in _start_parts by [defaults] max_concurrency
        self.scheduler: Any = None
        self.context: CheckContext | None = None
        self.outbox: Any = None
        self.dispatcher: Any = None
        self.server: Any = None
        self.reports: Any = None
        self._source_failing: dict[str, bool] = {}

    @property
    def checks(self) -> dict[str, CheckKind]:
        """The checks running now, by name (read-only use: /status, /metrics)."""
        return dict(self._checks)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        from watchdog.store import open_store

        if self.store is None:
            self.store = open_store(self.config.settings.state_dir)
        self.store.add_event(Event("daemon.start", time.time(), None, f"watchdog started with {self.config_path}"))
        await self._start_parts(self.config)
        await self._start_server()
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="watchdog-housekeeping"))
        self.notifier.ready(f"watching {len(self._checks)} checks")
        log.info("watching %d checks; state in %s", len(self._checks), self.config.settings.state_dir)

    async def _start_parts(self, config: Config) -> None:
        """Everything that depends on the config (rebuilt by a reload)."""
        from watchdog.alerting.channels import build_channels
        from watchdog.alerting.outbox import Outbox
        from watchdog.reports.service import ReportContext, open_configured_windows

        assert self.store is not None
        self.context = runner.context_for(config)
        names = [n for n, c in config.checks.items() if c.enabled]
        self._checks = {c.name: c for c in runner.build(config, names, self.context)}
        self.outbox = Outbox(self.store, build_channels(config.channels, config.redactor))
        self.dispatcher = _dispatcher(config, self.store, self.outbox)
        self.reports = ReportContext.from_config(config)
        open_configured_windows(self.store, self.reports, now=time.time())
        await self.outbox.start()
        await self._start_logs(config)
        self._slots = asyncio.Semaphore(config.settings.defaults.max_concurrency)
        self.scheduler = self.scheduler_factory(self.run_check, on_error=self._check_crashed)
        for name, check in self._checks.items():
            self.scheduler.add(name, check.config.interval)
        await self.scheduler.start()

    async def _start_logs(self, config: Config) -> None:
        assert self.context is not None
        if not config.sources or not any(getattr(c.config, "source", None) for c in self._checks.values()):
            return
        hub = self.context.logs
        for name, check in self._checks.items():
            if check.type == "log-match":
                # every match is pushed; the policy's step_match applies the rate limit and counts what it held
                hub.subscribe(name, self._on_log_match, min_interval=0)
                self.dispatcher.routing[name].per_match = True
        await hub.start()

    async def _stop_parts(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop(self.grace_s)
        if self.context is not None:
            await self.context.aclose()  # ends log sources and the HTTP client
        if self.outbox is not None:
            await self.outbox.stop(grace=min(self.grace_s, 5.0))

    async def stop(self) -> None:
        """Stop scheduling, finish running checks, flush the outbox, close everything."""
        self.notifier.stopping()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._stop_parts()
        if self.server is not None:
            await self.server.stop()
        if self.store is not None:
            self.store.add_event(Event("daemon.stop", time.time(), None, "watchdog stopped"))
            self.store.close()
            self.store = None
        log.info("stopped")

    async def reload(self) -> bool:
        """Load and validate the config file again; keep the old one if it is bad."""
        async with self._reloading:
            try:
                new = load(self.config_path)
            except WatchdogError as err:
                log.error("reload refused, still running the previous config: %s", err)
                self._event("config.reload_failed", f"reload refused: {err}")
                return False
            if Path(new.settings.state_dir) != Path(self.config.settings.state_dir):
                log.warning("state_dir changed to %s: it takes effect at the next restart", new.settings.state_dir)
            await self._stop_parts()
            try:
                await self._start_parts(new)
            except Exception as exc:  # valid on paper, broken at start: go back to what worked
                log.error("reload failed while starting (%s: %s); back on the previous config", type(exc).__name__, exc)
                self._event("config.reload_failed", f"reload failed while starting: {exc}")
                await self._stop_parts()
                await self._start_parts(self.config)
                return False
            self.config = new
            self.reloads += 1
            self._event("config.reload", f"config reloaded: {len(self._checks)} checks")
            log.info("config reloaded: %d checks", len(self._checks))
            return True

    # -- running checks -----------------------------------------------------------------------
    async def run_check(self, name: str) -> Result | None:
        """The scheduler's callback: run one check under the global cap and handle its result."""
        check = self._checks.get(name)
        if check is None:
            return None
        async with self._slots:
            result = await check.run()
        # a log-match check alerts per matching line (pushed by the hub); its scheduled
        # result is history only, or every match would page twice
        route = self.dispatcher.routing.get(name)
        self.handle(result, alert=not (route and route.per_match))
        return result

    def handle(self, result: Result, *, alert: bool = True) -> None:
        """Store, detect restarts, alert. A store failure is logged and shown by /healthz."""
        stats = self.stats.setdefault(result.check, CheckStats())
        stats.results[result.status.name] += 1
        stats.last = result
        check = self._checks.get(result.check)
        try:
            assert self.store is not None
            self.store.record(result, main_metric=check.MAIN_METRIC if check else None)
            self._seen_restart(result)
            if alert:
                self.dispatcher.handle(result)
            self.healthy_store, self.store_error = True, ""
        except WatchdogError as err:
            self.healthy_store, self.store_error = False, str(err)
            log.error("could not record %s: %s", result.check, err)
        self._previous[result.check] = result

    def _seen_restart(self, result: Result) -> None:
        """A restart or deploy seen in this result is recorded and opens the deploy windows."""
        from watchdog.reports.service import on_result

        previous = self._previous.get(result.check)
        if previous is None or result.status is Status.UNKNOWN:
            return
        assert self.store is not None
        for window in on_result(self.store, self.reports, previous, result):
            log.warning("%s: window %s opened (%s)", result.check, window.name, window.data.get("reason", ""))

    def _on_log_match(self, match: Any) -> None:
        """A ``log-match`` line: judge it now (its own result) and alert per match."""
        check = self._checks.get(match.check)
        if check is None:
            return
        self.handle(check.result_for(match))  # type: ignore[attr-defined]

    def _check_crashed(self, name: str, exc: BaseException) -> None:
        self.stats.setdefault(name, CheckStats()).last_error = f"{type(exc).__name__}: {exc}"
        log.error("check %s crashed outside its boundary: %r", name, exc)

    # -- housekeeping -------------------------------------------------------------------------
    async def _housekeeping(self) -> None:
        """Checkpoints due, retention, source health events, systemd watchdog pings."""
        last_prune = 0.0
        interval = min(HOUSEKEEPING_S, self.notifier.watchdog_interval or HOUSEKEEPING_S)
        while True:
            now = time.time()
            try:
                self._write_checkpoints(now)
                self._source_events(now)
                if now - last_prune > 3600:
                    last_prune = now
                    self._prune(now)
                self.healthy_store, self.store_error = True, ""
            except WatchdogError as err:
                self.healthy_store, self.store_error = False, str(err)
                log.error("housekeeping: %s", err)
            except Exception as exc:  # never let housekeeping die silently
                log.exception("housekeeping failed: %r", exc)
            if self.healthz()[0]:
                self.notifier.ping()
            await asyncio.sleep(interval)

    def _write_checkpoints(self, now: float) -> None:
        from watchdog.reports.service import post_checkpoint, write_due_checkpoints

        assert self.store is not None
        for written in write_due_checkpoints(self.store, self.reports, now=now):
            log.info("checkpoint written: %s", ", ".join(str(p) for p in written.paths.values()))
            post_checkpoint(self.store, written, self.reports, now=now)

    def _source_events(self, now: float) -> None:
        if self.context is None or not self.context.logs_in_use:
            return
        for name, status in self.context.logs.source_status().items():
            failing = bool(getattr(status, "failing", False))
            if failing != self._source_failing.get(name, False):
                kind = "source.failing" if failing else "source.recovered"
                self._event(kind, f"log source {name}: {getattr(status, 'last_error', '') or kind}",
                            data={"source": name})
            self._source_failing[name] = failing

    def _prune(self, now: float) -> None:
        assert self.store is not None
        removed = self.store.prune(now - self.config.settings.retention)
        if removed:
            log.info("retention: %d old rows removed", removed)

    def _event(self, kind: str, message: str, check: str | None = None,
               data: dict[str, Any] | None = None) -> None:
        try:
            assert self.store is not None
            self.store.add_event(Event(kind, time.time(), check, message, data or {}))
        except WatchdogError as err:
            log.error("could not record event %s: %s", kind, err)

    # -- what it tells about itself -----------------------------------------------------------
    def healthz(self) -> tuple[bool, str]:
        """Fails when the scheduler stalls or the store is unwritable."""
        if not self.healthy_store:
            return False, f"store unwritable: {self.store_error}"
        if self.scheduler is not None and self._checks:
            shortest = min(c.config.interval for c in self._checks.values())
            stalled = time.time() - self.scheduler.last_tick
            if stalled > max(3 * shortest, 60.0) and time.time() - self.started_at > max(3 * shortest, 60.0):
                return False, f"scheduler stalled: no check started for {stalled:.0f}s"
        return True, f"ok: {len(self._checks)} checks"

    def status(self) -> dict[str, Any]:
        from watchdog.daemon_status import status_document

        return status_document(self)

    def metrics(self) -> bytes:
        from watchdog.daemon_status import prometheus_text

        return prometheus_text(self)

    async def _start_server(self) -> None:
        from watchdog.server import Routes, StatusServer, parse_listen

        if not self.listen:
            return
        host, port = parse_listen(self.listen)
        self.server = StatusServer(Routes(self.healthz, self.metrics, self.status), host, port)
        await self.server.start()
        log.info("serving /healthz /metrics /status on %s:%d", host, self.server.port)


def _dispatcher(config: Config, store: Store, outbox: Any) -> Any:
    from watchdog.alerting.dispatch import CheckRouting, Dispatcher
    from watchdog.alerting.rules import effective_rules
    from watchdog.runbooks import alert_context

    defaults = config.settings.defaults.alert
    routing = {}
    for name, check in config.checks.items():
        rules = effective_rules(defaults, check.alert)
        routing[name] = CheckRouting(rules=rules, channels=tuple(rules.channels),
                                     main_metric=config.kinds[name].MAIN_METRIC,
                                     runbook=alert_context(rules.runbook, config))
    return Dispatcher(store, outbox.submit, routing, config.redactor)
