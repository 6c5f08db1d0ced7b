"""``watchdog ack CHECK``: acknowledge a firing alert — someone is on it.

The acknowledgement is written into the check's alert state in the store, by
compare-and-set (the running daemon writes that state too: a conflict is read
again and retried). The daemon tells it once, in the alert's thread (Slack
reply, PagerDuty/Opsgenie acknowledge, e-mail reply), and holds the reminders
and escalations of that incident until ``--for`` ends (default: until it
resolves). Results are still recorded and a resolve is still told.

Exit codes: 0 done; 2 a bad argument (unknown check, a check not firing, a bad
duration) or a config or store problem.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, fail


def ack(
    check: Annotated[str, typer.Argument(help="The check whose alert to acknowledge.", metavar="CHECK",
                                         show_default=False)],
    duration: Annotated[str | None, typer.Option("--for", help="Hold reminders this long (default: until it "
                                                               "resolves).", metavar="DURATION",
                                                 show_default=False)] = None,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (shown in the thread and in status).",
                                        metavar="TEXT")] = "",
    by: Annotated[str | None, typer.Option("--by", help="Who (default: the login name).", metavar="WHO",
                                           show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Acknowledge CHECK's firing alert: reminders and escalations stop, the resolve still comes."""
    from watchdog.cli.silence import _login, _open, _until
    from watchdog.durations import format_duration, parse_duration

    try:
        seconds = parse_duration(duration) if duration is not None else None
    except ValueError as exc:
        fail(f"--for: {exc}", 2)
    cfg, store = _open(config)
    try:
        if check not in cfg.checks:
            fail(f"no check named {check!r} in {cfg.path} (checks: {', '.join(sorted(cfg.checks)) or 'none'})", 2)
        now = time.time()
        done = acknowledge(store, check, {"by": by if by is not None else _login(), "reason": reason, "at": now,
                                          "until": now + seconds if seconds else None})
    finally:
        store.close()
    if done is None:
        fail(f"{check} is not firing: there is nothing to acknowledge", 2)
    held = f" for {format_duration(seconds)}, until {_until(now + seconds)}" if seconds else " until it resolves"
    print(f"acknowledged {check} (incident {done}){held}" + (f": {reason}" if reason else ""))


def acknowledge(store: Any, check: str, ack: Mapping[str, Any], attempts: int = 5) -> str | None:
    """Write ``ack`` into ``check``'s firing alert state (compare-and-set, retried); the episode
    acknowledged, or None when nothing fires."""
    for _ in range(attempts):
        found = store.load_alert_state(check)
        state = found.state if found is not None else {}
        episode = firing_episode(state)
        if episode is None:
            return None
        fresh = {**state, "ack": {**ack, "episode": episode}}
        if store.save_alert_state(check, fresh, expected=found.version if found else None):
            return episode
    from watchdog.errors import StoreError

    raise StoreError(f"the alert state of {check} kept changing while it was acknowledged; try again")


def firing_episode(state: Mapping[str, Any]) -> str | None:
    """The episode people were told of, while the alert fires or flaps."""
    told = state.get("told")
    if not told or not (state.get("firing") or state.get("flapping")):
        return None
    return str(told["episode"])
