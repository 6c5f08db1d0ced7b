"""Pydantic field types shared by every config model: durations, thresholds.

Parsing happens once, here, by the one parser of each (durations.py,
thresholds.py); models only name the type.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from watchdog.durations import format_duration, parse_duration
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


Duration = Annotated[float, PlainValidator(_duration), PlainSerializer(format_duration, return_type=str)]
PositiveDuration = Annotated[
    float, PlainValidator(_positive_duration), PlainSerializer(format_duration, return_type=str)
]
ThresholdExpr = Annotated[Threshold, PlainValidator(parse_threshold), PlainSerializer(str, return_type=str)]
