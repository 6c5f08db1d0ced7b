"""What the alert policy decides, as plain data: the ``Decision``, the levels, episode ids.

Shared by the policy (``policy.py``: the truth) and the notices (``notices.py``:
what people are told), and read by the dispatcher that turns decisions into
messages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from watchdog.alerting.rules import AlertRules
from watchdog.status import Status

#: the alert levels by number: 0 OK, 1 WARNING, 2 CRITICAL (``level_of``)
LEVELS = (Status.OK, Status.WARNING, Status.CRITICAL)


@dataclass(frozen=True, slots=True)
class Decision:
    """One notification to send; the arguments of ``alerting.message.build_message``."""

    event: str  # firing | escalated | downgraded | reminder | resolved | flapping | acknowledged
    severity: Status  # the alert's level; for ``resolved``, the level that ended
    episode: str
    started: float  # the episode's first non-OK result
    at: float  # the result's time that decided it
    seq: int = 0  # this notification's number within the episode, from 0
    previous: Status | None = None  # escalated / downgraded from
    peak: Status | None = None  # the worst level told in the episode
    suppressed: int = 0  # step_match: matches held back by the rate limit since the last notice
    channels: tuple[str, ...] = ()  # told besides the check's channels (escalation steps done)
    escalation: int | None = None  # the ``escalate`` step (from 0) this notice is: only ``channels`` hear it
    by: str = ""  # acknowledged: who, and why
    reason: str = ""


def level_of(status: Status, rules: AlertRules) -> int:
    """0 OK, 1 WARNING, 2 CRITICAL (UNKNOWN too); below ``min_severity``: 0."""
    level = min(int(status), 2)
    return level if level >= int(rules.min_severity) else 0


def episode_id(ts: float, suffix: str = "") -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ts))
    return f"{stamp}.{int(round(ts * 1000)) % 1000:03d}Z{suffix}"
