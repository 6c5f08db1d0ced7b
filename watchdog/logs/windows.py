"""Pure, bounded, time-windowed state fed by the matcher; no I/O, no clock of its own.

Every method takes the time explicitly (the moment a line was read, or the
line's own timestamp), so tests drive them with plain numbers.

Two ways to read a state, one per mode of ``LogHub``:

* **live** (the daemon): ``snapshot(now)`` is the sliding window ending now;
* **final** (one-off ``watchdog check`` / ``logs scan``, the read is over):
  ``snapshot(now, final=True)`` judges the whole read - the busiest window for
  counts (``peak``: "was there a minute with more than 5 disconnects?"), the
  whole read for ratios.

Memory: a ``WindowCounter`` keeps at most ``buckets`` (default 60) counters
whatever the rate; evidence keeps a handful of lines.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Lines(Protocol):
    """A block's matching lines of one pattern (``watchdog.logs.routes.MatchedLines``)."""

    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> str: ...
    def match(self, i: int) -> re.Match[str]: ...


class WindowCounter:
    """Events per time bucket over a sliding ``window`` (seconds), in O(buckets) memory."""

    def __init__(self, window: float, buckets: int = 60) -> None:
        self.window = window
        self.width = window / buckets
        self.size = buckets
        self.total = 0  # events in the current window
        self.peak = 0  # the most events any window held (ending at an event)
        self.all = 0  # events ever added
        self._buckets: deque[list[int]] = deque()  # [bucket number, count], oldest first

    def add(self, t: float, n: int = 1) -> None:
        """Count ``n`` events at time ``t``; events older than the window are counted in ``all`` only."""
        self.all += n
        number = math.floor(t / self.width)
        newest = self._buckets[-1][0] if self._buckets else None
        if newest is None or number > newest:
            self._expire(number)
            self._buckets.append([number, n])
        elif number <= newest - self.size:
            return  # out of order by more than the window
        else:
            self._add_old(number, n)
        self.total += n
        if self.total > self.peak:
            self.peak = self.total

    def count(self, now: float) -> int:
        """Events in the window ending at ``now``."""
        self._expire(math.floor(now / self.width))
        return self.total

    def _expire(self, number: int) -> None:
        while self._buckets and self._buckets[0][0] <= number - self.size:
            self.total -= self._buckets.popleft()[1]

    def _add_old(self, number: int, n: int) -> None:
        for bucket in reversed(self._buckets):  # rare: a line whose own time is a little behind
            if bucket[0] == number:
                bucket[1] += n
                return
            if bucket[0] < number:
                break
        self._buckets.append([number, n])
        self._buckets = deque(sorted(self._buckets))


@dataclass
class Counts:
    """A count over a window, as a check sees it."""

    count: int
    window: float
    all: int = 0
    peak: bool = False  # the busiest window of a finished read, not the last one

    @property
    def per_min(self) -> float:
        return self.count * 60.0 / self.window


class RateState:
    """``log-rate``: matches in a sliding window."""

    def __init__(self, window: float) -> None:
        self.matches = WindowCounter(window)

    def hit(self, t: float, n: int = 1) -> None:
        self.matches.add(t, n)

    def snapshot(self, now: float, final: bool = False) -> Counts:
        live = self.matches.count(now)
        if final:
            return Counts(max(live, self.matches.peak), self.matches.window, self.matches.all, peak=True)
        return Counts(live, self.matches.window, self.matches.all)


@dataclass
class Ratio:
    matches: int
    total: int

    @property
    def ratio_pct(self) -> float | None:
        return 100.0 * self.matches / self.total if self.total else None


class RatioState:
    """``log-ratio``: matching lines over all lines (or over another pattern's matches)."""

    def __init__(self, window: float) -> None:
        self.matches = WindowCounter(window)
        self.total = WindowCounter(window)

    def hit(self, t: float, n: int = 1) -> None:
        self.matches.add(t, n)

    def lines(self, t: float, n: int) -> None:
        self.total.add(t, n)

    def snapshot(self, now: float, final: bool = False) -> Ratio:
        if final:
            return Ratio(self.matches.all, self.total.all)
        return Ratio(self.matches.count(now), self.total.count(now))


@dataclass
class Absence:
    since_last_s: float
    seen: int
    lines: int
    ever_seen: bool


class AbsenceState:
    """``log-absence``: how long since the last match (or since reading began)."""

    def __init__(self) -> None:
        self.began: float | None = None
        self.last: float | None = None
        self.seen = 0
        self.line_count = 0

    def begin(self, t: float) -> None:
        if self.began is None:
            self.began = t

    def hit(self, t: float, n: int = 1) -> None:
        self.seen += n
        if self.last is None or t > self.last:
            self.last = t

    def lines(self, t: float, n: int) -> None:
        if self.began is None:
            self.began = t
        self.line_count += n

    def snapshot(self, now: float, final: bool = False) -> Absence:
        since = self.last if self.last is not None else self.began
        elapsed = max(0.0, now - since) if since is not None else 0.0
        return Absence(elapsed, self.seen, self.line_count, self.last is not None)


@dataclass
class Matches:
    count: int
    evidence: tuple[str, ...]
    labels: Mapping[str, str]


@dataclass
class MatchState:
    """``log-match``: lines seen since the last snapshot, a few kept as evidence."""

    keep: int = 5
    count: int = 0
    evidence: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def hit(self, line: str, groups: Mapping[str, str | None]) -> None:
        self.count += 1
        if len(self.evidence) < self.keep:
            self.evidence.append(line)
        if self.count == 1:
            self.labels = {k: v for k, v in groups.items() if v is not None}

    def hits(self, lines: Lines) -> None:
        """``hit`` for each of ``lines`` (a block's matching lines), decoding only those kept."""
        if not len(lines):
            return
        if self.count == 0:
            self.labels = {k: v for k, v in lines.match(0).groupdict().items() if v is not None}
        self.count += len(lines)
        self.evidence += [lines[i] for i in range(min(self.keep - len(self.evidence), len(lines)))]

    def take(self) -> Matches:
        """What was seen since the last ``take`` (the daemon asks once per run)."""
        out = Matches(self.count, tuple(self.evidence), dict(self.labels))
        self.count, self.evidence, self.labels = 0, [], {}
        return out


class Evidence:
    """A few matching lines: the first ones (a finished read) and the latest ones (live)."""

    def __init__(self, keep: int = 3) -> None:
        self.first: list[str] = []
        self.latest: deque[str] = deque(maxlen=keep)
        self.keep = keep

    def add(self, line: str) -> None:
        if len(self.first) < self.keep:
            self.first.append(line)
        self.latest.append(line)

    def extend(self, lines: Lines) -> None:
        """``add`` each of ``lines``, decoding only the first and last few."""
        n = len(lines)
        self.first += [lines[i] for i in range(min(self.keep - len(self.first), n))]
        self.latest.extend(lines[i] for i in range(max(0, n - self.keep), n))

    def lines(self, final: bool) -> tuple[str, ...]:
        return tuple(self.first if final else self.latest)
