"""Housekeeping passes driven by a fake clock: checkpoints due, retention, source events, systemd pings."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from watchdog.config import from_document
from watchdog.daemon.health import HealthBoard
from watchdog.daemon.housekeeping import Housekeeping
from watchdog.daemon.pipeline import PipelineMemory
from watchdog.daemon.runtime import Runtime
from watchdog.daemon.scheduler import NullScheduler
from watchdog.daemon.selfwatch import SelfWatch
from watchdog.errors import StoreError
from watchdog.logs.sources import SourceStatus
from watchdog.model import Result
from watchdog.reports.opening import open_window
from watchdog.status import Status
from watchdog.store.memory import MemoryStore

T0 = 1_760_000_000.0
DOC = {
    "retention": "1h",
    "checks": {"health": {"type": "http", "url": "http://127.0.0.1:9/health"}},
    "channels": {"ops": {"type": "log"}},
    "windows": {"watch": {"duration": "2m", "checkpoints": ["1m", "2m"], "channels": ["ops"]}},
}


class Pings:
    watchdog_interval = None

    def __init__(self) -> None:
        self.count = 0

    def ping(self) -> bool:
        self.count += 1
        return True


def runtime_for(tmp_path: Path, store: MemoryStore) -> Runtime:
    config = from_document({"state_dir": str(tmp_path), **DOC})
    return Runtime(config, store, scheduler_factory=NullScheduler, memory=PipelineMemory(), health=HealthBoard())


def housekeeping(tmp_path: Path, store: MemoryStore, *, alive: bool = True,
                 runtime: Runtime | None = None) -> tuple[Housekeeping, HealthBoard, Pings]:
    runtime = runtime or runtime_for(tmp_path, store)
    board, pings = HealthBoard(), Pings()
    keeper = Housekeeping(store, lambda: runtime, health=board, watch=SelfWatch(board, T0, clock=lambda: T0),
                          alive=lambda: alive, notifier=pings, clock=lambda: T0)  # type: ignore[arg-type]
    return keeper, board, pings


async def test_a_checkpoint_is_written_and_queued_when_it_falls_due(tmp_path: Path) -> None:
    store = MemoryStore()
    keeper, _, _ = housekeeping(tmp_path, store)
    open_window(store, "watch", start=T0, spec=keeper.runtime().reports.specs["watch"])
    await keeper.run_once(T0 + 59)
    assert store.events(0, T0 + 1e6, ["checkpoint.written"]) == []
    await keeper.run_once(T0 + 61)
    [written] = store.events(0, T0 + 1e6, ["checkpoint.written"])
    assert written.message == "watch 1m checkpoint written"
    assert [(n.channel, n.event) for n in store.notifications(0, T0 + 1e6)] == [("ops", "checkpoint")]


async def test_history_past_retention_is_pruned_once_an_hour(tmp_path: Path) -> None:
    store = MemoryStore()
    keeper, _, _ = housekeeping(tmp_path, store)
    store.record(Result("health", "http", Status.OK, "old", started=T0 - 7200))
    await keeper.run_once(T0)
    assert list(store.results("health", 0, T0 + 1)) == []
    store.record(Result("health", "http", Status.OK, "old again", started=T0 - 7200))
    await keeper.run_once(T0 + 600)  # within the hour: not pruned again yet
    assert [r.summary for r in store.results("health", 0, T0 + 1)] == ["old again"]


async def test_systemd_is_pinged_only_while_alive(tmp_path: Path) -> None:
    keeper, _, pings = housekeeping(tmp_path, MemoryStore())
    await keeper.run_once(T0)
    sick, _, quiet = housekeeping(tmp_path, MemoryStore(), alive=False)
    await sick.run_once(T0)
    assert (pings.count, quiet.count) == (1, 0)


async def test_a_store_failure_in_a_pass_is_on_the_health_board(tmp_path: Path) -> None:
    store = MemoryStore()
    keeper, board, pings = housekeeping(tmp_path, store)
    store.windows = lambda include_closed=False: (_ for _ in ()).throw(StoreError("disk I/O error"))  # type: ignore
    await keeper.run_once(T0)
    await keeper.run_once(T0 + 5)  # a read that works again does not clear it: only a write that works does
    assert board.store_error == "disk I/O error"


async def test_a_source_that_starts_and_stops_failing_is_recorded_once_each_way(tmp_path: Path) -> None:
    status = SourceStatus("railway", "command", "railway logs", failing_after=1)
    store = MemoryStore()
    runtime = runtime_for(tmp_path, store)
    runtime.context = SimpleNamespace(logs_in_use=True,  # type: ignore[assignment]
                                      logs=SimpleNamespace(source_status=lambda: {"railway": status}))
    keeper, _, _ = housekeeping(tmp_path, store, runtime=runtime)
    status.exits_in_a_row, status.last_error = 1, "exited with status 1: not logged in"
    await keeper.run_once(T0)
    await keeper.run_once(T0 + 5)
    status.exits_in_a_row = 0
    await keeper.run_once(T0 + 10)
    assert [(e.kind, e.message) for e in store.events(0, T0 + 60)] == [
        ("source.failing", "log source railway: exited with status 1: not logged in"),
        ("source.recovered", "log source railway: exited with status 1: not logged in"),
    ]
