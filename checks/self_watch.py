"""``watchdog``: the daemon's check of itself — could it go blind while saying it is fine?

    [checks.watchdog]            # optional: the daemon runs this check anyway, with these defaults
    type = "watchdog"
    interval = "30s"
    [checks.watchdog.alert]
    channels = ["oncall"]

Metrics (each 0 while all is well): ``store_errors`` (the store refuses writes:
disk full, read-only), ``store_replaced`` (its file or directory was removed or
replaced under the daemon, for 10 minutes after), ``scheduler_stalled``,
``channels_broken``, ``sources_failing``, ``clock_jump_s`` (for 10 minutes
after a jump), ``overrun_pct`` (runs skipped or started late). The summary
says each problem in words. Without thresholds of its own it is CRITICAL on
any of the first six and WARNING on an overload (``overrun_pct > 10``).

The daemon, not the scheduler, runs it (every housekeeping pass once its
interval passed, and at once when a new problem appears), so a stalled
scheduler is still reported. Outside ``watchdog run`` there is nothing to
watch: ``watchdog check`` reports it UNKNOWN.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import model_validator

from watchdog.errors import CannotRun
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.model import Measurement

CRITICAL = ("store_errors > 0", "store_replaced > 0", "scheduler_stalled > 0", "channels_broken > 0",
            "sources_failing > 0", "clock_jump_s > 0")
WARNING = ("overrun_pct > 10",)


class SelfCheckConfig(CheckConfig):
    """Keys of ``type = "watchdog"``: only those every check has."""

    @model_validator(mode="before")
    @classmethod
    def _default_thresholds(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("warning") and not data.get("critical"):
            return {**data, "warning": list(WARNING), "critical": list(CRITICAL)}
        return data


class SelfCheck(CheckKind[SelfCheckConfig]):
    """Reads what the running daemon knows about itself (``CheckContext.self_watch``)."""

    type: ClassVar[str] = "watchdog"
    METRICS: ClassVar[frozenset[str]] = frozenset({
        "store_errors", "store_replaced", "scheduler_stalled", "channels_broken", "sources_failing",
        "clock_jump_s", "overrun_pct"})
    MAIN_METRIC: ClassVar[str | None] = None

    async def measure(self) -> Measurement:
        report = self.context.self_watch
        if report is None:
            raise CannotRun("the watchdog check reports on a running daemon (watchdog run); "
                            "ask it with watchdog status")
        return report()
