"""The daemon's lifecycle: ``Daemon`` starts, reloads and stops the parts, in order.

``watchdog run`` builds one ``Daemon``, calls ``start()``, then waits for a
signal: SIGTERM -> ``stop()`` (stop scheduling, let running checks finish
within the grace period, flush the outbox, exit 0); SIGHUP -> ``reload()``
(validate the new file, build and start the new config's parts beside the
running ones, and swap only once they run; on any failure the old config keeps
running untouched, and the refusal is logged and counted in ``/metrics``).

What the daemon is made of, in start order (stopped in reverse):

* the store (``state_dir``), opened once and kept across reloads;
* a ``Runtime``: everything built from one config (checks, log sources,
  outbox and channels, alert routing, the result pipeline, the schedule);
  a reload replaces it;
* the HTTP server (``/healthz``, ``/metrics``, ``/status``), reading frozen
  ``DaemonSnapshot``s;
* ``Housekeeping``: checkpoints, retention, source events, systemd pings;
* the ``Heartbeat`` to an outside service, when ``[heartbeat] url`` is set.

Where a result goes is ``pipeline.py``; what the daemon says about itself is
``views.py`` and ``health.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.config import Config, load
from watchdog.daemon.health import HealthBoard
from watchdog.daemon.heartbeat import HeartbeatRunner
from watchdog.daemon.housekeeping import Housekeeping
from watchdog.daemon.pipeline import PipelineMemory
from watchdog.daemon.runtime import Runtime, SchedulerFactory
from watchdog.daemon.scheduler import Scheduler
from watchdog.daemon.selfwatch import SelfWatch
from watchdog.daemon.sdnotify import Notifier
from watchdog.daemon.snapshot import take_snapshot
from watchdog.daemon.views import DaemonSnapshot, prometheus_text, status_document
from watchdog.errors import WatchdogError
from watchdog.kinds import CheckKind
from watchdog.store.base import Event, Store
from watchdog.store.resilient import ResilientStore

log = logging.getLogger("watchdog.daemon")
#: what a person did gets its answer in the log every time, never held back as a repeat
EVERY_TIME = {"every_time": True}


class Daemon:
    """See the module docstring."""

    def __init__(self, config: Config, *, config_path: str | None = None, store: Store | None = None,
                 scheduler_factory: SchedulerFactory = Scheduler, notifier: Notifier | None = None,
                 listen: str | None = None, grace_s: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.config_path = config_path or str(config.path)
        self.store = store
        self.scheduler_factory = scheduler_factory
        self.notifier = notifier or Notifier()
        self.listen = listen
        self.grace_s = grace_s
        self.clock = clock
        self.started_at = clock()
        #: reloads by outcome: ok, refused (the file is invalid), failed (valid, but would not start)
        self.reload_outcomes = {"ok": 0, "refused": 0, "failed": 0}
        self.health = HealthBoard()
        self.watch = SelfWatch(self.health, self.started_at, clock=clock)
        self.memory = PipelineMemory()
        self.runtime: Runtime | None = None
        self.server: Any = None
        self._housekeeping: asyncio.Task[None] | None = None
        self.heartbeat = HeartbeatRunner(lambda: self.watch.report(self.runtime), clock=clock)
        self._reloading = asyncio.Lock()

    @property
    def checks(self) -> dict[str, CheckKind]:
        """The checks running now, by name."""
        return dict(self.runtime.checks) if self.runtime else {}

    def _watching(self) -> int:
        """The config's checks the daemon runs (its own check aside): what "watching N checks" counts."""
        return len(self.runtime.scheduled) if self.runtime else 0

    @property
    def scheduler(self) -> Any:
        return self.runtime.scheduler if self.runtime else None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        from watchdog.store import open_store

        if self.store is None:
            self.store = open_store(self.config.settings.state_dir)
        if not isinstance(self.store, ResilientStore):  # alerting never depends on the disk
            self.store = ResilientStore(self.store, on_error=self.health.store_failed, on_ok=self.health.store_ok)
        self._event("daemon.start", f"watchdog started with {self.config_path}")
        self.runtime = await self._started(self.config)
        await self._start_server()
        housekeeping = Housekeeping(self.store, self._current, health=self.health, watch=self.watch,
                                    alive=self._alive, notifier=self.notifier, clock=self.clock)
        self._housekeeping = asyncio.create_task(housekeeping.run(), name="watchdog-housekeeping")
        await self.heartbeat.follow(self.config.settings.heartbeat)
        self.notifier.ready(f"watching {self._watching()} checks")
        log.info("watching %d checks; state in %s", self._watching(), self.config.settings.state_dir)

    async def stop(self) -> None:
        """Stop scheduling, finish running checks, flush the outbox, close everything."""
        self.notifier.stopping()
        await self.heartbeat.follow(None)
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeping
        if self.runtime is not None:
            await self.runtime.stop(self.grace_s)
        if self.server is not None:
            await self.server.stop()
        if self.store is not None:
            self._event("daemon.stop", "watchdog stopped")
            self.store.close()
            self.store = None
        log.info("stopped")

    async def reload(self) -> bool:
        """Load and validate the config file again; keep the old one running if it is bad."""
        async with self._reloading:
            try:
                new = load(self.config_path)
            except WatchdogError as err:
                log.error("reload refused, still running the previous config: %s", err, extra=EVERY_TIME)
                self._event("config.reload_failed", f"reload refused: {err}")
                self.reload_outcomes["refused"] += 1
                return False
            if Path(new.settings.state_dir) != Path(self.config.settings.state_dir):
                log.warning("state_dir changed to %s: it takes effect at the next restart", new.settings.state_dir)
            return await self._swap(new)

    async def _swap(self, new: Config) -> bool:
        """Start the new config's parts beside the running ones; only once they run, stop the old."""
        assert self.runtime is not None
        try:
            started = await self._started(new)
        except Exception as exc:  # valid on paper, broken at start: the old parts never stopped
            log.error("reload failed while starting (%s: %s); still running the previous config",
                      type(exc).__name__, exc, extra=EVERY_TIME)
            self._event("config.reload_failed", f"reload failed while starting: {exc}")
            self.reload_outcomes["failed"] += 1
            return False
        previous, self.runtime = self.runtime, started
        await previous.stop(self.grace_s)
        await self.heartbeat.follow(new.settings.heartbeat)
        self.config = new
        if self.server is not None:
            self.server.invalidate()
        self.reload_outcomes["ok"] += 1
        self._event("config.reload", f"config reloaded: {self._watching()} checks")
        log.info("config reloaded: %d checks", self._watching())
        return True

    async def _started(self, config: Config) -> Runtime:
        """A Runtime for ``config``, started; what it started is stopped again if it fails."""
        assert self.store is not None
        runtime = Runtime(config, self.store, scheduler_factory=self.scheduler_factory,
                          memory=self.memory, health=self.health, clock=self.clock,
                          self_watch=lambda: self.watch.measurement(self.runtime))
        try:
            await runtime.start(self.clock())
        except BaseException:
            await runtime.stop(0.0)
            raise
        return runtime

    def _current(self) -> Runtime:
        assert self.runtime is not None
        return self.runtime

    def _event(self, kind: str, message: str) -> None:
        """An event the daemon records about itself; a store failure is logged, never raised."""
        try:
            if self.store is not None:
                self.store.add_event(Event(kind, self.clock(), None, message))
        except WatchdogError as err:
            log.error("could not record event %s: %s", kind, err)

    # -- what it tells about itself -----------------------------------------------------------
    def healthz(self) -> tuple[bool, str]:
        """503 with the reasons while a problem could make the daemon blind (``health.assess``)."""
        return self.watch.report(self.runtime).healthz()

    def _alive(self) -> bool:
        """The process and its scheduler run: what a restart by systemd's watchdog would mend."""
        return not self.watch.report(self.runtime).metrics.get("scheduler_stalled")

    def snapshot(self) -> DaemonSnapshot:
        """The daemon's state now, frozen, for the views."""
        ok, health = self.healthz()
        return take_snapshot(self.runtime, self.memory, now=self.clock(), started_at=self.started_at,
                             config_path=self.config_path, reloads=self.reload_outcomes, health=(ok, health))

    def status(self) -> dict[str, Any]:
        return status_document(self.snapshot())

    def metrics(self) -> bytes:
        return prometheus_text(self.snapshot())

    async def _start_server(self) -> None:
        from watchdog.daemon.statuspage import StatusPage
        from watchdog.daemon.server import Routes, StatusServer, is_loopback
        from watchdog.settings import parse_listen

        if not self.listen:
            return
        host, port = parse_listen(self.listen)
        settings = self.config.settings.server
        token = settings.token
        assert self.store is not None
        page = StatusPage(self.store, self.snapshot, lambda: self.runtime)
        routes = Routes(self.healthz, self.metrics, self.status, token.get_secret_value() if token else None,
                        page=page.html, report=page.report, public=settings.public)
        self.server = StatusServer(routes, host, port)
        await self.server.start()
        log.info("serving the status page, /healthz /metrics /status and /reports/ on %s:%d", host, self.server.port)
        if token is None and not is_loopback(host):
            log.warning("%s is reachable from other hosts and the status page, /status and /metrics need no token: set "
                        "[server] token = \"${WATCHDOG_TOKEN}\" (/healthz stays open)", host)
