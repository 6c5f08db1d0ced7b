"""The alert policy (pure, fake clock) and the alert rules model, as tables of cases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from watchdog.alerting.policy import Decision, episode_id, is_quiet, step, step_match
from watchdog.alerting.rules import AlertRules, MaintenanceWindow, effective_rules
from watchdog.config import from_document
from watchdog.errors import ConfigError
from watchdog.status import Status
from watchdog.store.base import Silence

O, W, C, U = Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN
T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z, a Wednesday
H = 3600.0


def rules(**keys: Any) -> AlertRules:
    """Rules as the config writes them (``for`` included), flap detection off unless asked."""
    keys.setdefault("flap_start", 0)
    keys.setdefault("flap_stop", 0)
    return AlertRules.model_validate(keys)


def run(r: AlertRules, results: Sequence[tuple[float, Status]], quiet: tuple[float, float] | None = None
        ) -> list[Decision]:
    """Feed (seconds after T0, status) pairs; the state goes through JSON each time, as in the store."""
    state: dict[str, Any] | None = None
    out: list[Decision] = []
    for at, status in results:
        silenced = quiet is not None and quiet[0] <= at < quiet[1]
        state, decisions = step(state, status, T0 + at, r, silenced)
        state = json.loads(json.dumps(state))
        out.extend(decisions)
    return out


def seen(decisions: list[Decision]) -> list[tuple[float, str, str]]:
    return [(d.at - T0, d.event, d.severity.name) for d in decisions]


def every(seconds: float, *statuses: Status, start: float = 0.0) -> list[tuple[float, Status]]:
    return [(start + i * seconds, s) for i, s in enumerate(statuses)]


CASES = [
    ("fires once at the after-th CRITICAL", {"after": 3}, every(30, O, C, C, C, C),
     [(90, "firing", "CRITICAL")]),
    ("an OK in between starts the count again", {"after": 3}, every(30, C, C, O, C, C, C),
     [(150, "firing", "CRITICAL")]),
    ("UNKNOWN is alerted as CRITICAL", {"after": 3}, every(30, U, U, U),
     [(60, "firing", "CRITICAL")]),
    ("WARNING then CRITICAL fires at WARNING, escalates once CRITICAL held", {"after": 3},
     every(30, W, C, C, C), [(60, "firing", "WARNING"), (90, "escalated", "CRITICAL")]),
    ("escalation needs after CRITICALs in a row", {"after": 2},
     every(30, W, W, C, W, C, C), [(30, "firing", "WARNING"), (150, "escalated", "CRITICAL")]),
    ("downgrade, then resolve", {"after": 3}, every(30, C, C, C, W, W, O),
     [(60, "firing", "CRITICAL"), (90, "downgraded", "WARNING"), (150, "resolved", "WARNING")]),
    ("recover_after=2: one OK is not enough", {"after": 3, "recover_after": 2},
     every(30, C, C, C, O, C, O, O, O), [(60, "firing", "CRITICAL"), (180, "resolved", "CRITICAL")]),
    ("recover_after=2: two results below CRITICAL downgrade", {"after": 1, "recover_after": 2},
     every(30, C, W, O, W, W), [(0, "firing", "CRITICAL"), (60, "downgraded", "WARNING")]),
    ('for = "2m": fires when non-OK for 2 minutes', {"for": "2m"}, every(30, O, C, C, C, C, C, C),
     [(150, "firing", "CRITICAL")]),
    ('for = "2m" and after = 6: both must hold', {"for": "2m", "after": 6}, every(30, *[C] * 8),
     [(150, "firing", "CRITICAL")]),
    ('for: the time counts from the first non-OK result', {"for": "5m"}, every(120, C, C, C, C, O),
     [(360, "firing", "CRITICAL"), (480, "resolved", "CRITICAL")]),
    ("min_severity critical: warnings are not alerts", {"after": 2, "min_severity": "critical"},
     every(30, W, W, W, C, C, W), [(120, "firing", "CRITICAL"), (150, "resolved", "CRITICAL")]),
    ("reminders: repeat 1h, backoff 2, capped at 4h", {"after": 1, "repeat": "1h", "repeat_backoff": 2,
                                                       "repeat_max": "4h"},
     every(600, *[C] * 73),  # 12 hours of CRITICAL every 10 minutes
     [(0, "firing", "CRITICAL"), (H, "reminder", "CRITICAL"), (3 * H, "reminder", "CRITICAL"),
      (7 * H, "reminder", "CRITICAL"), (11 * H, "reminder", "CRITICAL")]),
    ("a reminder comes with the first result once due, the next one counts from it",
     {"after": 1, "repeat": "1h"}, every(1500, *[C] * 7),
     [(0, "firing", "CRITICAL"), (4500, "reminder", "CRITICAL"), (9000, "reminder", "CRITICAL")]),
    ('repeat = "0s": no reminders', {"after": 1, "repeat": "0s"}, every(600, *[C] * 30),
     [(0, "firing", "CRITICAL")]),
    ("an escalation restarts the reminder clock", {"after": 1, "repeat": "1h"},
     every(1800, W, W, C, C, C), [(0, "firing", "WARNING"), (3600, "escalated", "CRITICAL"),
                                  (7200, "reminder", "CRITICAL")]),
]


@pytest.mark.parametrize(("keys", "results", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy(keys: dict[str, Any], results: list[tuple[float, Status]], expected: list[Any]) -> None:
    assert seen(run(rules(**keys), results)) == expected


def test_an_episode_threads_its_notifications_and_numbers_them() -> None:
    decisions = run(rules(after=2), every(30, C, C, W, O, W, W))
    assert [(d.event, d.episode, d.seq, d.started - T0) for d in decisions] == [
        ("firing", "20240501T120000.000Z", 0, 0.0),  # the episode starts at its first non-OK result
        ("downgraded", "20240501T120000.000Z", 1, 0.0),
        ("resolved", "20240501T120000.000Z", 2, 0.0),
        ("firing", "20240501T120200.000Z", 0, 120.0),
    ]
    assert [(d.previous, d.peak) for d in decisions] == [(None, C), (C, C), (None, C), (None, W)]
    assert decisions[0].episode == episode_id(T0)


# flapping ----------------------------------------------------------------------------------

FLIPS = every(30, C, O, C, O, C, O, C, O, C, O)  # a level change at every result for 5 minutes
FLAP = {"flap_start": 25, "flap_stop": 10}


def test_flapping_is_one_notice_at_the_worst_level_then_quiet_until_stable_then_resolved() -> None:
    decisions = run(rules(after=1, **FLAP), FLIPS + every(60, *[O] * 5, start=300))
    assert seen(decisions)[5:] == [
        (150, "flapping", "CRITICAL"),  # the 5th change: 5 recent changes weigh 29 % of the last 20
        (300, "resolved", "CRITICAL"),  # OK held twice (270, 300): stable, told at once
    ]
    assert decisions[-1].episode == decisions[-2].episode == decisions[-3].episode  # the firing it flapped in


def test_flapping_that_settles_on_failing_notifies_firing_in_the_same_episode() -> None:
    decisions = run(rules(after=1, **FLAP), FLIPS[:-1] + every(30, *[C] * 5, start=270))
    assert seen(decisions)[5:] == [(150, "flapping", "CRITICAL"), (270, "firing", "CRITICAL")]
    assert decisions[5].episode == decisions[6].episode
    assert [d.seq for d in decisions[5:]] == [1, 2]


def test_separate_outages_are_not_flapping() -> None:
    outage = [*[O] * 12, *[C] * 9]  # 36 s up, 27 s down, at a 3 s interval
    decisions = run(rules(after=2, **FLAP), every(3, *outage * 3, *[O] * 12))
    assert [e for _, e, _ in seen(decisions)] == ["firing", "resolved"] * 3


def test_flips_below_the_alert_threshold_flap_at_the_worst_level_seen() -> None:
    assert seen(run(rules(after=3, **FLAP), FLIPS)) == [(150, "flapping", "CRITICAL")]


def test_a_worse_level_while_flapping_is_told_again() -> None:
    flips = every(30, W, O, W, O, W, O, W, O, C, O, W)
    assert [(e, s) for _, e, s in seen(run(rules(after=3, **FLAP), flips))] == [
        ("flapping", "WARNING"), ("flapping", "CRITICAL")]


def test_settled_flapping_needs_new_flips_to_flap_again() -> None:
    decisions = run(rules(after=1, **FLAP), FLIPS[:-1] + every(30, *[C] * 10, start=270))
    assert [e for _, e, _ in seen(decisions)][-2:] == ["flapping", "firing"]  # no flapping/firing ping-pong


# silences and maintenance ----------------------------------------------------------------------

@pytest.mark.parametrize(("results", "quiet", "expected"), [
    (every(60, C, C, C, C, C, O), (0, 3600), []),
    (every(60, C, C, C, C, C, C), (0, 250), [(300, "firing", "CRITICAL")]),
    (every(60, C, C, C, O, O, O), (150, 270), [(120, "firing", "CRITICAL"), (300, "resolved", "CRITICAL")]),
    (every(60, C, C, C, C, C, C), (150, 250), [(120, "firing", "CRITICAL")]),
], ids=["incident entirely silenced", "still failing when the silence ends", "resolved under the silence",
        "still firing, no reminder due"])
def test_silences_hold_notifications_not_the_state(results: Any, quiet: Any, expected: Any) -> None:
    assert seen(run(rules(after=3), results, quiet=quiet)) == expected


def test_a_reminder_that_fell_due_under_a_silence_comes_when_it_ends() -> None:
    decisions = run(rules(after=1, repeat="1h"), every(1200, *[C] * 6), quiet=(1000, 5000))
    assert seen(decisions) == [(0, "firing", "CRITICAL"), (6000, "reminder", "CRITICAL")]


@pytest.mark.parametrize(("silence", "now", "quiet"), [
    (Silence("s", "health", T0, T0 + 7200), T0 + 10, True),
    (Silence("s", "health", T0, T0 + 7200), T0 + 7200, False),
    (Silence("s", "*", T0, T0 + 60), T0 + 59, True),
    (Silence("s", "redis", T0, T0 + 7200), T0 + 10, False),
])
def test_is_quiet_under_a_silence(silence: Silence, now: float, quiet: bool) -> None:
    assert is_quiet("health", now, rules(), [silence]) is quiet


def test_is_quiet_in_a_maintenance_window() -> None:
    r = rules(maintenance=[{"days": ["wed"], "start": "11:30", "end": "12:30"}])
    assert is_quiet("health", T0, r) is True
    assert is_quiet("health", T0 + H, r) is False


# per-match (log-match) -----------------------------------------------------------------------------

def test_matches_notify_at_once_rate_limited_with_the_count_held_back() -> None:
    r = rules(log_match_rate_limit="1m")
    state: dict[str, Any] | None = None
    out = []
    for at, status, silenced in [(0, C, False), (10, C, False), (20, W, False), (30, O, False),
                                 (61, C, False), (200, C, True), (300, W, False)]:
        state, decisions = step_match(state, status, T0 + at, r, silenced)
        out += [(d.at - T0, d.event, d.severity.name, d.suppressed) for d in decisions]
    assert out == [(0, "firing", "CRITICAL", 0), (61, "firing", "CRITICAL", 2), (300, "firing", "WARNING", 0)]


def test_each_match_is_its_own_episode() -> None:
    r = rules(log_match_rate_limit="0s")
    state, first = step_match(None, C, T0, r)
    _, second = step_match(state, C, T0 + 0.25, r)
    assert [first[0].episode, second[0].episode] == ["20240501T120000.000Z-match-1", "20240501T120000.250Z-match-2"]


def test_matches_read_in_one_block_at_the_same_time_are_six_episodes_six_ids() -> None:
    from watchdog.alerting.message import notification_id

    r, state, episodes = rules(log_match_rate_limit="0s"), None, []
    for _ in range(6):
        state, [decision] = step_match(state, C, T0, r)
        episodes.append(decision.episode)
    assert len({notification_id("app-alerts", e, "firing", "hook") for e in episodes}) == 6


def test_a_state_from_another_version_starts_afresh() -> None:
    state, decisions = step({"v": 0, "whatever": 1}, C, T0, rules(after=1))
    assert [d.event for d in decisions] == ["firing"] and state["v"] == 1


# rules ----------------------------------------------------------------------------------------

def test_defaults() -> None:
    r = AlertRules()
    assert (r.after_n, r.recover_after, r.repeat, r.repeat_backoff, r.repeat_max) == (3, 1, 3600.0, 1.0, 86400.0)
    assert (r.flap_history, r.flap_start, r.flap_stop, r.min_severity, r.log_match_rate_limit) == (
        20, 25.0, 10.0, W, 60.0)


def test_after_defaults_to_one_when_only_for_is_set() -> None:
    assert AlertRules.model_validate({"for": "2m"}).after_n == 1
    assert AlertRules.model_validate({"for": "2m", "after": 4}).after_n == 4


def test_a_check_overrides_the_defaults_key_by_key() -> None:
    defaults = AlertRules.model_validate({"after": 3, "repeat": "1h", "channels": ["oncall"]})
    check = AlertRules.model_validate({"after": 2, "runbook": "health-endpoint-down"})
    merged = effective_rules(defaults, check)
    assert (merged.after, merged.repeat, merged.channels, merged.runbook) == (
        2, 3600.0, ("oncall",), "health-endpoint-down")
    assert effective_rules(None, None) == AlertRules()


@pytest.mark.parametrize(("window", "at", "inside"), [
    ({"days": ["sat"], "start": "02:00", "end": "04:00"}, "2024-05-04T02:00:00", True),
    ({"days": ["sat"], "start": "02:00", "end": "04:00"}, "2024-05-04T04:00:00", False),
    ({"days": ["sat"], "start": "02:00", "end": "04:00"}, "2024-05-05T03:00:00", False),
    ({"days": ["fri"], "start": "22:00", "end": "02:00"}, "2024-05-04T01:59:00", True),  # past midnight
    ({"days": ["fri"], "start": "22:00", "end": "02:00"}, "2024-05-03T01:00:00", False),
    ({"start": "23:00", "end": "24:00"}, "2024-05-01T23:30:00", True),  # every day
    ({"start": "09:00", "end": "10:00", "tz": "Europe/Paris"}, "2024-05-01T07:30:00", True),  # UTC+2 in May
])
def test_maintenance_windows(window: dict[str, Any], at: str, inside: bool) -> None:
    from datetime import datetime, timezone

    now = datetime.fromisoformat(at).replace(tzinfo=timezone.utc).timestamp()
    assert MaintenanceWindow.model_validate(window).covers(now) is inside


@pytest.mark.parametrize(("alert", "message"), [
    ({"aftr": 2}, "checks.api.alert.aftr: unknown key (did you mean 'after'?)"),
    ({"after": 0}, "checks.api.alert.after: input should be greater than or equal to 1, got 0"),
    ({"for": "soon"}, "checks.api.alert.for: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
    ({"repeat_backoff": 0.5}, "checks.api.alert.repeat_backoff: input should be greater than or equal to 1, got 0.5"),
    ({"min_severity": "ok"}, "checks.api.alert.min_severity: invalid severity 'ok' (use warning or critical)"),
    ({"maintenance": [{"start": "25:00", "end": "04:00"}]},
     "checks.api.alert.maintenance[0].start: invalid time '25:00' (use HH:MM, 00:00 to 24:00)"),
    ({"maintenance": [{"start": "02:00", "end": "04:00", "tz": "Mars/Base"}]},
     "checks.api.alert.maintenance[0].tz: unknown time zone 'Mars/Base' (use an IANA name such as UTC or Europe/Paris)"),
    ({"maintenance": [{"start": "02:00", "end": "02:00"}]},
     "checks.api.alert.maintenance[0]: start and end are the same time: the window would be empty"),
    ({"maintenance": [{"days": ["someday"], "start": "02:00", "end": "03:00"}]},
     "checks.api.alert.maintenance[0].days[0]: input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun', "
     "got 'someday'"),
])
def test_alert_table_errors_name_the_key(alert: dict[str, Any], message: str) -> None:
    document = {"checks": {"api": {"type": "http", "url": "http://127.0.0.1:9/health", "alert": alert}}}
    with pytest.raises(ConfigError) as err:
        from_document(document, file="watchdog.toml")
    assert str(err.value) == f"watchdog.toml: {message}"


def test_defaults_alert_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        from_document({"defaults": {"alert": {"repeat": "often"}}}, file="watchdog.toml")
    assert str(err.value) == "watchdog.toml: defaults.alert.repeat: invalid duration 'often' (use 500ms, 30s, 5m, 1h, 1d)"
