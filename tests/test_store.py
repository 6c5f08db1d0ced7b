"""The history store: SQLite and memory engines answer the same questions the same way."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from watchdog.errors import StoreError
from watchdog.model import Result
from watchdog.status import Status
from watchdog.store import open_store
from tests.support.stores import note
from watchdog.store.base import Event, Silence, Store, StoredAlertState, WindowState
from watchdog.store.schema import FILENAME, LATEST
from watchdog.store.sqlite import SqliteStore

T0 = 1_714_521_600.0  # 2024-05-01T00:00:00Z, a minute boundary


def result(check: str, ts: float, status: Status = Status.OK, **metrics: float) -> Result:
    return Result(check=check, kind="http", status=status, summary=f"{check} at {ts}", metrics=metrics,
                  started=ts, duration_s=0.25)


# results -------------------------------------------------------------------------------

def test_results_are_read_back_in_a_half_open_range(store: Store) -> None:
    store.record_many([result("api", T0 + i * 10, response_ms=float(i)) for i in range(6)])
    got = list(store.results("api", T0 + 10, T0 + 40))
    assert [r.ts for r in got] == [T0 + 10, T0 + 20, T0 + 30]
    assert got[0].metrics == {"response_ms": 1.0}
    assert got[0].summary == f"api at {T0 + 10}"
    assert got[0].duration_s == 0.25


def test_evidence_and_status_survive_the_round_trip(store: Store) -> None:
    r = Result(check="logs", kind="log-match", status=Status.CRITICAL, summary="1 match",
               evidence=("🚨 ALERT: High WebSocket latency", "line 2"), started=T0)
    store.record(r)
    (got,) = store.results("logs", T0, T0 + 1)
    assert got.status is Status.CRITICAL
    assert got.evidence == ("🚨 ALERT: High WebSocket latency", "line 2")


def test_non_finite_metrics_are_not_stored(store: Store) -> None:
    store.record(result("api", T0, a=math.nan, b=math.inf, c=2.0))
    (got,) = store.results("api", T0, T0 + 1)
    assert got.metrics == {"c": 2.0}


def test_unknown_check_has_no_history(store: Store) -> None:
    assert list(store.results("nope", 0, 2e9)) == []
    assert store.series("nope", "x", 0, 2e9) == []
    assert store.rollups("nope", 0, 2e9) == []
    assert store.latest("nope") == {}


def test_latest_is_the_newest_result_of_each_check(store: Store) -> None:
    store.record_many([result("b", T0 + 20), result("a", T0 + 10, Status.WARNING), result("a", T0 + 5)])
    latest = store.latest()
    assert list(latest) == ["a", "b"]
    assert latest["a"].ts == T0 + 10 and latest["a"].status is Status.WARNING
    assert list(store.latest("b")) == ["b"]
    assert store.checks() == ["a", "b"]


def test_series_of_main_and_other_metrics(store: Store) -> None:
    mains = {"api": "response_ms"}
    store.record_many([result("api", T0, response_ms=50.0, heap_mb=100.0)], main_metrics=mains)
    store.record_many([result("api", T0 + 10, heap_mb=101.0)], main_metrics=mains)  # failed: no latency
    store.record_many([result("api", T0 + 20, response_ms=70.0, heap_mb=102.5)], main_metrics=mains)
    assert store.series("api", "response_ms", T0, T0 + 60) == [(T0, 50.0), (T0 + 20, 70.0)]
    assert store.series("api", "heap_mb", T0 + 10, T0 + 60) == [(T0 + 10, 101.0), (T0 + 20, 102.5)]


def test_series_stays_whole_when_the_main_metric_changes(store: Store) -> None:
    store.record(result("api", T0, p95_ms=10.0, response_ms=1.0), main_metric="response_ms")
    store.record(result("api", T0 + 10, p95_ms=20.0, response_ms=2.0), main_metric="p95_ms")
    store.record(result("api", T0 + 20, p95_ms=30.0, response_ms=3.0))  # main not repeated: kept
    assert store.series("api", "p95_ms", T0, T0 + 60) == [(T0, 10.0), (T0 + 10, 20.0), (T0 + 20, 30.0)]
    assert store.series("api", "response_ms", T0, T0 + 60) == [(T0, 1.0), (T0 + 10, 2.0), (T0 + 20, 3.0)]


# rollups -------------------------------------------------------------------------------

def test_rollups_count_statuses_and_summarise_metrics_per_minute(store: Store) -> None:
    store.record_many([
        result("api", T0 + 0, Status.OK, ms=10.0),
        result("api", T0 + 30, Status.CRITICAL, ms=40.0),
        result("api", T0 + 10, Status.WARNING, ms=20.0, errors=1.0),  # arrives late: not "last"
    ])
    store.record_many([result("api", T0 + 50, Status.OK, ms=5.0), result("api", T0 + 60, Status.OK, ms=7.0)])
    first, second = store.rollups("api", T0, T0 + 120)
    assert first.minute == T0 and second.minute == T0 + 60
    assert first.counts == {Status.OK: 2, Status.WARNING: 1, Status.CRITICAL: 1}
    assert first.metrics == {"errors": (1, 1.0, 1.0, 1.0, 1.0), "ms": (4, 75.0, 5.0, 40.0, 5.0)}
    assert second.counts == {Status.OK: 1}
    assert [r.minute for r in store.rollups("api", T0 + 60, T0 + 120)] == [T0 + 60]


def test_totals_add_up_the_rollups_of_a_span(store: Store) -> None:
    store.record_many([result("api", T0 + 70, Status.OK, ms=8.0), result("api", T0 + 10, Status.CRITICAL, ms=30.0)])
    store.record_many([result("api", T0 + 130, Status.WARNING, ms=20.0, heap=5.0),
                       result("api", T0 + 200, Status.OK, ms=1.0)])
    total = store.totals("api", T0, T0 + 180)
    assert total.minute == T0
    assert total.counts == {Status.OK: 1, Status.WARNING: 1, Status.CRITICAL: 1}
    assert total.metrics == {"heap": (1, 5.0, 5.0, 5.0, 5.0), "ms": (3, 58.0, 8.0, 30.0, 20.0)}
    assert store.totals("api", T0, T0 + 180, metrics=["ms", "nope"]).metrics == {"ms": (3, 58.0, 8.0, 30.0, 20.0)}
    assert store.totals("api", T0, T0 + 180, metrics=[]).metrics == {}
    assert store.totals("api", T0 + 600, T0 + 900).counts == {}
    assert store.totals("nope", T0, T0 + 60).metrics == {}


# events --------------------------------------------------------------------------------

def test_events_are_filtered_by_time_and_kind(store: Store) -> None:
    store.add_event(Event("restart", T0 + 5, "health", "uptime went from 3600 to 12", {"old": 3600, "new": 12}))
    store.add_event(Event("config.reload", T0 + 1))
    store.add_event(Event("restart", T0 + 100, "health"))
    assert [e.ts for e in store.events(T0, T0 + 100)] == [T0 + 1, T0 + 5]
    (restart,) = store.events(T0, T0 + 50, kinds=["restart"])
    assert restart.check == "health" and restart.data == {"old": 3600, "new": 12}
    assert restart.message == "uptime went from 3600 to 12"


# alert state ---------------------------------------------------------------------------

def test_alert_state_round_trips(store: Store) -> None:
    assert store.load_alert_state("health") is None
    store.save_alert_state("health", {"firing": 2, "changes": [T0], "told": None}, expected=None)
    store.save_alert_state("health", {"firing": 0, "changes": [], "told": None}, expected=1)
    assert store.load_alert_state("health") == StoredAlertState({"firing": 0, "changes": [], "told": None}, 2)


# outbox --------------------------------------------------------------------------------

def test_enqueue_is_idempotent_on_the_id(store: Store) -> None:
    assert store.enqueue(note("n1", T0)) is True
    assert store.enqueue(note("n1", T0 + 5)) is False
    assert [n.created for n in store.notifications(0, 2e9)] == [T0]
    assert store.pending_count() == 1


def test_a_transient_failure_is_retried_later_and_a_permanent_one_never(store: Store) -> None:
    store.enqueue(note("a", T0))
    store.enqueue(note("b", T0 + 1))
    store.mark_attempt("a", error="HTTP 503", next_attempt=T0 + 30, permanent=False)
    store.mark_attempt("b", error="channel_not_found", next_attempt=T0 + 30, permanent=True)
    assert store.claim(T0 + 29, "me", 60.0) == []
    (a,) = store.claim(T0 + 30, "me", 60.0)
    assert (a.id, a.attempts, a.last_error, a.state) == ("a", 1, "HTTP 503", "pending")
    b = store.notifications(T0 + 1, T0 + 2)[0]
    assert (b.state, b.last_error) == ("failed", "channel_not_found")
    assert store.pending_count() == 1


def test_make_due_brings_a_channels_waiting_notifications_forward_except_the_kept(store: Store) -> None:
    for nid, channel, next_attempt in (("a", "oncall", T0 + 90), ("b", "oncall", T0 + 30), ("c", "oncall", T0 + 60),
                                       ("d", "oncall", T0 + 5), ("other", "pager", T0 + 90)):
        store.enqueue(note(nid, T0, channel=channel, check=nid, next_attempt=next_attempt))
    store.mark_attempt("c", error="channel_not_found", next_attempt=T0 + 60, permanent=True)
    assert store.make_due("oncall", T0 + 10, keep=["b"]) == 1  # a; b kept, c failed, d due already
    assert [n.id for n in store.claim(T0 + 10, "me", 60.0)] == ["a", "d"]


def test_delivered_notifications_leave_the_queue_and_keep_their_thread(store: Store) -> None:
    store.enqueue(note("first", T0, episode="ep1"))
    store.enqueue(note("reply", T0 + 60, episode="ep1"))
    assert store.thread_of("oncall", "health", "ep1") is None
    store.mark_delivered("first", T0 + 1, thread="1714521601.000100")
    assert [n.id for n in store.claim(T0 + 100, "me", 60.0)] == ["reply"]
    assert store.thread_of("oncall", "health", "ep1") == "1714521601.000100"
    assert store.thread_of("oncall", "health", "ep2") is None
    assert store.thread_of("other", "health", "ep1") is None
    first = store.notifications(T0, T0 + 1)[0]
    assert (first.state, first.delivered_at, first.attempts) == ("delivered", T0 + 1, 1)


# silences and windows --------------------------------------------------------------------

def test_silences_active_now_and_removed(store: Store) -> None:
    store.add_silence(Silence("s1", "health", T0, T0 + 7200, reason="deploy", created_by="ana"))
    store.add_silence(Silence("s2", "*", T0 + 3600, T0 + 4000))
    assert [s.id for s in store.silences(T0 + 10)] == ["s1"]
    assert [s.id for s in store.silences(T0 + 3700)] == ["s1", "s2"]
    assert store.silences(T0 + 7200) == []
    assert store.silences()[0] == Silence("s1", "health", T0, T0 + 7200, "deploy", "ana")
    assert store.remove_silence("s1") is True
    assert store.remove_silence("s1") is False
    assert [s.id for s in store.silences()] == ["s2"]


def test_windows_are_saved_and_closed_ones_hidden(store: Store) -> None:
    w = WindowState("deploy-38", "Phase 3.8", T0, 86400.0, (21600.0, 43200.0), written=(21600.0,),
                    data={"version": "3.8.0"})
    store.save_window(w)
    store.save_window(WindowState("old", "Old", T0 - 86400, 86400.0, (), closed=True))
    assert store.windows() == [w]
    assert [x.name for x in store.windows(include_closed=True)] == ["deploy-38", "old"]


# retention -------------------------------------------------------------------------------

def test_prune_drops_old_history_keeps_rollups_and_pending_notifications(store: Store) -> None:
    store.record_many([result("api", T0, ms=1.0), result("api", T0 + 3600, ms=2.0)])
    store.add_event(Event("restart", T0))
    store.enqueue(note("sent", T0))
    store.enqueue(note("waiting", T0 + 1))
    store.mark_delivered("sent", T0 + 2)
    store.add_silence(Silence("s", "api", T0, T0 + 60))
    assert store.prune(T0 + 1800) == 4  # one result, one event, one delivered notification, one silence
    assert [r.ts for r in store.results("api", 0, 2e9)] == [T0 + 3600]
    assert [r.minute for r in store.rollups("api", 0, 2e9)] == [T0, T0 + 3600]
    assert [n.id for n in store.notifications(0, 2e9)] == ["waiting"]
    assert store.events(0, 2e9) == [] and store.silences() == []
    assert store.prune(T0 + 1800, rollups_before=T0 + 1800) == 1
    assert [r.minute for r in store.rollups("api", 0, 2e9)] == [T0 + 3600]


# SQLite specifics --------------------------------------------------------------------------

def test_the_file_is_created_with_its_directories_in_wal_mode(tmp_path: Path) -> None:
    state = tmp_path / "a" / "b"
    open_store(state).close()
    conn = sqlite3.connect(state / FILENAME)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]


def test_open_store_takes_the_settings_or_a_state_dir(tmp_path: Path) -> None:
    from contextlib import closing

    from watchdog.settings import Settings

    with closing(open_store(Settings(state_dir=tmp_path / "from-settings"))) as s:
        s.add_silence(Silence("s1", "health", T0, T0 + 60))
    with closing(open_store(str(tmp_path / "from-settings"))) as s:
        assert [x.id for x in s.silences()] == ["s1"]


def test_history_and_the_outbox_survive_a_reopen(tmp_path: Path) -> None:
    with SqliteStore(tmp_path) as s:
        s.record(result("api", T0, ms=3.0), main_metric="ms")
        s.enqueue(note("n1", T0))
    with SqliteStore(tmp_path) as s:
        assert s.series("api", "ms", 0, 2e9) == [(T0, 3.0)]
        assert [n.id for n in s.claim(T0, "me", 60.0)] == ["n1"]


def test_an_unusable_state_dir_is_a_one_line_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError) as err:
        open_store(blocker / "state")
    assert str(err.value) == f"cannot create the state directory {blocker / 'state'}: Not a directory"


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / FILENAME).write_bytes(b"x" * 4096)
    with pytest.raises(StoreError) as err:
        open_store(tmp_path)
    assert str(err.value) == f"cannot open the store {tmp_path / FILENAME}: file is not a database"


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"written by a newer watchdog \(schema 99, this one knows up to 2\)"):
        open_store(tmp_path)


WRITER = textwrap.dedent("""
    import sys
    from watchdog.model import Result
    from watchdog.status import Status
    from watchdog.store.sqlite import SqliteStore
    store = SqliteStore(sys.argv[1])
    print("ready", flush=True)
    for n in range(300):
        batch = [Result(f"c{i}", "http", Status.OK, "ok", {"ms": float(n)}, started=1e9 + n * 10 + i)
                 for i in range(50)]
        store.record_many(batch, main_metrics={f"c{i}": "ms" for i in range(50)})
    print("done", flush=True)
""")


def test_a_cli_process_reads_and_writes_while_the_daemon_writes(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    daemon = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert daemon.stdout is not None and daemon.stdout.readline() == "ready\n"
    cli = SqliteStore(tmp_path)
    for i in range(100):  # the CLI side: silences written, status read, while batches commit
        cli.add_silence(Silence(f"s{i}", "c1", 0, 2e9, reason="deploy"))
        cli.latest()
    assert daemon.stdout.readline() == "done\n"
    assert daemon.wait(timeout=60) == 0
    assert len(cli.silences()) == 100
    assert len(list(cli.results("c7", 0, 2e9))) == 300
    cli.close()
