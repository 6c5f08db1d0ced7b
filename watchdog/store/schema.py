"""The SQLite schema and its migrations, and opening the database file safely.

The schema is versioned: ``schema_version`` holds one number, ``MIGRATIONS``
is the ordered list of steps from an empty file to today's schema. Opening a
file runs the steps it has not seen yet in one transaction, so two processes
opening a fresh file at once do not both create it. A file written by a newer
watchdog (a version we do not know) is refused rather than damaged.

Check and metric names are stored once, in ``checks`` and ``metric_names``;
results and rollups refer to them by a small integer, which keeps the 1.7 M-row
results table and its index small. Rollups are two tables: status counts per
(check, minute), and ``(n, sum, min, max, last)`` per (check, minute, metric),
both merged on insert by an UPSERT, so a batch never reads them back.
``checks.main_metric`` is the metric copied into ``results.main_value`` (the
kind's ``MAIN_METRIC``) from ``main_since`` on, so reading that metric's series
never parses JSON.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from watchdog.errors import StoreError

FILENAME = "watchdog.sqlite3"
BUSY_TIMEOUT_S = 5.0
#: page cache per connection: one batch of 200 results touches ~1000 pages of the
#: results, index and rollup B-trees; with the 2 MB default every batch re-reads them
CACHE_KIB = 16384

MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (1, (
        """CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            main_metric TEXT,
            main_since REAL)""",
        """CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            check_id INTEGER NOT NULL,
            ts REAL NOT NULL,
            status INTEGER NOT NULL,
            summary TEXT NOT NULL,
            duration REAL NOT NULL,
            main_value REAL,
            metrics TEXT NOT NULL,
            evidence TEXT)""",
        # covers the hot reads (series of the main metric, availability) without touching the table
        "CREATE INDEX results_check_ts ON results (check_id, ts, status, main_value)",
        """CREATE TABLE rollups (
            check_id INTEGER NOT NULL,
            minute REAL NOT NULL,
            ok INTEGER NOT NULL, warning INTEGER NOT NULL,
            critical INTEGER NOT NULL, unknown INTEGER NOT NULL,
            PRIMARY KEY (check_id, minute)) WITHOUT ROWID""",
        "CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        # one row per (check, minute, metric): SQL sums a span without parsing anything
        """CREATE TABLE rollup_metrics (
            check_id INTEGER NOT NULL,
            minute REAL NOT NULL,
            metric_id INTEGER NOT NULL,
            n INTEGER NOT NULL, vsum REAL NOT NULL, vmin REAL NOT NULL, vmax REAL NOT NULL,
            vlast REAL NOT NULL, last_ts REAL NOT NULL,
            PRIMARY KEY (check_id, minute, metric_id)) WITHOUT ROWID""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            ts REAL NOT NULL,
            check_name TEXT,
            message TEXT NOT NULL,
            data TEXT NOT NULL)""",
        "CREATE INDEX events_ts ON events (ts)",
        """CREATE TABLE alert_state (
            check_name TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated REAL NOT NULL)""",
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            check_name TEXT NOT NULL,
            event TEXT NOT NULL,
            episode TEXT NOT NULL,
            severity INTEGER NOT NULL,
            created REAL NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt REAL NOT NULL,
            last_error TEXT NOT NULL,
            delivered_at REAL,
            thread TEXT)""",
        "CREATE INDEX outbox_pending ON outbox (next_attempt) WHERE state = 'pending'",
        "CREATE INDEX outbox_created ON outbox (created)",
        "CREATE INDEX outbox_episode ON outbox (channel, check_name, episode)",
        """CREATE TABLE silences (
            id TEXT PRIMARY KEY,
            check_name TEXT NOT NULL,
            starts REAL NOT NULL,
            ends REAL NOT NULL,
            reason TEXT NOT NULL,
            created_by TEXT NOT NULL)""",
        """CREATE TABLE windows (
            name TEXT PRIMARY KEY,
            closed INTEGER NOT NULL,
            state TEXT NOT NULL)""",
    )),
    # compare-and-set alert states, outbox claims (several senders on one queue)
    (2, (
        "ALTER TABLE alert_state ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE outbox ADD COLUMN claim_until REAL",
        # claim() looks for older pending notifications of the same channel and check
        "CREATE INDEX outbox_queue ON outbox (channel, check_name, created, id) WHERE state = 'pending'",
    )),
]
LATEST = MIGRATIONS[-1][0]


def connect(state_dir: Path) -> sqlite3.Connection:
    """Open (creating the directory and the file if needed) and migrate ``state_dir/watchdog.sqlite3``."""
    path = Path(state_dir) / FILENAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the state directory {path.parent}: {exc.strerror or exc}") from None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        migrate(conn, path)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the schema to ``LATEST``; returns the version found before."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        found = row[0] if row else 0
        if found > LATEST:
            raise StoreError(
                f"{path} was written by a newer watchdog (schema {found}, this one knows up to {LATEST}); "
                "upgrade watchdog or point state_dir elsewhere"
            )
        for version, statements in MIGRATIONS:
            if version > found:
                for statement in statements:
                    conn.execute(statement)
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST,))
        else:
            conn.execute("UPDATE schema_version SET version = ?", (LATEST,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
