"""How long the outbox waits before sending a notification again after a transient failure.

``RetryPolicy``: the shared capped exponential backoff (``watchdog.backoff``)
with jitter, so many retries do not hit a recovering receiver at once; a
receiver's ``Retry-After`` wins, within a cap. Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from watchdog.alerting.channels.base import TransportError
from watchdog.backoff import capped_exponential


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; ``Retry-After`` wins when given."""

    base_s: float = 2.0
    factor: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.2  # up to this fraction of the delay is taken off at random
    give_up_after_s: float = 86400.0  # transient errors for this long: fail, use the fallback
    max_retry_after_s: float = 3600.0

    def delay(self, attempts: int, error: TransportError, rng: Callable[[], float]) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.1), self.max_retry_after_s)
        raw = capped_exponential(max(attempts, 1), self.base_s, self.cap_s, self.factor)
        return raw * (1.0 - self.jitter * rng())
