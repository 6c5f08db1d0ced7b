"""Percentiles and summaries of samples: the one implementation every kind and report uses."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, linearly interpolated
    (numpy's default); NaN when there are none."""
    if not ordered:
        return math.nan
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def latency_summary(samples: Iterable[float], prefix: str = "", suffix: str = "_ms") -> dict[str, float]:
    """``{p50_ms, p95_ms, p99_ms, max_ms}`` of ``samples`` (empty when there are none)."""
    ordered = sorted(samples)
    if not ordered:
        return {}
    return {
        f"{prefix}p50{suffix}": percentile(ordered, 50),
        f"{prefix}p95{suffix}": percentile(ordered, 95),
        f"{prefix}p99{suffix}": percentile(ordered, 99),
        f"{prefix}max{suffix}": float(ordered[-1]),
    }


def format_ms(ms: float) -> str:
    """Milliseconds as a person reads them: ``51``, ``4.2``, ``0.38`` (2-3 significant digits)."""
    if math.isnan(ms):
        return "?"
    if ms >= 10:
        return f"{ms:.0f}"
    if ms >= 1:
        return f"{ms:.1f}"
    return f"{ms:.2f}"
