"""Pydantic field types shared by every config model: durations, thresholds, severities.

Parsing happens once, here, by the one parser of each (durations.py,
thresholds.py, ``Status.parse``); models only name the type.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, PlainSerializer, PlainValidator
from pydantic_core import CoreSchema, core_schema

from watchdog.durations import format_duration, parse_duration
from watchdog.status import Status
from watchdog.thresholds import Threshold, parse_threshold


def _duration(value: object) -> float:
    if isinstance(value, (str, int, float)):
        return parse_duration(value)
    raise ValueError(f"invalid duration {value!r} (use 500ms, 30s, 5m, 1h, 1d)")


def _positive_duration(value: object) -> float:
    seconds = _duration(value)
    if seconds <= 0:
        raise ValueError(f"invalid duration {value!r}: must be more than zero")
    return seconds


def _within(low: float, high: float) -> Any:
    """A duration validator bounded to ``[low, high]``: a schedule or a timeout past sane bounds
    (a check every 1e999 s, a timeout of a year) would switch monitoring off without a word."""

    def check(value: object) -> float:
        seconds = _positive_duration(value)
        if not low <= seconds <= high:
            raise ValueError(f"invalid duration {value!r}: use {format_duration(low)} to {format_duration(high)}")
        return seconds

    return PlainValidator(check)


Duration = Annotated[float, PlainValidator(_duration), PlainSerializer(format_duration, return_type=str)]
PositiveDuration = Annotated[
    float, PlainValidator(_positive_duration), PlainSerializer(format_duration, return_type=str)
]
#: how often a check runs: 100 ms to 30 days
Interval = Annotated[float, _within(0.1, 30 * 86400.0), PlainSerializer(format_duration, return_type=str)]
#: how long one run may take: 1 ms to 1 hour
Timeout = Annotated[float, _within(0.001, 3600.0), PlainSerializer(format_duration, return_type=str)]
ThresholdExpr = Annotated[Threshold, PlainValidator(parse_threshold), PlainSerializer(str, return_type=str)]


class Severity:
    """A severity key that takes only some levels: ``Annotated[Status, Severity(Status.WARNING, ...)]``.

    Reads ``"warning"``, ``"CRIT"``... with ``Status.parse`` and shows the level's
    lower-case name. A level this key does not take is ``invalid severity 'ok'
    (use warning or critical)``; text that names no level at all is answered like
    any other choice of words: ``input should be 'warning' or 'critical', got 'page'``.
    """

    def __init__(self, *allowed: Status) -> None:
        self.allowed = allowed

    def parse(self, value: object) -> Status:
        if isinstance(value, Status) and value in self.allowed:
            return value
        try:
            status = Status.parse(value) if isinstance(value, str) else None
        except ValueError:
            status = None
        if status is None:
            choices = _or_list([repr(level.name.lower()) for level in self.allowed])
            raise ValueError(f"input should be {choices}, got {value!r}")
        if status not in self.allowed:
            names = _or_list([level.name.lower() for level in self.allowed])
            raise ValueError(f"invalid severity {value!r} (use {names})")
        return status

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _level_name, return_schema=core_schema.str_schema()),
        )


def _level_name(status: Status) -> str:
    return status.name.lower()


def _or_list(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
