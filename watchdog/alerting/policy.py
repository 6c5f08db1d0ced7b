"""The alert policy: a pure state machine from one check's results to notifications.

``step(state, status, now, rules, silenced, recovered)`` takes the stored state
(a small JSON-able dict, ``None`` at first), one result's status and time, and
returns the new state and the ``Decision``s to notify. No I/O, no clock: the
caller passes ``now`` (the result's time) and saves the state with the store.

Two layers, so silences and flapping stay simple:

* the **truth** advances on every result, silenced or not (this module):
  counters of consecutive results, whether the alert fires and at which level,
  flapping;
* what people were **told** (``state["told"]``, ``alerting.notices``) is
  compared with the truth whenever notifications are allowed, and the
  difference is notified: firing, escalated, downgraded, resolved, flapping,
  acknowledged; or, when nothing changed, a reminder or an escalation to more
  channels once due.

Rules, with the defaults of ``AlertRules``:

* Levels: OK 0, WARNING 1, CRITICAL 2. UNKNOWN (the check could not run) is
  alerted as CRITICAL: a blind spot is as urgent as an outage. With
  ``min_severity = "critical"`` a WARNING result counts as OK.
* Firing: ``after`` consecutive non-OK results (and, with ``for``, non-OK for
  that long since the first of them). It fires at CRITICAL when the CRITICAL
  results alone meet the condition, else at WARNING. ``after = { warning = 3,
  critical = 5 }`` sets the count per level: 3 failures in a row warn, 5 are
  critical (the seeds' "3 consecutive failures = warning, 5 = critical").
* Escalated (WARNING -> CRITICAL): CRITICAL held as long as firing needs.
  Downgraded (CRITICAL -> WARNING): ``recover_after`` results below CRITICAL.
  Resolved: ``recover_after`` consecutive OK results, OK for at least
  ``keep_firing_for``; with ``recover`` rules on the check, an OK result
  counts only when they hold (``recovered``): until then it is the firing
  level still (hysteresis: a count hovering at its threshold fires once).
* Reminders while firing: ``repeat`` after the last notice, each next wait
  multiplied by ``repeat_backoff`` and capped at ``repeat_max``. ``escalate``
  steps tell more channels once the alert is unresolved for their ``after``.
  An acknowledgement (``watchdog ack``) is told once, and stops reminders and
  escalations for its episode (until it expires).
* Flapping (``alerting.flapping``): the weighted share of the last
  ``flap_history`` transitions that changed level reaches ``flap_start`` %:
  one "flapping" notice at the worst level seen (again if a worse level comes),
  then nothing until it drops below ``flap_stop`` % or the level holds for as
  many results as firing or resolving needs; then a normal "firing" (still
  failing) or "resolved" (OK), in the same episode.
* Silenced (a silence or a maintenance window): nothing is notified, the truth
  still advances; when the silence ends the difference is notified.

An **episode** is one incident: its id is the UTC time of its first non-OK
result (``20240501T120000.000Z``; ``...Z-flap`` for one opened by flapping).
``(check, episode)`` threads its notifications; ``seq`` numbers them from 0, so
``(check, episode, event, seq, channel)`` is a stable notification id.

``step_match`` is the per-match mode of ``log-match`` checks: every non-OK
result notifies at once, at most one per ``log_match_rate_limit``, the next
one saying how many were held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from watchdog.alerting.decision import LEVELS, Decision, episode_id, level_of
from watchdog.alerting.flapping import percent_changed, remember, stable
from watchdog.alerting.notices import tell
from watchdog.alerting.rules import AlertRules
from watchdog.status import Status

__all__ = ["LEVELS", "Decision", "episode_id", "is_quiet", "level_of", "step", "step_match"]

VERSION = 1


def initial_state() -> dict[str, Any]:
    return {
        "v": VERSION, "level": 0, "bad": 0, "bad_since": None, "crit": 0, "crit_since": None,
        "good": 0, "good_since": None, "calm": 0, "firing": 0, "episode": None, "started": None,
        "levels": [], "flapping": False, "worst": 0, "told": None, "ack": None,
    }


def _copy(state: Mapping[str, Any] | None) -> dict[str, Any]:
    if not state or state.get("v") != VERSION or "told" not in state:
        return initial_state()  # none yet, or written by another version: start afresh
    s = {**initial_state(), **state}  # keys added since the state was written get their defaults
    s["levels"] = list(s["levels"])
    s["told"] = dict(state["told"]) if state["told"] else None
    return s


def step(state: Mapping[str, Any] | None, status: Status, now: float, rules: AlertRules,
         silenced: bool = False, recovered: bool = True) -> tuple[dict[str, Any], list[Decision]]:
    """Advance one check's alert state by one result; returns (new state, decisions).

    ``recovered``: whether the check's ``recover`` rules hold for this result (see above)."""
    s = _copy(state)
    level = level_of(status, rules)
    if level == 0 and not recovered and s["firing"]:
        level = s["firing"]  # OK by the thresholds, not yet by the recover rules: still failing
    _count(s, level, now)
    _flap(s, level, now, rules)
    _fire_or_recover(s, now, rules)
    if silenced:
        return s, []
    return s, tell(s, now, rules)


# the truth ------------------------------------------------------------------------------

def _count(s: dict[str, Any], level: int, now: float) -> None:
    s["level"] = level
    s["bad"], s["bad_since"] = (s["bad"] + 1, s["bad_since"] if s["bad"] else now) if level >= 1 else (0, None)
    s["crit"], s["crit_since"] = (s["crit"] + 1, s["crit_since"] if s["crit"] else now) if level >= 2 else (0, None)
    s["good"], s["good_since"] = (s["good"] + 1, s["good_since"] if s["good"] else now) if level == 0 else (0, None)
    s["calm"] = s["calm"] + 1 if level < 2 else 0


def _held(count: int, since: float | None, needed: int, now: float, rules: AlertRules) -> bool:
    if count < needed or since is None:
        return False
    return rules.for_ is None or now - since >= rules.for_


def hold_needed(level: int, rules: AlertRules) -> int:
    """Results a level must hold before it is the truth: firing's ``after``, or ``recover_after``."""
    return rules.after_for(level) if level else rules.recover_after


def _flap(s: dict[str, Any], level: int, now: float, rules: AlertRules) -> None:
    s["levels"] = remember(s["levels"], level, rules.flap_history)
    if not rules.flap_start:
        s["flapping"] = False
        return
    changed = percent_changed(s["levels"], rules.flap_history)
    if not s["flapping"]:
        if changed >= rules.flap_start:
            s["flapping"], s["worst"] = True, max(s["levels"])
            if not s["firing"]:  # a flap of its own opens an episode; an alert firing keeps its own
                s["episode"], s["started"] = episode_id(now, "-flap"), now
        return
    s["worst"] = max(s["worst"], level)
    needed = hold_needed(level, rules)
    if changed < rules.flap_stop or stable(s["levels"], needed):
        s["flapping"], s["worst"] = False, 0
        # settled: the flips before are over; flapping again takes new flips, not old ones
        s["levels"] = s["levels"][-max(needed, 2):]


def _fire_or_recover(s: dict[str, Any], now: float, rules: AlertRules) -> None:
    warn_held = _held(s["bad"], s["bad_since"], rules.after_for(1), now, rules)
    crit_held = _held(s["crit"], s["crit_since"], rules.after_for(2), now, rules)
    if not s["firing"]:
        if warn_held or crit_held:
            s["firing"] = 2 if crit_held else 1
            told = s["told"]
            if not s["flapping"] and not (told and told["flapping"]):  # a flap told: its episode goes on
                s["episode"], s["started"] = episode_id(s["bad_since"]), s["bad_since"]
    elif s["good"] >= rules.recover_after and now - (s["good_since"] or now) >= rules.keep_firing_for:
        s["firing"] = 0
        s["ack"] = None  # an acknowledgement ends with its incident
    elif s["firing"] == 1 and crit_held:
        s["firing"] = 2
    elif s["firing"] == 2 and s["calm"] >= rules.recover_after:
        s["firing"] = 1


# per-match mode (log-match) ---------------------------------------------------------------

def step_match(state: Mapping[str, Any] | None, status: Status, now: float, rules: AlertRules,
               silenced: bool = False) -> tuple[dict[str, Any], list[Decision]]:
    """Each non-OK result notifies at once (its own episode), rate-limited per check.

    Episodes are numbered (``...Z-match-7``): lines read in one block share a time, and
    each still needs a notification id of its own."""
    s = dict(state) if state and state.get("mode") == "match" else {"v": VERSION, "mode": "match",
                                                                     "last": None, "held": 0}
    s.setdefault("n", 0)
    level = level_of(status, rules)
    if level == 0 or silenced:
        return s, []
    if s["last"] is not None and now - s["last"] < rules.log_match_rate_limit:
        s["held"] += 1
        return s, []
    s["n"] += 1
    decision = Decision(event="firing", severity=LEVELS[level], episode=episode_id(now, f"-match-{s['n']}"),
                        started=now, at=now, peak=LEVELS[level], suppressed=s["held"])
    s["last"], s["held"] = now, 0
    return s, [decision]


# silences and maintenance ------------------------------------------------------------------

def is_quiet(check: str, now: float, rules: AlertRules, silences: Iterable[Any] = ()) -> bool:
    """Are ``check``'s notifications held at ``now``: a silence (``store.base.Silence``:
    its check, or ``"*"``) in force, or one of its maintenance windows."""
    for silence in silences:
        if silence.check in (check, "*") and silence.starts <= now < silence.ends:
            return True
    return rules.in_maintenance(now)
