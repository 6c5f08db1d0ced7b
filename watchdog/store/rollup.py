"""Pure helpers every store engine shares: per-minute rollups and metric cleaning.

A rollup summarises one check over one minute: how many results of each
status, and per metric ``(n, sum, min, max, last)``. Engines keep the
accumulator as plain data (``Acc``) and fold each result into it with
``accumulate`` and add spans together with ``merge``. The memory engine keeps
accumulators per minute; the SQLite engine folds each batch with
``accumulate`` and lets an UPSERT add the batch to the stored minute (the same
sums, minimums, maximums and latest-wins rule as ``merge``, in SQL), so both
engines compute the same numbers (tests/test_store.py runs every case on both).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from watchdog.status import Status
from watchdog.store.base import Rollup

MINUTE = 60.0

#: ``{"counts": [ok, warning, critical, unknown], "metrics": {name: [n, sum, min, max, last, last_ts]}}``
#: ``last_ts`` keeps "last" right when results of one minute arrive out of order.
Acc = dict[str, Any]


def minute_of(ts: float) -> float:
    """The start of the minute holding ``ts`` (unix seconds, UTC)."""
    return math.floor(ts / MINUTE) * MINUTE


def clean_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """Finite numbers only: NaN and infinities are not measurements and JSON cannot hold them."""
    out: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        number = float(value)
        if math.isfinite(number):
            out[name] = number
    return out


def new_acc() -> Acc:
    return {"counts": [0, 0, 0, 0], "metrics": {}}


def accumulate(acc: Acc, status: Status, metrics: Mapping[str, float], ts: float) -> Acc:
    """Fold one result into ``acc`` (in place, and returned). ``metrics`` must be clean."""
    acc["counts"][int(status)] += 1
    for name, value in metrics.items():
        _fold(acc["metrics"], name, [1, value, value, value, value, ts])
    return acc


def merge(into: Acc, other: Acc) -> Acc:
    """Fold accumulator ``other`` into ``into`` (in place, and returned): a span's total."""
    into["counts"] = [a + b for a, b in zip(into["counts"], other["counts"])]
    for name, stat in other["metrics"].items():
        _fold(into["metrics"], name, list(stat))
    return into


def _fold(stats: dict[str, list[float]], name: str, stat: list[float]) -> None:
    """``stat`` = [n, sum, min, max, last, last_ts] added to ``stats[name]``."""
    cur = stats.get(name)
    if cur is None:
        stats[name] = stat
        return
    cur[0] += stat[0]
    cur[1] += stat[1]
    cur[2] = min(cur[2], stat[2])
    cur[3] = max(cur[3], stat[3])
    if stat[5] >= cur[5]:
        cur[4], cur[5] = stat[4], stat[5]


def to_rollup(check: str, minute: float, acc: Acc) -> Rollup:
    """The public, immutable view of an accumulator."""
    return make_rollup(check, minute, acc["counts"], {name: v[:5] for name, v in acc["metrics"].items()})


def make_rollup(check: str, minute: float, counts: list[int] | tuple[int, ...],
                metrics: Mapping[str, Any]) -> Rollup:
    """A Rollup from ``[ok, warning, critical, unknown]`` and ``name -> (n, sum, min, max, last)``."""
    return Rollup(
        check=check,
        minute=minute,
        counts={_STATUSES[i]: n for i, n in enumerate(counts) if n},
        metrics={name: (int(v[0]), float(v[1]), float(v[2]), float(v[3]), float(v[4]))
                 for name, v in sorted(metrics.items())},
    )


_STATUSES = tuple(Status)
