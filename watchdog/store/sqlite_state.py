"""The SQLite store's connection plumbing and its small mutable tables.

``Connection`` owns the file: one connection, a lock (the daemon may call
from a worker thread), ``_write()`` for one short ``BEGIN IMMEDIATE``
transaction, ``_read()`` for a query, and ``guarded`` turning any SQLite
failure into a one-line ``StoreError`` naming the file. ``StateTables`` adds
what is small and changes in place: events, alert states, the outbox,
silences, monitoring windows; alert states are saved by compare-and-set on
their ``version``, outbox rows carry their claim (``claimed_by`` until
``claim_until``). The history (results, rollups) is in
``sqlite.py``.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from watchdog.errors import StoreError
from watchdog.store import sqlite_rows as rows
from watchdog.store.base import Event, Notification, Silence, StoredAlertState, WindowState
from watchdog.store.schema import FILENAME, connect

F = TypeVar("F", bound=Callable[..., Any])
_UNCLAIMED = "claimed_by = NULL, claim_until = NULL"


def guarded(method: F) -> F:
    """Turn any SQLite failure into a one-line StoreError naming the file."""

    @functools.wraps(method)
    def wrapper(self: Connection, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from None

    return wrapper  # type: ignore[return-value]


class Connection:
    """One open ``state_dir/watchdog.sqlite3`` (created and migrated on open)."""

    def __init__(self, state_dir: str | Path) -> None:
        self.path = Path(state_dir) / FILENAME
        self._conn = connect(Path(state_dir))
        self._lock = threading.RLock()
        self._identity = _identity(self.path)

    def file_problem(self) -> str | None:
        """Why the open file is no longer the one at ``path`` (removed, replaced), else None.

        SQLite keeps writing into a file that was unlinked, so without this a removed
        state directory would lose every later write without a word."""
        now = _identity(self.path)
        if now == self._identity:
            return None
        if now is None:
            where = self.path.parent if not self.path.parent.exists() else self.path
            return f"{where} was removed while watchdog was running"
        return f"{self.path} was replaced while watchdog was running"

    def reopen(self) -> None:
        """Open ``path`` afresh (creating the directory and the schema): writes are kept again."""
        fresh = connect(self.path.parent)
        with self._lock:
            old, self._conn = self._conn, fresh
            self._identity = _identity(self.path)
            self._forget_ids()
        old.close()

    def _forget_ids(self) -> None:
        """Caches of row ids of the old file (the history tables keep some)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class StateTables(Connection):
    """Events, alert states, the outbox, silences and windows."""

    # events -----------------------------------------------------------------------------

    @guarded
    def add_event(self, event: Event) -> None:
        with self._write() as cur:
            cur.execute(rows.INSERT_EVENT, rows.event_row(event))

    @guarded
    def events(self, since: float, until: float, kinds: Sequence[str] = ()) -> list[Event]:
        sql, params = rows.SELECT_EVENTS + " WHERE ts >= ? AND ts < ?", [since, until]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)
        return [rows.event(row) for row in self._read(sql + " ORDER BY ts, id", params)]

    # alert policy state -----------------------------------------------------------------

    @guarded
    def load_alert_state(self, check: str) -> StoredAlertState | None:
        found = self._read("SELECT state, version FROM alert_state WHERE check_name = ?", (check,))
        return StoredAlertState(json.loads(found[0][0]), found[0][1]) if found else None

    @guarded
    def save_alert_state(self, check: str, state: Mapping[str, Any], *, expected: int | None) -> bool:
        text = json.dumps(dict(state), separators=(",", ":"))
        with self._write() as cur:
            if expected is None:
                cur.execute("INSERT OR IGNORE INTO alert_state (check_name, state, updated, version)"
                            " VALUES (?, ?, ?, 1)", (check, text, time.time()))
            else:
                cur.execute("UPDATE alert_state SET state = ?, updated = ?, version = version + 1"
                            " WHERE check_name = ? AND version = ?", (text, time.time(), check, expected))
            return cur.rowcount == 1

    # outbox -----------------------------------------------------------------------------

    @guarded
    def enqueue(self, notification: Notification) -> bool:
        with self._write() as cur:
            cur.execute(rows.INSERT_NOTIFICATION, rows.notification_row(notification))
            return cur.rowcount == 1

    @guarded
    def claim(self, now: float, owner: str, lease: float, limit: int = 100) -> list[Notification]:
        with self._write() as cur:  # one transaction: two claimers never take the same row
            found = cur.execute(rows.SELECT_CLAIMABLE, {"now": now, "owner": owner, "limit": limit}).fetchall()
            cur.executemany("UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id = ?",
                            [(owner, now + lease, row[0]) for row in found])
        return [rows.notification(row) for row in found]

    @guarded
    def claims(self) -> dict[str, list[str]]:
        held: dict[str, list[str]] = {}
        for owner, nid in self._read("SELECT claimed_by, id FROM outbox WHERE state = 'pending'"
                                     " AND claimed_by IS NOT NULL ORDER BY created, id"):
            held.setdefault(owner, []).append(nid)
        return held

    @guarded
    def release(self, owner: str, notification_ids: Sequence[str]) -> None:
        with self._write() as cur:
            cur.executemany("UPDATE outbox SET claimed_by = NULL, claim_until = NULL"
                            " WHERE id = ? AND claimed_by = ?", [(nid, owner) for nid in notification_ids])

    @guarded
    def mark_delivered(self, notification_id: str, at: float, thread: str | None = None) -> None:
        with self._write() as cur:
            cur.execute("UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1,"
                        f" thread = COALESCE(?, thread), {_UNCLAIMED} WHERE id = ?", (at, thread, notification_id))

    @guarded
    def mark_attempt(self, notification_id: str, *, error: str, next_attempt: float, permanent: bool) -> None:
        with self._write() as cur:
            cur.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?,"
                        f" state = CASE WHEN ? THEN 'failed' ELSE state END, {_UNCLAIMED} WHERE id = ?",
                        (error, next_attempt, permanent, notification_id))

    @guarded
    def make_due(self, channel: str, now: float, keep: Sequence[str] = ()) -> int:
        kept = f" AND id NOT IN ({', '.join('?' * len(keep))})" if keep else ""
        with self._write() as cur:
            cur.execute("UPDATE outbox SET next_attempt = ? WHERE channel = ? AND state = 'pending'"
                        f" AND next_attempt > ?{kept}", (now, channel, now, *keep))
            return cur.rowcount

    @guarded
    def notifications(self, since: float, until: float) -> list[Notification]:
        found = self._read(rows.SELECT_NOTIFICATIONS + " WHERE created >= ? AND created < ? ORDER BY created, id",
                           (since, until))
        return [rows.notification(row) for row in found]

    @guarded
    def thread_of(self, channel: str, check: str, episode: str) -> str | None:
        found = self._read("SELECT thread FROM outbox WHERE channel = ? AND check_name = ? AND episode = ?"
                           " AND thread IS NOT NULL ORDER BY created, id LIMIT 1", (channel, check, episode))
        return found[0][0] if found else None

    @guarded
    def pending_count(self) -> int:
        return int(self._read("SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0])

    # silences ---------------------------------------------------------------------------

    @guarded
    def add_silence(self, silence: Silence) -> None:
        with self._write() as cur:
            cur.execute("INSERT OR REPLACE INTO silences (id, check_name, starts, ends, reason, created_by)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows.silence_row(silence))

    @guarded
    def silences(self, now: float | None = None) -> list[Silence]:
        sql = "SELECT id, check_name, starts, ends, reason, created_by FROM silences"
        if now is None:
            return [Silence(*row) for row in self._read(sql + " ORDER BY starts, id")]
        return [Silence(*row) for row in self._read(sql + " WHERE starts <= ? AND ends > ? ORDER BY starts, id",
                                                    (now, now))]

    @guarded
    def remove_silence(self, silence_id: str) -> bool:
        with self._write() as cur:
            cur.execute("DELETE FROM silences WHERE id = ?", (silence_id,))
            return cur.rowcount > 0

    # monitoring windows -----------------------------------------------------------------

    @guarded
    def save_window(self, window: WindowState) -> None:
        with self._write() as cur:
            cur.execute("INSERT OR REPLACE INTO windows (name, closed, state) VALUES (?, ?, ?)",
                        (window.name, int(window.closed), rows.window_json(window)))

    @guarded
    def windows(self, include_closed: bool = False) -> list[WindowState]:
        sql = "SELECT state FROM windows" + ("" if include_closed else " WHERE closed = 0")
        return [rows.window(text) for (text,) in self._read(sql + " ORDER BY name")]
