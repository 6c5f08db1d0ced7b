"""The history store's contract: what the daemon writes and what alerts and reports read.

The contract is cut into facets named for what they hold: ``ResultHistory``,
``EventLog``, ``AlertStates``, ``OutboxQueue``, ``Silences``,
``MonitoringWindows`` and ``Housekeeping``. ``Store`` is their union, which the
``sqlite`` engine (embedded default, a file under ``state_dir``) and the
``memory`` one (tests) implement fully; a later engine (Redis, so several
daemon replicas share state) may implement only the facets it serves. Each
caller is typed against the facets it uses, so it says what it needs. Callers
never see SQL.

Two facets are safe with several writers: ``AlertStates`` saves by
compare-and-set on a version, and ``OutboxQueue.claim`` leases notifications to
one sender at a time.

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
class StoredAlertState:
    """A check's alert-policy state as read, with the version a compare-and-set save names."""

    state: Mapping[str, Any]  # the policy's opaque JSON-able dict
    version: int  # 1 after the first save, bumped by each one


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


class ResultHistory(Protocol):
    """Check results and their per-minute rollups: the daemon records, reports and status read."""

    def record(self, result: Result, *, main_metric: str | None = None) -> None: ...
    def record_many(self, results: Sequence[Result], *, main_metrics: Mapping[str, str] | None = None) -> None: ...
    def results(self, check: str, since: float, until: float) -> Iterator[StoredResult]: ...
    def latest(self, check: str | None = None) -> dict[str, StoredResult]: ...
    def series(self, check: str, metric: str, since: float, until: float) -> list[tuple[float, float]]: ...
    def rollups(self, check: str, since: float, until: float) -> list[Rollup]: ...
    def totals(self, check: str, since: float, until: float,  # the rollups of a span added up (fast)
               metrics: Sequence[str] | None = None) -> Rollup: ...
    def checks(self) -> list[str]: ...


class EventLog(Protocol):
    """What happened besides results (restarts, alerts fired, windows opened...)."""

    def add_event(self, event: Event) -> None: ...
    def events(self, since: float, until: float, kinds: Sequence[str] = ()) -> list[Event]: ...


class AlertStates(Protocol):
    """One alert-policy state per check, saved by compare-and-set.

    ``save_alert_state(check, state, expected=v)`` writes only when the stored
    version is still ``v`` (``None``: when there is no state yet) and returns
    True, the version now ``v + 1`` (1 for a first save); when someone else
    saved since it was read, it writes nothing and returns False.
    """

    def load_alert_state(self, check: str) -> StoredAlertState | None: ...
    def save_alert_state(self, check: str, state: Mapping[str, Any], *, expected: int | None) -> bool: ...


class OutboxQueue(Protocol):
    """Durable notifications, leased to one sender at a time.

    ``claim(now, owner, lease, limit)`` atomically takes up to ``limit`` pending
    notifications that are due (``next_attempt <= now``), oldest first, skipping
    those claimed by another owner until their claim ends (``now < claim end``;
    an expired claim is taken over), and claims them for ``owner`` until
    ``now + lease``. A notification also waits while an older pending one of the
    same channel and check cannot be claimed (not due, or claimed by another
    owner), so a resolve never overtakes its firing whoever sends them.
    ``mark_delivered`` and ``mark_attempt`` end the claim; ``release`` ends
    ``owner``'s claims on notifications it did not get to; ``claims`` says who holds what
    (a restarted sender releases what its killed predecessor held).
    ``make_due(channel, now, keep)`` brings the next attempt of ``channel``'s pending
    notifications that lie after ``now`` forward to ``now`` (all but the ids in ``keep``)
    and returns how many: a channel that delivers again sends its backlog at once.
    """

    def enqueue(self, notification: Notification) -> bool: ...  # False when the id exists already
    def claim(self, now: float, owner: str, lease: float, limit: int = 100) -> list[Notification]: ...
    def release(self, owner: str, notification_ids: Sequence[str]) -> None: ...
    def claims(self) -> dict[str, list[str]]: ...  # owner -> ids of the pending notifications it holds
    def mark_delivered(self, notification_id: str, at: float, thread: str | None = None) -> None: ...
    def mark_attempt(self, notification_id: str, *, error: str, next_attempt: float, permanent: bool) -> None: ...
    def make_due(self, channel: str, now: float, keep: Sequence[str] = ()) -> int: ...
    def notifications(self, since: float, until: float) -> list[Notification]: ...
    def thread_of(self, channel: str, check: str, episode: str) -> str | None: ...
    def pending_count(self) -> int: ...


class Silences(Protocol):
    """Silences written by ``watchdog silence`` and read by the alert policy."""

    def add_silence(self, silence: Silence) -> None: ...
    def silences(self, now: float | None = None) -> list[Silence]: ...
    def remove_silence(self, silence_id: str) -> bool: ...


class MonitoringWindows(Protocol):
    """The monitoring windows and which of their checkpoints are written."""

    def save_window(self, window: WindowState) -> None: ...
    def windows(self, include_closed: bool = False) -> list[WindowState]: ...


class Housekeeping(Protocol):
    """Retention and the end of use."""

    def prune(self, before: float, *, rollups_before: float | None = None) -> int: ...  # rollups kept longer
    def close(self) -> None: ...


class Store(ResultHistory, EventLog, AlertStates, OutboxQueue, Silences, MonitoringWindows, Housekeeping, Protocol):
    """Every facet: what the SQLite and memory engines provide. Methods are synchronous and
    quick (SQLite in WAL mode answers in microseconds); the daemon calls them from its event loop."""
