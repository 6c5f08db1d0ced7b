"""Pure helpers every store engine shares: per-minute rollups and metric cleaning.

A rollup summarises one check over one minute: how many results of each
status, and per metric ``(n, sum, min, max, last)``. Engines keep the
accumulator as plain data (``Acc``) and fold each result into it with
``accumulate``; the SQLite engine stores it as JSON, the memory engine keeps it
in a dict, so both compute exactly the same numbers.
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
    stats = acc["metrics"]
    for name, value in metrics.items():
        cur = stats.get(name)
        if cur is None:
            stats[name] = [1, value, value, value, value, ts]
            continue
        cur[0] += 1
        cur[1] += value
        cur[2] = min(cur[2], value)
        cur[3] = max(cur[3], value)
        if ts >= cur[5]:
            cur[4], cur[5] = value, ts
    return acc


def to_rollup(check: str, minute: float, acc: Acc) -> Rollup:
    """The public, immutable view of an accumulator."""
    counts = {Status(i): n for i, n in enumerate(acc["counts"]) if n}
    metrics = {
        name: (int(v[0]), float(v[1]), float(v[2]), float(v[3]), float(v[4]))
        for name, v in sorted(acc["metrics"].items())
    }
    return Rollup(check=check, minute=minute, counts=counts, metrics=metrics)
