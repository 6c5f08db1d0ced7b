"""The history store's contract: what the daemon writes and what alerts and reports read.

One protocol, several engines: ``sqlite`` (embedded default, a file under
``state_dir``), ``memory`` (tests); a Redis-backed one can join later so
several daemon replicas share state. Callers never see SQL.

Times are unix seconds (float, UTC). Spans are half-open, ``since <= ts < until``
(for rollups: the minute's start), so adjacent segments never count a result
twice. Everything here is plain data so the policy and the reports stay pure
and testable without a database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from watchdog.model import Result
from watchdog.status import Status


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A result as read back: enough for reports, the status view and evidence."""

    check: str
    ts: float
    status: Status
    summary: str
    metrics: Mapping[str, float]
    duration_s: float = 0.0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollup:
    """One check over one minute: status counts, and per metric count/sum/min/max/last."""

    check: str
    minute: float  # start of the minute, unix seconds
    counts: Mapping[Status, int]
    metrics: Mapping[str, tuple[int, float, float, float, float]]  # name -> (n, sum, min, max, last)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened besides a result: ``restart``, ``deploy``, ``config.reload``,
    ``source.failing``, ``source.recovered``, ``alert.fired``, ``alert.resolved``,
    ``alert.escalated``, ``alert.flapping``, ``channel.broken``, ``window.opened``,
    ``checkpoint.written``... ``data`` carries the details (severity, old/new uptime...)."""

    kind: str
    ts: float
    check: str | None = None
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one channel, written before it is sent (the outbox).

    ``id`` is stable (check, episode, event, channel) so a receiver can de-duplicate.
    ``payload`` is the channel-neutral content; the channel renders it.
    """

    id: str
    channel: str
    check: str
    event: str  # firing | escalated | downgraded | reminder | resolved | flapping | test | checkpoint
    severity: Status
    created: float
    payload: Mapping[str, Any]
    state: str = "pending"  # pending | delivered | failed (permanent)
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str = ""
    delivered_at: float | None = None
    thread: str | None = None  # channel-specific thread key (Slack ts of the first message)


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    check: str  # a check name, or "*" for all
    starts: float
    ends: float
    reason: str = ""
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class WindowState:
    """A monitoring window (issue 5): opened by config, CLI or a deploy seen."""

    name: str
    title: str
    start: float
    duration_s: float
    checkpoints_s: tuple[float, ...]
    written: tuple[float, ...] = ()  # checkpoints (seconds after start) already reported
    closed: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """What every store engine provides. Methods are synchronous and quick (SQLite in
    WAL mode answers in microseconds); the daemon calls them from its event loop."""

    # results and history
    def record(self, result: Result, *, main_metric: str | None = None) -> None: ...
    def record_many(self, results: Sequence[Result], *, main_metrics: Mapping[str, str] | None = None) -> None: ...
    def results(self, check: str, since: float, until: float) -> Iterator[StoredResult]: ...
    def latest(self, check: str | None = None) -> dict[str, StoredResult]: ...
    def series(self, check: str, metric: str, since: float, until: float) -> list[tuple[float, float]]: ...
    def rollups(self, check: str, since: float, until: float) -> list[Rollup]: ...
    def totals(self, check: str, since: float, until: float,  # the rollups of a span added up (fast)
               metrics: Sequence[str] | None = None) -> Rollup: ...
    def checks(self) -> list[str]: ...

    # events
    def add_event(self, event: Event) -> None: ...
    def events(self, since: float, until: float, kinds: Sequence[str] = ()) -> list[Event]: ...

    # alert policy state, one opaque JSON-able dict per check
    def load_alert_state(self, check: str) -> dict[str, Any] | None: ...
    def save_alert_state(self, check: str, state: Mapping[str, Any]) -> None: ...

    # outbox: durable notifications
    def enqueue(self, notification: Notification) -> bool: ...  # False when the id exists already
    def due(self, now: float, limit: int = 100) -> list[Notification]: ...
    def mark_delivered(self, notification_id: str, at: float, thread: str | None = None) -> None: ...
    def mark_attempt(self, notification_id: str, *, error: str, next_attempt: float, permanent: bool) -> None: ...
    def notifications(self, since: float, until: float) -> list[Notification]: ...
    def thread_of(self, channel: str, check: str, episode: str) -> str | None: ...
    def pending_count(self) -> int: ...

    # silences
    def add_silence(self, silence: Silence) -> None: ...
    def silences(self, now: float | None = None) -> list[Silence]: ...
    def remove_silence(self, silence_id: str) -> bool: ...

    # monitoring windows
    def save_window(self, window: WindowState) -> None: ...
    def windows(self, include_closed: bool = False) -> list[WindowState]: ...

    # housekeeping
    def prune(self, before: float, *, rollups_before: float | None = None) -> int: ...  # rollups kept longer
    def close(self) -> None: ...
