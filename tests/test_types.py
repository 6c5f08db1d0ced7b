"""The shared config field types: one ``Severity``, parametrised by the levels a key takes."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from watchdog.status import Status
from watchdog.types import Severity


class Levels(BaseModel):
    rule: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL)] = Status.WARNING
    channel: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL, Status.UNKNOWN)] = Status.WARNING


@pytest.mark.parametrize(("key", "value", "level"), [
    ("rule", "warning", Status.WARNING),
    ("rule", "CRIT", Status.CRITICAL),
    ("channel", "unknown", Status.UNKNOWN),
    ("channel", Status.CRITICAL, Status.CRITICAL),
])
def test_severity_reads_the_levels_a_key_takes(key: str, value: object, level: Status) -> None:
    assert getattr(Levels.model_validate({key: value}), key) is level


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rule", "ok", "invalid severity 'ok' (use warning or critical)"),
    ("rule", "unknown", "invalid severity 'unknown' (use warning or critical)"),
    ("channel", "ok", "invalid severity 'ok' (use warning, critical or unknown)"),
    ("rule", "page", "input should be 'warning' or 'critical', got 'page'"),
    ("channel", 3, "input should be 'warning', 'critical' or 'unknown', got 3"),
])
def test_severity_refuses_other_levels_saying_which_it_takes(key: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        Levels.model_validate({key: value})
    assert err.value.errors()[0]["msg"] == f"Value error, {message}"


def test_severity_shows_the_level_name() -> None:
    assert Levels(rule=Status.CRITICAL).model_dump() == {"rule": "critical", "channel": "warning"}
