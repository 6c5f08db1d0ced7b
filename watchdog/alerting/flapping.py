"""Flapping as Nagios judges it: how much of a check's recent results changed level (pure).

A check flaps when its level keeps changing between results. Counting changes
within a time window (what watchdog did first) made three separate outages a
"flap" and held back the third; Nagios's method does not: it looks at the last
``history`` transitions between results (21 results: 20 transitions), weights
each change from 0.8 (the oldest) to 1.2 (the newest), and divides by
``history``. A check alternating at every result scores ~100 %; an outage that
starts and ends scores two changes (~10 %) however long it lasts.

Flapping starts at ``flap_start`` % and stops below the lower ``flap_stop`` %
(hysteresis), or at once when the level has held for as many results as it
takes to fire or resolve (``stable``): a check that stops flapping is told in
its real state within one interval, and a real outage after a flap is never
swallowed.
"""

from __future__ import annotations

from collections.abc import Sequence

OLDEST_WEIGHT = 0.8
NEWEST_WEIGHT = 1.2


def remember(levels: Sequence[int], level: int, history: int) -> list[int]:
    """The last ``history + 1`` levels, this result's last."""
    return [*levels, level][-(history + 1):]


def percent_changed(levels: Sequence[int], history: int) -> float:
    """Weighted share of the transitions between ``levels`` that changed level, in percent.

    With fewer results than ``history + 1`` so far, the transitions there are count as
    the newest ones, and the rest as no change."""
    transitions = len(levels) - 1
    if transitions <= 0 or history <= 0:
        return 0.0
    offset = history - transitions
    score = 0.0
    for i in range(1, len(levels)):
        if levels[i] != levels[i - 1]:
            position = offset + i - 1  # 0 = the oldest slot of the window, history - 1 = the newest
            score += OLDEST_WEIGHT + (NEWEST_WEIGHT - OLDEST_WEIGHT) * position / max(history - 1, 1)
    return 100.0 * score / history


def stable(levels: Sequence[int], needed: int) -> bool:
    """Whether the last ``needed`` levels (at least 2) are one and the same."""
    needed = max(needed, 2)
    return len(levels) >= needed and len(set(levels[-needed:])) == 1
