"""The daemon's store when the disk fails: alert states, notifications and events kept in memory,
written back once the store takes writes again; the failure reported, and the recovery."""

from __future__ import annotations

from typing import Any

import pytest

from watchdog.errors import StoreError
from watchdog.model import Result
from watchdog.status import Status
from watchdog.store.base import Event, Notification, Silence
from watchdog.store.memory import MemoryStore
from watchdog.store.resilient import ResilientStore

WRITES = ("record_many", "add_event", "save_alert_state", "enqueue", "claim", "mark_delivered", "mark_attempt",
          "release", "pending_count", "thread_of", "make_due")


class Disk(MemoryStore):
    """A memory store whose writes (and, with ``unreadable``, reads) fail like a full disk."""

    full = False
    unreadable = False

    def __getattribute__(self, name: str) -> Any:
        if (name in WRITES and object.__getattribute__(self, "full")) or (
                name in ("load_alert_state", "silences") and object.__getattribute__(self, "unreadable")):
            def fail(*args: object, **kwargs: object) -> None:
                raise StoreError("/state/watchdog.sqlite3: database or disk is full")
            return fail
        return super().__getattribute__(name)


@pytest.fixture
def disk() -> Disk:
    return Disk()


@pytest.fixture
def reports() -> list[str]:
    return []


@pytest.fixture
def store(disk: Disk, reports: list[str]) -> ResilientStore:
    return ResilientStore(disk, on_error=reports.append, on_ok=lambda: reports.append("ok"))


def note(n: int = 1, created: float = 100.0) -> Notification:
    return Notification(f"wd-{n}", "oncall", "health", "firing", Status.CRITICAL, created,
                        {"episode": "e1"}, next_attempt=created)


def test_a_refused_notification_is_queued_in_memory_and_still_claimed(store, disk, reports) -> None:
    disk.full = True
    assert store.enqueue(note()) is True
    [claimed] = store.claim(200.0, "me", 60.0)
    store.mark_delivered(claimed.id, 201.0)
    assert (claimed.id, store.pending_count(), reports[0]) == ("wd-1", 0, "/state/watchdog.sqlite3: database or disk is full")


def test_make_due_reaches_the_store_and_the_spill(store, disk) -> None:
    store.enqueue(note(1, created=100.0))
    disk.full = True
    store.enqueue(note(2, created=100.0))
    disk.full = False
    store.mark_attempt("wd-1", error="HTTP 500", next_attempt=400.0, permanent=False)
    store.mark_attempt("wd-2", error="HTTP 500", next_attempt=400.0, permanent=False)
    assert store.make_due("oncall", 200.0) == 2


def test_make_due_on_a_full_disk_fails_quietly_and_says_so(store, disk, reports) -> None:
    store.enqueue(note())
    store.mark_attempt("wd-1", error="HTTP 500", next_attempt=400.0, permanent=False)
    disk.full = True
    assert store.make_due("oncall", 200.0) == 0
    assert reports[-1] == "/state/watchdog.sqlite3: database or disk is full"


def test_what_was_kept_in_memory_is_written_once_the_store_takes_writes(store, disk, reports) -> None:
    disk.full = True
    store.enqueue(note())
    store.add_event(Event("alert.fired", 100.0, "health"))
    store.save_alert_state("health", {"firing": 2}, expected=None)
    disk.full = False
    store.record(Result("health", "http", Status.CRITICAL, "HTTP 503", started=101.0))
    assert [n.id for n in disk.notifications(0, 1e9)] == ["wd-1"]
    assert [e.kind for e in disk.events(0, 1e9)] == ["alert.fired"]
    assert disk.load_alert_state("health").state == {"firing": 2}  # type: ignore[union-attr]
    assert reports[-1] == "ok"


def test_an_unsaved_alert_state_is_the_truth_for_this_process(store, disk) -> None:
    store.save_alert_state("health", {"firing": 1}, expected=None)
    disk.full = True
    first = store.load_alert_state("health")
    assert store.save_alert_state("health", {"firing": 2}, expected=first.version) is True  # type: ignore[union-attr]
    assert store.load_alert_state("health").state == {"firing": 2}  # type: ignore[union-attr]
    assert disk.load_alert_state("health").state == {"firing": 1}  # type: ignore[union-attr]
    disk.full = False
    again = store.load_alert_state("health")
    assert store.save_alert_state("health", {"firing": 0}, expected=again.version) is True  # type: ignore[union-attr]
    assert disk.load_alert_state("health") is not None and disk.load_alert_state("health").version == 2  # type: ignore[union-attr]


def test_a_state_that_cannot_be_read_is_the_last_one_known(store, disk) -> None:
    store.save_alert_state("health", {"firing": 2}, expected=None)
    disk.unreadable = True
    assert store.load_alert_state("health").state == {"firing": 2}  # type: ignore[union-attr]


def test_silences_that_cannot_be_read_are_the_last_ones_read(store, disk) -> None:
    disk.add_silence(Silence("s1", "health", 0.0, 500.0, "deploy"))
    assert [s.id for s in store.silences(100.0)] == ["s1"]
    disk.unreadable = True
    assert [s.id for s in store.silences(100.0)] == ["s1"]
    assert store.silences(600.0) == []


def test_a_result_that_cannot_be_stored_is_reported_and_dropped(store, disk, reports) -> None:
    disk.full = True
    store.record(Result("health", "http", Status.OK, "fine", started=1.0))
    disk.full = False
    assert (list(disk.results("health", 0, 10)), reports) == ([], ["/state/watchdog.sqlite3: database or disk is full"])
