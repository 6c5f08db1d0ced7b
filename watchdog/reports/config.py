"""``[windows.NAME]``: a monitoring window's config, validated at load.

    [windows.phase-3-8]
    title = "Phase 3.8 Production Monitoring"
    start = "deploy"                 # or a time: 2025-10-13T07:10:00Z
    duration = "24h"                 # default 24h
    checkpoints = ["6h", "12h", "18h", "24h"]   # default: quarters of the duration
    channels = ["oncall"]
    criteria = [
      { name = "Performance meets SLA (<500ms latency)", expr = "signal-latency.p95_ms.max < 500" },
      { name = "No critical errors in first 24 hours", expr = "alerts.critical == 0" },
    ]

Criteria are parsed here, so ``windows.NAME.criteria[2].expr`` is named in the
error; an expression about a check that does not exist is a config error.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from watchdog.reports import windows
from watchdog.reports.criteria import Criterion, parse_criterion
from watchdog.types import Duration, PositiveDuration

#: `watchdog report daily` is the daily report, so no window may be called that
RESERVED = {"daily"}


class CriterionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    expr: str

    @field_validator("expr")
    @classmethod
    def _parses(cls, value: str, info: ValidationInfo) -> str:
        checks = (info.context or {}).get("checks")
        parse_criterion(value, checks=checks)
        return value


class WindowConfig(BaseModel):
    """The table as written; ``validate_window`` turns it into a ``WindowSpec``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    start: float | str = "deploy"  # unix seconds, or "deploy"
    duration: PositiveDuration = windows.DEFAULT_DURATION
    checkpoints: tuple[Duration, ...] = ()
    channels: tuple[str, ...] = ()
    criteria: tuple[CriterionConfig, ...] = Field(default_factory=tuple)
    #: a criterion's figure over fewer results than this is MONITORING ("not enough data"), never FAIL
    min_results: int = Field(default=5, ge=1)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> float | str:
        if isinstance(value, str) and value.strip().lower() == "deploy":
            return "deploy"
        return windows.to_timestamp(value)

    @field_validator("channels")
    @classmethod
    def _channels_exist(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = (info.context or {}).get("channels")
        for channel in value:
            if known is not None and channel not in known:
                listed = ", ".join(sorted(known)) or "none configured"
                raise ValueError(f"unknown channel {channel!r} (known channels: {listed})")
        return value

    @field_validator("checkpoints")
    @classmethod
    def _checkpoints_inside(cls, value: tuple[float, ...], info: ValidationInfo) -> tuple[float, ...]:
        duration = info.data.get("duration")
        if duration is not None:
            windows.normalise_checkpoints(value, duration)
        return value


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A configured window, ready to open: the criteria parsed, the checkpoints complete."""

    name: str
    title: str
    start: float | None  # None: opened when a deploy is seen
    duration_s: float
    checkpoints_s: tuple[float, ...]
    channels: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    min_results: int = 5

    @property
    def opens_on_deploy(self) -> bool:
        return self.start is None

    def as_table(self) -> dict[str, Any]:
        """The ``[windows.NAME]`` keys with their effective values (``watchdog config show``)."""
        table = WindowConfig(
            title=self.title, start="deploy" if self.start is None else self.start, duration=self.duration_s,
            checkpoints=self.checkpoints_s, channels=self.channels,
            criteria=tuple(CriterionConfig(name=c.name, expr=c.expr) for c in self.criteria),
            min_results=self.min_results,
        )
        shown = table.model_dump(mode="json")
        if self.start is not None:  # as it is written in the file, not unix seconds
            shown["start"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start))
        return shown


def validate_window(name: str, table: Mapping[str, Any], ctx: Any) -> WindowSpec:
    """The ``TABLES["windows"]`` hook of watchdog.config; errors name ``windows.NAME.KEY``."""
    from watchdog.errors import ConfigError

    if name in RESERVED:
        raise ConfigError(f"the name {name!r} is reserved (`watchdog report daily`); choose another",
                          file=ctx.file, key=f"windows.{name}")
    document = ctx.document
    context = {
        "checks": set((document.get("checks") or {}).keys()),
        "channels": set((document.get("channels") or {}).keys()),
    }
    config = WindowConfig.model_validate(dict(table), context=context)
    criteria = tuple(parse_criterion(c.expr, name=c.name, checks=context["checks"]) for c in config.criteria)
    _known_metrics(name, criteria, getattr(ctx, "metrics", None), ctx.file)
    offsets = config.checkpoints or windows.default_checkpoints(config.duration)
    return WindowSpec(
        name=name,
        title=config.title or name,
        start=None if config.start == "deploy" else float(config.start),
        duration_s=config.duration,
        checkpoints_s=windows.normalise_checkpoints(offsets, config.duration),
        channels=config.channels,
        criteria=criteria,
        min_results=config.min_results,
    )


def _known_metrics(name: str, criteria: Sequence[Criterion], metrics: Mapping[str, Collection[str]] | None,
                   file: str) -> None:
    """A criterion on a metric its check never produces is a config error (when the loader
    tells us each check's metrics as ``ctx.metrics``)."""
    from watchdog.errors import ConfigError

    if metrics is None:
        return
    for i, whole in enumerate(criteria):
        for c in whole.parts or (whole,):
            known = metrics.get(c.check or "")
            if c.subject == "metric" and known is not None and c.metric not in known:
                raise ConfigError(f"metric {c.metric!r} is never produced by check {c.check!r} "
                                  f"(known: {', '.join(sorted(known)) or 'none'})",
                                  file=file, key=f"windows.{name}.criteria[{i}].expr")
