"""The embedded default store: one SQLite file, ``state_dir/watchdog.sqlite3``.

Safe with two processes (the daemon writing, ``watchdog status`` or
``watchdog silence add`` reading and writing from a shell): WAL mode, so
readers never wait for the writer; a busy timeout, so a second writer waits
its turn instead of failing; and every write is one short ``BEGIN IMMEDIATE``
transaction (taking the write lock up front, so two writers never deadlock
upgrading a read). ``record_many`` writes a whole batch of results and their
rollups in one transaction.

Intervals are half-open, ``since <= ts < until``, so adjacent report segments
never count a result twice. Any SQLite failure becomes a one-line
``StoreError`` naming the file.

Retention: ``prune(before)`` deletes results, events, finished (delivered or
permanently failed) notifications and expired silences older than ``before``.
Rollups are ~1/6 the rows of results at a 10 s interval and are what reports
over weeks read, so they are kept longer: until ``rollups_before``, by default
``before`` minus ``ROLLUP_EXTRA_S`` (90 days). Pending notifications are never
pruned: nothing is lost.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from watchdog.model import Result
from watchdog.store import sqlite_rows as rows
from watchdog.store.base import Rollup, StoredResult
from watchdog.store.rollup import Acc, accumulate, clean_metrics, make_rollup, minute_of, new_acc
from watchdog.store.sqlite_state import StateTables, guarded

ROLLUP_EXTRA_S = 90 * 86400.0


class SqliteStore(StateTables):
    """``Store`` on SQLite; open with ``SqliteStore(state_dir)`` or ``open_store(state_dir)``."""

    def __init__(self, state_dir: str | Path) -> None:
        super().__init__(state_dir)
        self._ids: dict[str, tuple[int, str | None]] = {}  # check name -> (id, main metric)
        self._metric_names: dict[str, int] = {}
        self._metric_by_id: dict[int, str] = {}

    def _forget_ids(self) -> None:
        self._ids.clear()
        self._metric_names.clear()
        self._metric_by_id.clear()

    # results and history ---------------------------------------------------------------

    def record(self, result: Result, *, main_metric: str | None = None) -> None:
        self.record_many([result], main_metrics={result.check: main_metric} if main_metric else None)

    @guarded
    def record_many(self, results: Sequence[Result], *, main_metrics: Mapping[str, str] | None = None) -> None:
        if not results:
            return
        main_metrics = main_metrics or {}
        with self._write() as cur:
            batch = []
            for r in results:
                check_id, main = self._check_id(cur, r.check, main_metrics.get(r.check), r.started)
                batch.append((check_id, r, clean_metrics(r.metrics), main))
            cur.executemany(rows.INSERT_RESULT, [rows.result_row(cid, r, m, main) for cid, r, m, main in batch])
            self._merge_rollups(cur, batch)

    def _check_id(self, cur: sqlite3.Cursor, name: str, main: str | None, ts: float) -> tuple[int, str | None]:
        known = self._ids.get(name)
        if known is None:
            cur.execute("INSERT OR IGNORE INTO checks (name, main_metric, main_since) VALUES (?, ?, ?)",
                        (name, main, ts if main else None))
            row = cur.execute("SELECT id, main_metric FROM checks WHERE name = ?", (name,)).fetchone()
            known = self._ids[name] = (row[0], row[1])
        if main and main != known[1]:
            cur.execute("UPDATE checks SET main_metric = ?, main_since = ? WHERE id = ?", (main, ts, known[0]))
            known = self._ids[name] = (known[0], main)
        return known

    def _merge_rollups(self, cur: sqlite3.Cursor, batch: list[tuple[int, Result, dict[str, float], Any]]) -> None:
        accs: dict[tuple[int, float], Acc] = {}
        for check_id, r, metrics, _ in batch:
            accumulate(accs.setdefault((check_id, minute_of(r.started)), new_acc()), r.status, metrics, r.started)
        ids = self._metric_ids(cur, {name for acc in accs.values() for name in acc["metrics"]})
        counts, metrics_rows = [], []
        for (check_id, minute), acc in accs.items():
            c, m = rows.rollup_rows(check_id, minute, acc, ids)
            counts.append(c)
            metrics_rows.extend(m)
        cur.executemany(rows.UPSERT_COUNTS, counts)
        cur.executemany(rows.UPSERT_METRIC, metrics_rows)

    def _metric_ids(self, cur: sqlite3.Cursor, names: set[str]) -> dict[str, int]:
        missing = names - self._metric_names.keys()
        if missing:
            cur.executemany("INSERT OR IGNORE INTO metric_names (name) VALUES (?)", [(n,) for n in sorted(missing)])
            self._load_metric_names(cur)
        return self._metric_names

    def _load_metric_names(self, cur: sqlite3.Cursor | sqlite3.Connection) -> None:
        for metric_id, name in cur.execute("SELECT id, name FROM metric_names"):
            self._metric_names[name] = metric_id
            self._metric_by_id[metric_id] = name

    def _metric_name(self, metric_id: int) -> str:
        if metric_id not in self._metric_by_id:  # written by another process since we last looked
            self._refresh_metric_names()
        return self._metric_by_id[metric_id]

    def _check_info(self, check: str) -> tuple[int, str | None, float | None] | None:
        found = self._read("SELECT id, main_metric, main_since FROM checks WHERE name = ?", (check,))
        return found[0] if found else None

    @guarded
    def results(self, check: str, since: float, until: float) -> Iterator[StoredResult]:
        info = self._check_info(check)
        if info is None:
            return iter(())
        found = self._read(rows.SELECT_RESULTS + " WHERE check_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
                           (info[0], since, until))
        return (rows.stored_result(check, row) for row in found)

    @guarded
    def latest(self, check: str | None = None) -> dict[str, StoredResult]:
        if check is None:
            names = self._read("SELECT id, name FROM checks ORDER BY name")
        else:
            names = self._read("SELECT id, name FROM checks WHERE name = ?", (check,))
        out: dict[str, StoredResult] = {}
        for check_id, name in names:
            found = self._read(rows.SELECT_RESULTS + " WHERE check_id = ? ORDER BY ts DESC LIMIT 1", (check_id,))
            if found:
                out[name] = rows.stored_result(name, found[0])
        return out

    @guarded
    def series(self, check: str, metric: str, since: float, until: float) -> list[tuple[float, float]]:
        info = self._check_info(check)
        if info is None:
            return []
        check_id, main, main_since = info
        if metric != main or main_since is None:
            return self._json_series(check_id, metric, since, until)
        older = self._json_series(check_id, metric, since, min(until, main_since)) if since < main_since else []
        return older + self._read(
            "SELECT ts, main_value FROM results WHERE check_id = ? AND ts >= ? AND ts < ?"
            " AND main_value IS NOT NULL ORDER BY ts",
            (check_id, max(since, main_since), until),
        )

    def _json_series(self, check_id: int, metric: str, since: float, until: float) -> list[tuple[float, float]]:
        found = self._read(
            "SELECT ts, metrics FROM results WHERE check_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (check_id, since, until),
        )
        out = []
        for ts, text in found:
            value = json.loads(text).get(metric)
            if value is not None:
                out.append((ts, value))
        return out

    @guarded
    def rollups(self, check: str, since: float, until: float) -> list[Rollup]:
        info = self._check_info(check)
        if info is None:
            return []
        span = (info[0], since, until)
        per_minute: dict[float, dict[str, tuple[Any, ...]]] = {}
        for minute, metric_id, *values in self._read(rows.SELECT_METRICS, span):
            per_minute.setdefault(minute, {})[self._metric_name(metric_id)] = values
        return [make_rollup(check, minute, counts, per_minute.get(minute, {}))
                for minute, *counts in self._read(rows.SELECT_COUNTS, span)]

    @guarded
    def totals(self, check: str, since: float, until: float, metrics: Sequence[str] | None = None) -> Rollup:
        """The rollups of ``[since, until)`` added up in SQL: one Rollup whose ``minute`` is ``since``.

        ``metrics`` limits the metrics summed (all by default): a report that
        wants availability and its main metric reads a fraction of the rows.
        """
        info = self._check_info(check)
        if info is None:
            return make_rollup(check, since, (), {})
        span: tuple[Any, ...] = (info[0], since, until)
        counts = [n or 0 for n in self._read(rows.TOTAL_COUNTS, span)[0]]
        only = ""
        if metrics is not None:
            if any(m not in self._metric_names for m in metrics):
                self._refresh_metric_names()  # another process may have named it since
            ids = [self._metric_names[m] for m in metrics if m in self._metric_names]
            only = f" AND metric_id IN ({', '.join('?' * len(ids))})"
            span = (*span, *ids)
        last = {metric_id: value for metric_id, value, _ in self._read(rows.LAST_METRICS.format(only=only), span)}
        summed = {self._metric_name(metric_id): (*values, last[metric_id])
                  for metric_id, *values in self._read(rows.TOTAL_METRICS.format(only=only), span)}
        return make_rollup(check, since, counts, summed)

    def _refresh_metric_names(self) -> None:
        with self._lock:
            self._load_metric_names(self._conn)

    @guarded
    def checks(self) -> list[str]:
        return [name for (name,) in self._read("SELECT name FROM checks ORDER BY name")]

    # housekeeping -----------------------------------------------------------------------

    @guarded
    def prune(self, before: float, *, rollups_before: float | None = None) -> int:
        """Delete history older than ``before`` (rollups older than ``rollups_before``).

        Returns the rows deleted, counting a rollup minute as one row."""
        keep_rollups = minute_of(before - ROLLUP_EXTRA_S if rollups_before is None else rollups_before)
        deleted = 0
        for (check_id,) in self._read("SELECT id FROM checks"):
            # one short transaction per check, through the (check_id, ts) index: the daemon and
            # the CLI never wait long for the write lock, and no full scan, no extra index
            with self._write() as cur:
                deleted += cur.execute("DELETE FROM results WHERE check_id = ? AND ts < ?",
                                       (check_id, before)).rowcount
                span = (check_id, keep_rollups)
                deleted += cur.execute("DELETE FROM rollups WHERE check_id = ? AND minute < ?", span).rowcount
                cur.execute("DELETE FROM rollup_metrics WHERE check_id = ? AND minute < ?", span)  # same minutes
        with self._write() as cur:
            for sql in ("DELETE FROM events WHERE ts < ?",
                        "DELETE FROM outbox WHERE state != 'pending' AND created < ?",
                        "DELETE FROM silences WHERE ends < ?"):
                deleted += cur.execute(sql, (before,)).rowcount
        return deleted
