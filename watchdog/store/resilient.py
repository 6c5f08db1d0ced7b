"""The daemon's store when the disk fails: alerting goes on in memory, and says so.

``ResilientStore`` wraps the real store (SQLite). Every write that fails with a
``StoreError`` (disk full, read-only, the file removed) is reported through
``on_error`` and kept in memory instead, so the alert policy still advances and
its notifications are still sent:

* alert states: the state that could not be saved is kept (it is the truth for
  this process) and written when the store takes writes again;
* notifications: one the store refused is queued in memory (marked not
  durable: a restart would lose it) and sent like any other; a later pass
  moves it into the store once the store takes writes again;
* events: buffered (at most ``MAX_BUFFERED``) and written later;
* results: dropped (history has a gap; nothing alerts on it);
* silences: the last list read is used while the store cannot be read.

Reads of history and windows pass through and fail loudly: reports must never
be written from a partial picture. ``on_ok`` is called after a write that
worked, so ``/healthz`` recovers by itself.

``verify()`` (every housekeeping pass) notices a store file that was removed or
replaced under the running daemon (SQLite would go on writing into the
unlinked file, losing everything), opens a new one in its place, and returns
what happened so the daemon can say it loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from watchdog.errors import StoreError
from watchdog.model import Result
from watchdog.store.base import (
    Event, Notification, Rollup, Silence, Store, StoredAlertState, StoredResult, WindowState,
)
from watchdog.store.memory import MemoryStore

log = logging.getLogger("watchdog.store")
MAX_BUFFERED = 10_000
#: the version a state held only in memory is handed out with (the store never uses 0)
IN_MEMORY = 0


class ResilientStore:
    """``Store`` over ``primary``, falling back to memory for what alerting needs."""

    def __init__(self, primary: Store, *, on_error: Callable[[str], None] = lambda e: None,
                 on_ok: Callable[[], None] = lambda: None) -> None:
        self.primary = primary
        self.on_error, self.on_ok = on_error, on_ok
        self.spill = MemoryStore()  # notifications the store refused
        self._events: list[Event] = []
        self._states: dict[str, tuple[Mapping[str, Any], int | None]] = {}  # unsaved: state, stored version
        self._known: dict[str, StoredAlertState] = {}  # the last state read or written, per check
        self._silences: list[Silence] = []

    def _failed(self, err: StoreError) -> None:
        self.on_error(str(err))

    def _worked(self) -> None:
        self.on_ok()

    # -- results ------------------------------------------------------------------------------
    def record(self, result: Result, *, main_metric: str | None = None) -> None:
        self.record_many([result], main_metrics={result.check: main_metric} if main_metric else None)

    def record_many(self, results: Sequence[Result], *, main_metrics: Mapping[str, str] | None = None) -> None:
        try:
            self.primary.record_many(results, main_metrics=main_metrics)
        except StoreError as err:
            self._failed(err)
            return
        self._worked()
        self.flush()

    def results(self, check: str, since: float, until: float) -> Iterator[StoredResult]:
        return self.primary.results(check, since, until)

    def latest(self, check: str | None = None) -> dict[str, StoredResult]:
        return self.primary.latest(check)

    def series(self, check: str, metric: str, since: float, until: float) -> list[tuple[float, float]]:
        return self.primary.series(check, metric, since, until)

    def rollups(self, check: str, since: float, until: float) -> list[Rollup]:
        return self.primary.rollups(check, since, until)

    def totals(self, check: str, since: float, until: float, metrics: Sequence[str] | None = None) -> Rollup:
        return self.primary.totals(check, since, until, metrics)

    def checks(self) -> list[str]:
        return self.primary.checks()

    # -- events -------------------------------------------------------------------------------
    def add_event(self, event: Event) -> None:
        try:
            self.primary.add_event(event)
        except StoreError as err:
            self._failed(err)
            if len(self._events) < MAX_BUFFERED:
                self._events.append(event)

    def events(self, since: float, until: float, kinds: Sequence[str] = ()) -> list[Event]:
        return self.primary.events(since, until, kinds)

    # -- alert states -------------------------------------------------------------------------
    def load_alert_state(self, check: str) -> StoredAlertState | None:
        if check in self._states:
            return StoredAlertState(self._states[check][0], IN_MEMORY)
        try:
            found = self.primary.load_alert_state(check)
        except StoreError as err:
            self._failed(err)
            return self._known.get(check)  # an alert already firing must not fire again
        if found is not None:
            self._known[check] = found
        return found

    def save_alert_state(self, check: str, state: Mapping[str, Any], *, expected: int | None) -> bool:
        base = self._states[check][1] if check in self._states else expected
        try:
            saved = self.primary.save_alert_state(check, state, expected=base)
        except StoreError as err:
            self._failed(err)
            self._states[check] = (dict(state), base)
            return True
        self._states.pop(check, None)
        if saved:
            self._known[check] = StoredAlertState(dict(state), (base or 0) + 1)
        return saved

    # -- the outbox ---------------------------------------------------------------------------
    def enqueue(self, notification: Notification) -> bool:
        try:
            fresh = self.primary.enqueue(notification)
        except StoreError as err:
            self._failed(err)
            log.error("notification %s for %s is kept in memory only (not durable): %s",
                      notification.id, notification.check, err)
            return self.spill.enqueue(notification)
        self._worked()
        return fresh

    def claim(self, now: float, owner: str, lease: float, limit: int = 100) -> list[Notification]:
        self.flush()
        try:
            stored = self.primary.claim(now, owner, lease, limit)
        except StoreError as err:
            self._failed(err)
            stored = []
        spilled = self.spill.claim(now, owner, lease, limit)
        return sorted([*stored, *spilled], key=lambda n: (n.created, n.id))[:limit]

    def release(self, owner: str, notification_ids: Sequence[str]) -> None:
        self.spill.release(owner, notification_ids)
        self._quietly(lambda: self.primary.release(owner, notification_ids))

    def claims(self) -> dict[str, list[str]]:
        try:
            held = self.primary.claims()
        except StoreError as err:
            self._failed(err)
            held = {}
        for owner, ids in self.spill.claims().items():
            held.setdefault(owner, []).extend(ids)
        return held

    def mark_delivered(self, notification_id: str, at: float, thread: str | None = None) -> None:
        if self._spilled(notification_id):
            self.spill.mark_delivered(notification_id, at, thread)
            return
        self._quietly(lambda: self.primary.mark_delivered(notification_id, at, thread))

    def mark_attempt(self, notification_id: str, *, error: str, next_attempt: float, permanent: bool) -> None:
        if self._spilled(notification_id):
            self.spill.mark_attempt(notification_id, error=error, next_attempt=next_attempt, permanent=permanent)
            return
        self._quietly(lambda: self.primary.mark_attempt(notification_id, error=error, next_attempt=next_attempt,
                                                        permanent=permanent))

    def make_due(self, channel: str, now: float, keep: Sequence[str] = ()) -> int:
        """Quietly: a store that cannot take it leaves its notifications on their own backoff."""
        try:
            stored = self.primary.make_due(channel, now, keep)
        except StoreError as err:
            self._failed(err)
            stored = 0
        return stored + self.spill.make_due(channel, now, keep)

    def notifications(self, since: float, until: float) -> list[Notification]:
        return [*self.primary.notifications(since, until), *self.spill.notifications(since, until)]

    def thread_of(self, channel: str, check: str, episode: str) -> str | None:
        try:
            found = self.primary.thread_of(channel, check, episode)
        except StoreError as err:
            self._failed(err)
            found = None
        return found or self.spill.thread_of(channel, check, episode)

    def pending_count(self) -> int:
        try:
            stored = self.primary.pending_count()
        except StoreError as err:
            self._failed(err)
            stored = 0
        return stored + self.spill.pending_count()

    def _spilled(self, notification_id: str) -> bool:
        return self.spill.holds(notification_id)

    def _quietly(self, write: Callable[[], None]) -> None:
        """A write whose failure is reported, not raised (a delivery sent twice is dropped by its id)."""
        try:
            write()
        except StoreError as err:
            self._failed(err)

    # -- silences and windows -----------------------------------------------------------------
    def add_silence(self, silence: Silence) -> None:
        self.primary.add_silence(silence)

    def silences(self, now: float | None = None) -> list[Silence]:
        try:
            self._silences = self.primary.silences()
        except StoreError as err:
            self._failed(err)
        return [s for s in self._silences if now is None or s.starts <= now < s.ends]

    def remove_silence(self, silence_id: str) -> bool:
        return self.primary.remove_silence(silence_id)

    def save_window(self, window: WindowState) -> None:
        self.primary.save_window(window)

    def windows(self, include_closed: bool = False) -> list[WindowState]:
        return self.primary.windows(include_closed)

    # -- housekeeping -------------------------------------------------------------------------
    def verify(self) -> str | None:
        """A store file removed or replaced since it was opened: reopened; what happened, or None."""
        problem = getattr(self.primary, "file_problem", lambda: None)()
        if problem is None:
            return None
        log.error("%s: its history, alert states and queued notifications are gone; "
                  "opening a new store there", problem)
        try:
            self.primary.reopen()  # type: ignore[attr-defined]
        except StoreError as err:
            self._failed(err)
        # open incidents go on in the new file: no second "firing" for what was announced
        self._states.update({check: (known.state, None) for check, known in self._known.items()
                             if check not in self._states})
        self.flush()
        return problem

    def prune(self, before: float, *, rollups_before: float | None = None) -> int:
        return self.primary.prune(before, rollups_before=rollups_before)

    def close(self) -> None:
        self.flush()
        self.primary.close()

    def flush(self) -> None:
        """Write what was kept in memory, now that the store may take writes again."""
        if not (self._events or self._states or self.spill.pending_count()):
            return
        try:
            self._flush()
        except StoreError as err:
            self._failed(err)
            return
        log.warning("the store takes writes again: what was kept in memory is written")

    def _flush(self) -> None:
        while self._events:
            self.primary.add_event(self._events[0])
            self._events.pop(0)
        for check, (state, base) in list(self._states.items()):
            self.primary.save_alert_state(check, state, expected=base)  # a conflict: the other writer wins
            del self._states[check]
        for notification in self.spill.pending():
            self.primary.enqueue(notification)
            self.spill.forget(notification.id)
