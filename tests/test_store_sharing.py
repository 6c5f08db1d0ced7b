"""What makes the store safe with several writers: compare-and-set alert states, outbox
claims, and the migration that added them (watchdog/store/, both engines)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.stores import note
from watchdog.store import sqlite_rows as rows
from watchdog.store.base import Store, StoredAlertState
from watchdog.store.schema import FILENAME, LATEST, MIGRATIONS
from watchdog.store.sqlite import SqliteStore

T0 = 1_714_521_600.0
LEASE = 60.0

# -- alert states: compare-and-set --------------------------------------------------------

# the `expected` of each save in turn (state {"n": i} for the i-th) -> what each returned, what is stored
CAS = {
    "fresh": ([None], [True], StoredAlertState({"n": 0}, 1)),
    "a second first save": ([None, None], [True, False], StoredAlertState({"n": 0}, 1)),
    "matching version": ([None, 1, 2], [True, True, True], StoredAlertState({"n": 2}, 3)),
    "stale version": ([None, 1, 1], [True, True, False], StoredAlertState({"n": 1}, 2)),
    "a version never written": ([None, 7], [True, False], StoredAlertState({"n": 0}, 1)),
    "a version named where there is none": ([1], [False], None),
}


@pytest.mark.parametrize(("expected", "saved", "stored"), CAS.values(), ids=CAS.keys())
def test_alert_states_are_saved_by_compare_and_set(store: Store, expected: list[int | None], saved: list[bool],
                                                   stored: StoredAlertState | None) -> None:
    assert [store.save_alert_state("health", {"n": i}, expected=e) for i, e in enumerate(expected)] == saved
    assert store.load_alert_state("health") == stored


def test_of_two_interleaved_writers_the_second_must_read_again(store: Store) -> None:
    store.save_alert_state("health", {"firing": 0}, expected=None)
    a, b = store.load_alert_state("health"), store.load_alert_state("health")
    assert a is not None and b is not None
    assert store.save_alert_state("health", {"firing": 2}, expected=a.version) is True
    assert store.save_alert_state("health", {"firing": 1}, expected=b.version) is False
    again = store.load_alert_state("health")
    assert again == StoredAlertState({"firing": 2}, 2)
    assert store.save_alert_state("health", {"firing": 1}, expected=again.version) is True


def test_two_connections_to_one_file_see_each_others_versions(tmp_path: Path) -> None:
    with SqliteStore(tmp_path) as one, SqliteStore(tmp_path) as two:
        assert one.save_alert_state("health", {"firing": 1}, expected=None) is True
        assert two.save_alert_state("health", {"firing": 2}, expected=None) is False
        assert two.save_alert_state("health", {"firing": 2}, expected=1) is True
        assert one.load_alert_state("health") == StoredAlertState({"firing": 2}, 2)


# -- outbox: claims -----------------------------------------------------------------------

def three_checks(store: Store) -> None:
    """One notification per check, so none waits behind another."""
    store.enqueue(note("late", T0 + 2, check="redis"))
    store.enqueue(note("early", T0 + 1, check="health"))
    store.enqueue(note("later", T0 + 3, check="ws", next_attempt=T0 + 100))


def ids(store: Store, owner: str, now: float, limit: int = 100) -> list[str]:
    return [n.id for n in store.claim(now, owner, LEASE, limit)]


# (owner, now, limit) of each claim in turn, lease 60 s -> the ids each one took
CLAIMS = {
    "due and unclaimed, oldest first": ([("a", T0 + 10, 100)], [["early", "late"]]),
    "not due before its next attempt": ([("a", T0 + 99, 100), ("a", T0 + 100, 100)],
                                        [["early", "late"], ["early", "late", "later"]]),
    "limit takes the oldest": ([("a", T0 + 10, 1), ("b", T0 + 10, 100)], [["early"], ["late"]]),
    "claimed by another live owner": ([("a", T0 + 10, 100), ("b", T0 + 69, 100)], [["early", "late"], []]),
    "an expired claim is taken over": ([("a", T0 + 10, 100), ("b", T0 + 70, 100)],
                                       [["early", "late"], ["early", "late"]]),
    "the owner claims its own again": ([("a", T0 + 10, 1), ("a", T0 + 11, 100)], [["early"], ["early", "late"]]),
}


@pytest.mark.parametrize(("claims", "taken"), CLAIMS.values(), ids=CLAIMS.keys())
def test_claim_takes_due_notifications_no_live_other_owner_holds(
        store: Store, claims: list[tuple[str, float, int]], taken: list[list[str]]) -> None:
    three_checks(store)
    assert [ids(store, owner, now, limit) for owner, now, limit in claims] == taken


# what owner "a" does with "early" after claiming both due ones at T0 + 10 -> what "b" takes at T0 + 11
ENDS: dict[str, tuple[Callable[[Store], None], list[str]]] = {
    "nothing: still claimed": (lambda s: None, []),
    "a failed attempt, due again": (
        lambda s: s.mark_attempt("early", error="HTTP 503", next_attempt=T0 + 11, permanent=False), ["early"]),
    "delivered: gone from the queue": (lambda s: s.mark_delivered("early", T0 + 10.5), []),
    "released by its owner": (lambda s: s.release("a", ["early"]), ["early"]),
    "released by someone else: kept": (lambda s: s.release("b", ["early"]), []),
}


@pytest.mark.parametrize(("act", "taken"), ENDS.values(), ids=ENDS.keys())
def test_a_claim_ends_with_an_attempt_a_delivery_or_a_release(
        store: Store, act: Callable[[Store], None], taken: list[str]) -> None:
    three_checks(store)
    assert ids(store, "a", T0 + 10) == ["early", "late"]
    act(store)
    assert ids(store, "b", T0 + 11) == taken


def claimed_by_a(store: Store) -> None:
    store.enqueue(note("firing", T0))
    store.claim(T0, "a", LEASE, 1)


# the older notification of check "health" on "oncall" -> what "b" takes at T0 + 10
HELD = {
    "older one not due yet": (lambda s: s.enqueue(note("firing", T0, next_attempt=T0 + 30)), ["slack", "redis"]),
    "older one claimed by another owner": (claimed_by_a, ["slack", "redis"]),
    "older one claimable: both go": (lambda s: s.enqueue(note("firing", T0)),
                                     ["firing", "resolved", "slack", "redis"]),
}


@pytest.mark.parametrize(("older", "taken"), HELD.values(), ids=HELD.keys())
def test_a_notification_waits_behind_an_older_one_of_its_channel_and_check(
        store: Store, older: Callable[[Store], object], taken: list[str]) -> None:
    older(store)
    store.enqueue(note("resolved", T0 + 1))
    store.enqueue(note("slack", T0 + 2, channel="slack"))
    store.enqueue(note("redis", T0 + 3, check="redis"))
    assert ids(store, "b", T0 + 10) == taken


# -- migrations ---------------------------------------------------------------------------

def test_a_version_1_file_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / FILENAME)
    for statement in dict(MIGRATIONS)[1]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.execute("INSERT INTO alert_state (check_name, state, updated) VALUES ('health', '{\"firing\":2}', 0)")
    conn.execute(rows.INSERT_NOTIFICATION, rows.notification_row(note("n1", T0)))
    conn.commit()
    conn.close()
    with SqliteStore(tmp_path) as store:
        assert store.load_alert_state("health") == StoredAlertState({"firing": 2}, 1)
        assert ids(store, "a", T0) == ["n1"]
        assert store.save_alert_state("health", {"firing": 0}, expected=1) is True
    conn = sqlite3.connect(tmp_path / FILENAME)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)] == [(2,)]
    conn.close()


def test_claims_say_who_holds_which_pending_notification(store: Store) -> None:
    for nid in ("a", "b", "c"):
        store.enqueue(note(nid, T0))
    store.claim(T0, "host:1:x", LEASE, limit=2)
    store.mark_delivered("a", T0 + 1)
    assert store.claims() == {"host:1:x": ["b"]}
