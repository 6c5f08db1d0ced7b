"""Both store engines as one fixture: ``store`` runs a test on SQLite (a real file in
tmp_path) and on memory; ``note`` builds a notification to queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from watchdog.status import Status
from watchdog.store.base import Notification, Store
from watchdog.store.memory import MemoryStore
from watchdog.store.sqlite import SqliteStore


def note(nid: str, created: float, *, episode: str = "e1", channel: str = "oncall",
         next_attempt: float = 0.0, check: str = "health") -> Notification:
    return Notification(id=nid, channel=channel, check=check, event="firing", severity=Status.CRITICAL,
                        created=created, payload={"episode": episode, "summary": "down"},
                        next_attempt=next_attempt)


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store = SqliteStore(tmp_path / "state") if request.param == "sqlite" else MemoryStore()
    yield s
    s.close()
