"""Rows to values and back for the SQLite store: the SQL the store repeats, and the codecs.

Kept apart from ``sqlite.py`` so the store reads as "what happens when", and
this as "how a value looks in a row". JSON is compact (no spaces) because the
results table holds millions of rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from watchdog.model import Result
from watchdog.status import Status
from watchdog.store.base import Event, Notification, Silence, StoredResult, WindowState
from watchdog.store.rollup import Acc

INSERT_RESULT = (
    "INSERT INTO results (check_id, ts, status, summary, duration, main_value, metrics, evidence)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_RESULTS = "SELECT ts, status, summary, duration, metrics, evidence FROM results"
UPSERT_COUNTS = (
    "INSERT INTO rollups (check_id, minute, ok, warning, critical, unknown) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (check_id, minute) DO UPDATE SET ok = ok + excluded.ok, warning = warning + excluded.warning,"
    " critical = critical + excluded.critical, unknown = unknown + excluded.unknown"
)
# rollup.merge() in SQL: right-hand sides read the row as it was before this update
UPSERT_METRIC = (
    "INSERT INTO rollup_metrics (check_id, minute, metric_id, n, vsum, vmin, vmax, vlast, last_ts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (check_id, minute, metric_id) DO UPDATE SET n = n + excluded.n, vsum = vsum + excluded.vsum,"
    " vmin = min(vmin, excluded.vmin), vmax = max(vmax, excluded.vmax),"
    " vlast = CASE WHEN excluded.last_ts >= last_ts THEN excluded.vlast ELSE vlast END,"
    " last_ts = max(last_ts, excluded.last_ts)"
)
SPAN = "WHERE check_id = ? AND minute >= ? AND minute < ?"
SELECT_COUNTS = f"SELECT minute, ok, warning, critical, unknown FROM rollups {SPAN} ORDER BY minute"
SELECT_METRICS = f"SELECT minute, metric_id, n, vsum, vmin, vmax, vlast FROM rollup_metrics {SPAN}"
TOTAL_COUNTS = f"SELECT sum(ok), sum(warning), sum(critical), sum(unknown) FROM rollups {SPAN}"
# ``{only}``: "" or " AND metric_id IN (?, ...)"
TOTAL_METRICS = (
    f"SELECT metric_id, sum(n), sum(vsum), min(vmin), max(vmax) FROM rollup_metrics {SPAN}{{only}} GROUP BY metric_id"
)
# a lone max() makes SQLite take the bare column (vlast) from the row holding that maximum
LAST_METRICS = f"SELECT metric_id, vlast, max(last_ts) FROM rollup_metrics {SPAN}{{only}} GROUP BY metric_id"
INSERT_EVENT = "INSERT INTO events (kind, ts, check_name, message, data) VALUES (?, ?, ?, ?, ?)"
SELECT_EVENTS = "SELECT kind, ts, check_name, message, data FROM events"
_OUTBOX_COLUMNS = (
    "id, channel, check_name, event, severity, created, payload, state, attempts,"
    " next_attempt, last_error, delivered_at, thread"
)
INSERT_NOTIFICATION = f"INSERT OR IGNORE INTO outbox ({_OUTBOX_COLUMNS}, episode) VALUES ({', '.join('?' * 14)})"
SELECT_NOTIFICATIONS = f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
# pending, due at :now, and not claimed by another owner (or that claim has ended)
_CLAIMABLE = ("{t}.state = 'pending' AND {t}.next_attempt <= :now"
              " AND ({t}.claimed_by IS NULL OR {t}.claimed_by = :owner OR {t}.claim_until <= :now)")
# ... and no older pending notification of the same channel and check that is not
SELECT_CLAIMABLE = (
    f"SELECT {_OUTBOX_COLUMNS} FROM outbox o WHERE {_CLAIMABLE.format(t='o')}"
    " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.channel = o.channel"
    " AND e.check_name = o.check_name AND (e.created, e.id) < (o.created, o.id)"
    f" AND NOT ({_CLAIMABLE.format(t='e')}))"
    " ORDER BY o.created, o.id LIMIT :limit"
)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def result_row(check_id: int, r: Result, metrics: Mapping[str, float], main: str | None) -> tuple[Any, ...]:
    """``metrics`` already cleaned (finite numbers only); ``main`` the check's main metric."""
    return (
        check_id,
        r.started,
        int(r.status),
        r.summary,
        r.duration_s,
        metrics.get(main) if main else None,
        dumps(metrics),
        dumps(list(r.evidence)) if r.evidence else None,
    )


def stored_result(check: str, row: tuple[Any, ...]) -> StoredResult:
    ts, status, summary, duration, metrics, evidence = row
    return StoredResult(
        check=check,
        ts=ts,
        status=Status(status),
        summary=summary,
        metrics=json.loads(metrics),
        duration_s=duration,
        evidence=tuple(json.loads(evidence)) if evidence else (),
    )


def rollup_rows(check_id: int, minute: float, acc: Acc, metric_ids: Mapping[str, int]
                ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The counts row and the per-metric rows adding ``acc`` to one stored minute."""
    counts = (check_id, minute, *acc["counts"])
    metrics = [(check_id, minute, metric_ids[name], *values) for name, values in acc["metrics"].items()]
    return counts, metrics


def event_row(e: Event) -> tuple[Any, ...]:
    return (e.kind, e.ts, e.check, e.message, dumps(dict(e.data)))


def event(row: tuple[Any, ...]) -> Event:
    kind, ts, check, message, data = row
    return Event(kind=kind, ts=ts, check=check, message=message, data=json.loads(data))


def notification_row(n: Notification) -> tuple[Any, ...]:
    """The outbox row; ``episode`` (for ``thread_of``) is read from ``payload["episode"]``."""
    return (
        n.id, n.channel, n.check, n.event, int(n.severity), n.created, dumps(dict(n.payload)), n.state,
        n.attempts, n.next_attempt, n.last_error, n.delivered_at, n.thread, str(n.payload.get("episode", "")),
    )


def notification(row: tuple[Any, ...]) -> Notification:
    (nid, channel, check, event_, severity, created, payload, state, attempts,
     next_attempt, last_error, delivered_at, thread) = row
    return Notification(
        id=nid, channel=channel, check=check, event=event_, severity=Status(severity), created=created,
        payload=json.loads(payload), state=state, attempts=attempts, next_attempt=next_attempt,
        last_error=last_error, delivered_at=delivered_at, thread=thread,
    )


def silence_row(s: Silence) -> tuple[Any, ...]:
    return (s.id, s.check, s.starts, s.ends, s.reason, s.created_by)


def window_json(w: WindowState) -> str:
    return dumps({
        "name": w.name, "title": w.title, "start": w.start, "duration_s": w.duration_s,
        "checkpoints_s": list(w.checkpoints_s), "written": list(w.written), "closed": w.closed,
        "data": dict(w.data),
    })


def window(text: str) -> WindowState:
    d = json.loads(text)
    return WindowState(
        name=d["name"], title=d["title"], start=d["start"], duration_s=d["duration_s"],
        checkpoints_s=tuple(d["checkpoints_s"]), written=tuple(d["written"]), closed=d["closed"],
        data=d["data"],
    )
