"""Alert rules: the ``[defaults.alert]`` and ``[checks.NAME.alert]`` tables, validated.

    [defaults.alert]
    after = 3                 # consecutive non-OK results before firing (default 3; 1 when `for` is set)
    # after = { warning = 3, critical = 5 }   # ...or per level: 3 failures warn, 5 are critical
    for = "2m"                # ...and/or: non-OK for this long (from the first non-OK result)
    recover_after = 1         # consecutive OK results before the resolve
    keep_firing_for = "1m"    # ...and OK for at least this long (default 0s)
    repeat = "1h"             # remind while firing ("0s": never)
    repeat_backoff = 2.0      # each reminder waits this much longer than the last...
    repeat_max = "1d"         # ...but never longer than this
    flap_history = 20         # flapping is judged on the last 20 changes-or-not between results,
    flap_start = 25           #   recent ones weighted more (Nagios): starts at 25 % changed,
    flap_stop = 10            #   stops below 10 % or once the level holds (0: never flapping)
    escalate = [{ after = "10m", channels = ["pager"] }]   # still unresolved and not acked: tell more
    channels = ["oncall"]
    deploy_channels = ["oncall"]   # "deploy seen" notices, when the windows it opens name none
    runbook = "health-endpoint-down"
    min_severity = "warning"  # "critical": WARNING results count as OK for alerting
    log_match_rate_limit = "1m"   # log-match checks: at most one notification per this
    maintenance = [{ days = ["sat"], start = "02:00", end = "04:00", tz = "UTC" }]

A check's table overrides the defaults key by key (``effective_rules``); a key
that is not listed here is a config error naming it.

Maintenance windows: ``days`` (mon..sun, default every day) are the days a
window *starts*; ``start``/``end`` are ``HH:MM`` wall-clock times in ``tz``
(an IANA zone, default UTC); an ``end`` at or before ``start`` runs past
midnight (``22:00``-``02:00``), ``end = "24:00"`` means midnight. Inside one,
notifications are held exactly as under a silence.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, field_validator, model_validator

from watchdog.status import Status
from watchdog.types import Duration, PositiveDuration, Severity

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _clock(value: object) -> int:
    """``"02:30"`` -> minutes after midnight (``"24:00"`` -> 1440)."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match or (int(match.group(1)) == 24 and match.group(2) != "00"):
        raise ValueError(f"invalid time {value!r} (use HH:MM, 00:00 to 24:00)")
    return int(match.group(1)) * 60 + int(match.group(2))


ClockTime = Annotated[int, PlainValidator(_clock), PlainSerializer(lambda m: f"{m // 60:02d}:{m % 60:02d}")]


class MaintenanceWindow(BaseModel):
    """A recurring weekly window in which notifications are held."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[Weekday, ...] = DAYS
    start: ClockTime
    end: ClockTime
    tz: str = "UTC"

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as UTC or Europe/Paris)") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> MaintenanceWindow:
        if self.start == self.end:
            raise ValueError("start and end are the same time: the window would be empty")
        if not self.days:
            raise ValueError("days is empty: the window would never apply")
        return self

    def covers(self, now: float) -> bool:
        """Is unix time ``now`` inside this window?"""
        local = datetime.fromtimestamp(now, ZoneInfo(self.tz))
        minute = local.hour * 60 + local.minute
        today = DAYS[local.weekday()] in self.days
        if self.start < self.end:
            return today and self.start <= minute < self.end
        yesterday = DAYS[(local - timedelta(days=1)).weekday()] in self.days
        return (today and minute >= self.start) or (yesterday and minute < self.end)


class AfterLevels(BaseModel):
    """``after = { warning = 3, critical = 5 }``: failures in a row before each level fires."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warning: int = Field(ge=1)
    critical: int = Field(ge=1)


class Escalation(BaseModel):
    """One step of ``escalate``: after this long unresolved (and not acknowledged), tell these too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    after: PositiveDuration
    channels: tuple[str, ...] = Field(min_length=1)


def _after(value: object) -> int | AfterLevels | None:
    """``after = 3`` or ``after = { warning = 3, critical = 5 }``, in one clear line either way."""
    if value is None or isinstance(value, AfterLevels):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError(f"input should be greater than or equal to 1, got {value}")
        return value
    if isinstance(value, dict):
        levels = {k: v for k, v in value.items()}
        if set(levels) == {"warning", "critical"} and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in levels.values()):
            return AfterLevels(**levels)
    raise ValueError(f"use a number of results, or {{ warning = N, critical = M }}, got {value!r}")


_REPLACED = {"flap_window": "flap_history", "flap_threshold": "flap_start and flap_stop"}


class AlertRules(BaseModel):
    """When a check's results become notifications; see the module docstring for each key."""

    # `for` is a Python keyword: the field is for_, the key (read and shown) is "for"
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    after: Annotated[int | AfterLevels | None, PlainValidator(lambda v: _after(v)),
                     PlainSerializer(lambda v: v.model_dump() if isinstance(v, AfterLevels) else v)] = None
    for_: Duration | None = Field(default=None, alias="for")
    recover_after: int = Field(default=1, ge=1)
    keep_firing_for: Duration = 0.0
    repeat: Duration = 3600.0
    repeat_backoff: float = Field(default=1.0, ge=1.0)
    repeat_max: PositiveDuration = 86400.0
    flap_history: int = Field(default=20, ge=2, le=100)
    flap_start: float = Field(default=25.0, ge=0.0, le=100.0)
    flap_stop: float = Field(default=10.0, ge=0.0, le=100.0)
    escalate: tuple[Escalation, ...] = ()
    channels: tuple[str, ...] = ()
    #: where "deploy seen" notices go when the windows a deploy opens name no channels
    deploy_channels: tuple[str, ...] = ()
    runbook: str | None = None
    min_severity: Annotated[Status, Severity(Status.WARNING, Status.CRITICAL)] = Status.WARNING
    maintenance: tuple[MaintenanceWindow, ...] = ()
    log_match_rate_limit: Duration = 60.0

    @model_validator(mode="before")
    @classmethod
    def _replaced_keys(cls, data: Any) -> Any:
        for old, new in _REPLACED.items():
            if isinstance(data, dict) and old in data:
                raise ValueError(f"{old} was replaced by {new} (flapping is judged on the last results, "
                                 "not a time window: see the README)")
        return data

    @model_validator(mode="after")
    def _stop_below_start(self) -> AlertRules:
        if self.flap_stop > self.flap_start:
            raise ValueError(f"flap_stop ({self.flap_stop:g}) must not be above flap_start ({self.flap_start:g})")
        return self

    def after_for(self, level: int) -> int:
        """Failures in a row before ``level`` (1 WARNING, 2 CRITICAL) fires: ``after`` (per level
        when a table), else 3, or 1 when only ``for`` is set."""
        if isinstance(self.after, AfterLevels):
            return self.after.critical if level >= 2 else self.after.warning
        if self.after is not None:
            return self.after
        return 1 if self.for_ else 3

    @property
    def after_n(self) -> int:
        """The failures in a row before anything fires (the smaller of the two levels')."""
        return min(self.after_for(1), self.after_for(2))

    def in_maintenance(self, now: float) -> bool:
        return any(window.covers(now) for window in self.maintenance)


DEFAULT_RULES = AlertRules()


def effective_rules(defaults: AlertRules | None, check: AlertRules | None) -> AlertRules:
    """The defaults with every key the check's table sets replaced, key by key."""
    base = defaults or DEFAULT_RULES
    if check is None:
        return base
    update: dict[str, Any] = {name: getattr(check, name) for name in check.model_fields_set}
    return base.model_copy(update=update)
