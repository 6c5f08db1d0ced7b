"""Correlated latency: a start line and an end line joined by a key, in bounded memory.

``PairTracker`` is pure (times are passed in). Starts wait in a ``KeyedFifo``
(first in, first out per key: two trades of one user pair in order); an end
whose start has not been seen yet waits too, because lines of two replicas
interleave and a file's own timestamps can run backwards.

Bounded whatever the input: at most ``max_pending`` starts and as many early
ends wait; past the cap the oldest start is dropped and counted ``lost``, like
a start whose end did not come within ``timeout``. Latency samples are kept
for ``window`` and at most ``max_samples`` of them (the newest).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass

from watchdog.logs.windows import WindowCounter
from watchdog.stats import latency_summary


class KeyedFifo:
    """Times waiting per key, oldest first overall and per key, capped in size."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._order: OrderedDict[int, tuple[Hashable, float]] = OrderedDict()
        self._by_key: dict[Hashable, deque[int]] = {}
        self._seq = 0
        #: no time waiting is older than this (while times arrive in order: the oldest's time when
        #: last looked at), so expire() can answer at once - it runs on every start and end
        self.floor = math.inf
        self._last = -math.inf

    def __len__(self) -> int:
        return len(self._order)

    def push(self, key: Hashable, t: float) -> list[float]:
        """Add one; returns the times of the oldest entries dropped to stay within the cap."""
        self._seq += 1
        if t < self._last:  # out of order: no shortcut from now on
            self.floor = -math.inf
        self._last = max(self._last, t)
        self.floor = min(self.floor, t)
        self._order[self._seq] = (key, t)
        self._by_key.setdefault(key, deque()).append(self._seq)
        dropped = []
        while len(self._order) > self.cap:
            dropped.append(self._drop_oldest())
        return dropped

    def pop(self, key: Hashable) -> float | None:
        """The oldest time waiting for ``key`` (removed), or None."""
        queue = self._by_key.get(key)
        if not queue:
            return None
        seq = queue.popleft()
        if not queue:
            del self._by_key[key]
        return self._order.pop(seq)[1]

    def expire(self, before: float) -> list[float]:
        """Remove and return every time older than ``before`` (oldest first)."""
        if before <= self.floor:
            return []
        gone = []
        while self._order:
            _key, t = next(iter(self._order.values()))
            if t >= before:
                self.floor = t if self.floor > -math.inf else self.floor
                break
            gone.append(self._drop_oldest())
        else:
            self.floor = math.inf if self.floor > -math.inf else self.floor
        return gone

    def _drop_oldest(self) -> float:
        seq, (key, t) = self._order.popitem(last=False)
        queue = self._by_key[key]
        if queue[0] == seq:  # always, while times arrive in order
            queue.popleft()
        else:
            queue.remove(seq)
        if not queue:
            del self._by_key[key]
        return t


@dataclass
class Latency:
    """What a ``log-latency`` check reports."""

    samples_ms: list[float]
    lost: int
    pending: int
    orphan_ends: int

    @property
    def pairs(self) -> int:
        return len(self.samples_ms)

    @property
    def lost_pct(self) -> float | None:
        done = self.pairs + self.lost
        return 100.0 * self.lost / done if done else None

    def metrics(self) -> dict[str, float]:
        out = latency_summary(self.samples_ms)
        if self.samples_ms:
            out["avg_ms"] = sum(self.samples_ms) / len(self.samples_ms)
        out.update(pairs=float(self.pairs), lost=float(self.lost))
        if self.lost_pct is not None:
            out["lost_pct"] = self.lost_pct
        return out


class PairTracker:
    """Pairs ``start(key, t)`` with ``end(key, t)``; counts starts with no end as lost."""

    def __init__(self, *, timeout: float, window: float, max_pending: int = 10_000,
                 max_samples: int = 100_000) -> None:
        self.timeout = timeout
        self.window = window
        self.starts = KeyedFifo(max_pending)
        self.ends = KeyedFifo(max_pending)
        self.samples: deque[tuple[float, float]] = deque(maxlen=max_samples)  # (end time, ms)
        self.lost = WindowCounter(window)
        self.orphan_ends = 0

    def start(self, key: Hashable, t: float) -> None:
        self.expire(t)
        early_end = self.ends.pop(key)
        if early_end is not None:  # the end was read first: pair them now
            self.samples.append((max(t, early_end), max(0.0, early_end - t) * 1000.0))
            return
        for dropped in self.starts.push(key, t):
            self.lost.add(dropped + self.timeout)

    def end(self, key: Hashable, t: float) -> None:
        self.expire(t)
        began = self.starts.pop(key)
        if began is not None:
            self.samples.append((t, max(0.0, t - began) * 1000.0))
            return
        self.orphan_ends += len(self.ends.push(key, t))

    def expire(self, now: float) -> None:
        """Starts older than ``timeout`` are lost; early ends that old are orphans."""
        before = now - self.timeout
        if before <= self.starts.floor and before <= self.ends.floor:
            return
        for t in self.starts.expire(now - self.timeout):
            self.lost.add(t + self.timeout)
        self.orphan_ends += len(self.ends.expire(now - self.timeout))

    def snapshot(self, now: float, final: bool = False) -> Latency:
        """Pairs completed in the window ending ``now`` (the whole read when ``final``)."""
        self.expire(now)
        if final:
            return Latency([ms for _t, ms in self.samples], self.lost.all, len(self.starts), self.orphan_ends)
        horizon = now - self.window
        while self.samples and self.samples[0][0] < horizon:
            self.samples.popleft()
        return Latency([ms for _t, ms in self.samples], self.lost.count(now), len(self.starts), self.orphan_ends)
