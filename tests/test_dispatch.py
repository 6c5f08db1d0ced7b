"""The dispatcher saves alert states by compare-and-set (watchdog/alerting/dispatch.py):
a state another writer saved meanwhile is read again and stepped from, never overwritten."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from watchdog.alerting.dispatch import CheckRouting, Dispatcher
from watchdog.alerting.policy import step
from watchdog.alerting.rules import AlertRules
from watchdog.model import Result
from watchdog.status import Status
from watchdog.store.memory import MemoryStore

T0 = 1_714_564_800.0
RULES = AlertRules.model_validate({"after": 1, "flap_start": 0, "flap_stop": 0})


class RacedStore(MemoryStore):
    """Another replica fires ``health`` just before each of the first ``races`` saves."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def save_alert_state(self, check: str, state: Mapping[str, Any], *, expected: int | None) -> bool:
        if self.races:
            self.races -= 1
            found = self.load_alert_state(check)
            theirs, _ = step(found.state if found else None, Status.CRITICAL, T0, RULES)
            super().save_alert_state(check, theirs, expected=found.version if found else None)
        return super().save_alert_state(check, state, expected=expected)


def dispatch(store: MemoryStore) -> tuple[Dispatcher, list[tuple[str, tuple[str, ...]]]]:
    told: list[tuple[str, tuple[str, ...]]] = []
    routing = {"health": CheckRouting(rules=RULES, channels=("oncall",))}
    return Dispatcher(store, lambda m, chans: told.append((m.event, tuple(chans))), routing, str), told


def critical() -> Result:
    return Result(check="health", kind="http", status=Status.CRITICAL, summary="HTTP 503", started=T0 + 30)


def test_without_a_conflict_the_first_critical_fires() -> None:
    dispatcher, told = dispatch(RacedStore(races=0))
    assert [d.event for d in dispatcher.handle(critical())] == ["firing"]
    assert told == [("firing", ("oncall",))]


def test_after_a_conflict_the_policy_steps_from_the_other_writers_state() -> None:
    store = RacedStore(races=1)
    dispatcher, told = dispatch(store)
    assert dispatcher.handle(critical()) == []  # the other replica fired it already
    assert told == [] and store.events(0, T0 + 60, kinds=["alert.fired"]) == []
    found = store.load_alert_state("health")
    assert found is not None and (found.version, found.state["firing"]) == (2, 2)


def test_a_second_conflict_is_logged_and_the_result_left_to_the_other_writer(
        caplog: pytest.LogCaptureFixture) -> None:
    store = RacedStore(races=2)
    dispatcher, told = dispatch(store)
    assert dispatcher.handle(critical()) == [] and told == []
    assert store.load_alert_state("health").version == 2  # type: ignore[union-attr]
    assert "alert state of health changed twice while this result was judged" in caplog.text
