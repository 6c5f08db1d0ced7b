"""Is the daemon itself healthy: what ``/healthz`` answers and what gates systemd's watchdog pings.

``HealthBoard`` collects what the daemon's parts report about themselves (the
store failed or works again); ``judge()`` is pure: the board's facts, the
scheduler's last tick and the shortest check interval become (ok, reason).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the scheduler counts as stalled after this many of the shortest interval without a run
STALL_INTERVALS = 3
STALL_MIN_S = 60.0


@dataclass
class HealthBoard:
    """What the parts of the daemon report about themselves."""

    store_error: str = ""

    def store_failed(self, error: str) -> None:
        self.store_error = error

    def store_ok(self) -> None:
        self.store_error = ""


def judge(board: HealthBoard, *, now: float, started_at: float, last_tick: float | None,
          shortest_interval: float | None, checks: int) -> tuple[bool, str]:
    """Unhealthy when the store is unwritable or no check started for a few intervals."""
    if board.store_error:
        return False, f"store unwritable: {board.store_error}"
    if last_tick is not None and shortest_interval is not None:
        limit = max(STALL_INTERVALS * shortest_interval, STALL_MIN_S)
        stalled = now - last_tick
        if stalled > limit and now - started_at > limit:
            return False, f"scheduler stalled: no check started for {stalled:.0f}s"
    return True, f"ok: {checks} checks"
