"""Capped exponential backoff: the one formula behind every "wait longer each time".

Used by the outbox (``alerting.retry.RetryPolicy``: retrying a notification, with jitter
on top) and by command log sources (restarting a command that exited). Pure.
"""

from __future__ import annotations

#: exponents past this add nothing (any cap is reached long before) and would overflow
_MAX_EXPONENT = 60


def capped_exponential(n: int, first: float, cap: float, factor: float = 2.0) -> float:
    """Seconds to wait after the ``n``-th failure in a row (1, 2, 3...): ``first``,
    then multiplied by ``factor`` each time, never above ``cap``; 0 when ``n`` < 1."""
    if n < 1:
        return 0.0
    return min(cap, first * factor ** min(n - 1, _MAX_EXPONENT))
