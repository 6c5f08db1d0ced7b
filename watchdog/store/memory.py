"""A store in memory with the SQLite store's semantics, for tests and one-off runs.

Same half-open intervals, same metric cleaning, same rollup arithmetic (the
helpers in ``rollup.py``), same outbox rules (claims and the wait behind an
older notification of the same check included), same compare-and-set
versions of alert states. Alert states go through a JSON round trip, as they
do on disk, so a state that could not be saved fails here too. Nothing
survives the process.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from watchdog.model import Result
from watchdog.store.base import Event, Notification, Rollup, Silence, StoredAlertState, StoredResult, WindowState
from watchdog.store.rollup import Acc, accumulate, clean_metrics, merge, minute_of, new_acc, to_rollup

ROLLUP_EXTRA_S = 90 * 86400.0  # same retention rule as the SQLite store


def _ts(r: StoredResult) -> float:
    return r.ts


class MemoryStore:
    """``Store`` in dicts and lists."""

    def __init__(self) -> None:
        self._results: dict[str, list[StoredResult]] = {}
        self._accs: dict[str, dict[float, Acc]] = {}
        self._events: list[Event] = []
        self._alert: dict[str, tuple[str, int]] = {}  # check -> (JSON, version)
        self._outbox: dict[str, Notification] = {}
        self._claims: dict[str, tuple[str, float]] = {}  # notification id -> (owner, claim end)
        self._episodes: dict[str, str] = {}
        self._silences: dict[str, Silence] = {}
        self._windows: dict[str, WindowState] = {}

    # results and history ---------------------------------------------------------------

    def record(self, result: Result, *, main_metric: str | None = None) -> None:
        self.record_many([result])

    def record_many(self, results: Sequence[Result], *, main_metrics: Mapping[str, str] | None = None) -> None:
        for r in results:
            metrics = clean_metrics(r.metrics)
            stored = StoredResult(r.check, r.started, r.status, r.summary, metrics, r.duration_s, tuple(r.evidence))
            bisect.insort_right(self._results.setdefault(r.check, []), stored, key=_ts)
            accs = self._accs.setdefault(r.check, {})
            minute = minute_of(r.started)
            accumulate(accs.setdefault(minute, new_acc()), r.status, metrics, r.started)

    def _range(self, check: str, since: float, until: float) -> list[StoredResult]:
        rows = self._results.get(check, [])
        return rows[bisect.bisect_left(rows, since, key=_ts):bisect.bisect_left(rows, until, key=_ts)]

    def results(self, check: str, since: float, until: float) -> Iterator[StoredResult]:
        return iter(self._range(check, since, until))

    def latest(self, check: str | None = None) -> dict[str, StoredResult]:
        names = sorted(self._results) if check is None else [check]
        return {n: self._results[n][-1] for n in names if self._results.get(n)}

    def series(self, check: str, metric: str, since: float, until: float) -> list[tuple[float, float]]:
        return [(r.ts, r.metrics[metric]) for r in self._range(check, since, until) if metric in r.metrics]

    def rollups(self, check: str, since: float, until: float) -> list[Rollup]:
        accs = self._accs.get(check, {})
        return [to_rollup(check, m, accs[m]) for m in sorted(accs) if since <= m < until]

    def totals(self, check: str, since: float, until: float, metrics: Sequence[str] | None = None) -> Rollup:
        accs = self._accs.get(check, {})
        total = new_acc()
        for minute in sorted(accs):
            if since <= minute < until:
                merge(total, accs[minute])
        if metrics is not None:
            total["metrics"] = {n: v for n, v in total["metrics"].items() if n in metrics}
        return to_rollup(check, since, total)

    def checks(self) -> list[str]:
        return sorted(set(self._results) | set(self._accs))

    # events -----------------------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        self._events.append(event)

    def events(self, since: float, until: float, kinds: Sequence[str] = ()) -> list[Event]:
        found = [e for e in self._events if since <= e.ts < until and (not kinds or e.kind in kinds)]
        return sorted(found, key=lambda e: e.ts)

    # alert policy state -----------------------------------------------------------------

    def load_alert_state(self, check: str) -> StoredAlertState | None:
        found = self._alert.get(check)
        return StoredAlertState(json.loads(found[0]), found[1]) if found is not None else None

    def save_alert_state(self, check: str, state: Mapping[str, Any], *, expected: int | None) -> bool:
        found = self._alert.get(check)
        if (found[1] if found is not None else None) != expected:
            return False
        self._alert[check] = (json.dumps(dict(state)), (expected or 0) + 1)
        return True

    # outbox -----------------------------------------------------------------------------

    def enqueue(self, notification: Notification) -> bool:
        if notification.id in self._outbox:
            return False
        self._outbox[notification.id] = notification
        self._episodes[notification.id] = str(notification.payload.get("episode", ""))
        return True

    def _ordered(self) -> list[Notification]:
        return sorted(self._outbox.values(), key=lambda n: (n.created, n.id))

    def claim(self, now: float, owner: str, lease: float, limit: int = 100) -> list[Notification]:
        out: list[Notification] = []
        held: set[tuple[str, str]] = set()  # (channel, check) behind a notification we may not take
        for n in self._ordered():
            if n.state != "pending" or (n.channel, n.check) in held:
                continue
            claim = self._claims.get(n.id)
            if n.next_attempt > now or (claim is not None and claim[0] != owner and claim[1] > now):
                held.add((n.channel, n.check))
            elif len(out) == limit:
                break
            else:
                out.append(n)
        for n in out:
            self._claims[n.id] = (owner, now + lease)
        return out

    def claims(self) -> dict[str, list[str]]:
        held: dict[str, list[str]] = {}
        for n in self._ordered():
            if n.state == "pending" and n.id in self._claims:
                held.setdefault(self._claims[n.id][0], []).append(n.id)
        return held

    def release(self, owner: str, notification_ids: Sequence[str]) -> None:
        for nid in notification_ids:
            claim = self._claims.get(nid)
            if claim is not None and claim[0] == owner:
                del self._claims[nid]

    def mark_delivered(self, notification_id: str, at: float, thread: str | None = None) -> None:
        n = self._outbox.get(notification_id)
        self._claims.pop(notification_id, None)
        if n is not None:
            self._outbox[n.id] = dataclasses.replace(
                n, state="delivered", delivered_at=at, attempts=n.attempts + 1, thread=thread or n.thread
            )

    def mark_attempt(self, notification_id: str, *, error: str, next_attempt: float, permanent: bool) -> None:
        n = self._outbox.get(notification_id)
        self._claims.pop(notification_id, None)
        if n is not None:
            self._outbox[n.id] = dataclasses.replace(
                n, attempts=n.attempts + 1, last_error=error, next_attempt=next_attempt,
                state="failed" if permanent else n.state,
            )

    def make_due(self, channel: str, now: float, keep: Sequence[str] = ()) -> int:
        later = [n for n in self._outbox.values() if n.channel == channel and n.state == "pending"
                 and n.next_attempt > now and n.id not in keep]
        for n in later:
            self._outbox[n.id] = dataclasses.replace(n, next_attempt=now)
        return len(later)

    def notifications(self, since: float, until: float) -> list[Notification]:
        return [n for n in self._ordered() if since <= n.created < until]

    def thread_of(self, channel: str, check: str, episode: str) -> str | None:
        for n in self._ordered():
            if (n.channel, n.check, self._episodes[n.id]) == (channel, check, episode) and n.thread:
                return n.thread
        return None

    def pending_count(self) -> int:
        return sum(1 for n in self._outbox.values() if n.state == "pending")

    def holds(self, notification_id: str) -> bool:
        """Whether this store has the notification (``ResilientStore``'s in-memory spill)."""
        return notification_id in self._outbox

    def pending(self) -> list[Notification]:
        """Every pending notification, oldest first."""
        return [n for n in self._ordered() if n.state == "pending"]

    def forget(self, notification_id: str) -> None:
        """Drop a notification (moved to another store)."""
        self._outbox.pop(notification_id, None)
        self._episodes.pop(notification_id, None)

    # silences ---------------------------------------------------------------------------

    def add_silence(self, silence: Silence) -> None:
        self._silences[silence.id] = silence

    def silences(self, now: float | None = None) -> list[Silence]:
        found = [s for s in self._silences.values() if now is None or s.starts <= now < s.ends]
        return sorted(found, key=lambda s: (s.starts, s.id))

    def remove_silence(self, silence_id: str) -> bool:
        return self._silences.pop(silence_id, None) is not None

    # monitoring windows -----------------------------------------------------------------

    def save_window(self, window: WindowState) -> None:
        self._windows[window.name] = window

    def windows(self, include_closed: bool = False) -> list[WindowState]:
        return [w for _, w in sorted(self._windows.items()) if include_closed or not w.closed]

    # housekeeping -----------------------------------------------------------------------

    def prune(self, before: float, *, rollups_before: float | None = None) -> int:
        keep_rollups = minute_of(before - ROLLUP_EXTRA_S if rollups_before is None else rollups_before)
        deleted = 0
        for check, rows in self._results.items():
            cut = bisect.bisect_left(rows, before, key=_ts)
            deleted += cut
            self._results[check] = rows[cut:]
        for accs in self._accs.values():
            for minute in [m for m in accs if m < keep_rollups]:
                del accs[minute]
                deleted += 1
        deleted += self._drop_old(before)
        return deleted

    def _drop_old(self, before: float) -> int:
        events = [e for e in self._events if e.ts >= before]
        old = [i for i, n in self._outbox.items() if n.state != "pending" and n.created < before]
        expired = [i for i, s in self._silences.items() if s.ends < before]
        deleted = len(self._events) - len(events) + len(old) + len(expired)
        self._events = events
        for i in old:
            del self._outbox[i]
        for i in expired:
            del self._silences[i]
        return deleted

    def close(self) -> None:
        pass
