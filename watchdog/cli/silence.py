"""``watchdog silence add|list|remove``: hold a check's notifications for a while.

A silence is written to the store in ``state_dir``, where the running daemon
reads it before each notification (SQLite in WAL mode: safe while it runs).
Results are still recorded and the alert state still advances under a
silence; when it ends, whatever is still wrong is notified (see
``watchdog.alerting.policy``). ``*`` silences every check.

Exit codes: 0 done; 2 a bad argument (unknown check, unknown silence id, bad
duration); otherwise the error's own code (config or store: 3).
"""

from __future__ import annotations

import enum
import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, fail

if TYPE_CHECKING:
    from watchdog.config import Config
    from watchdog.store.base import Silence, Store


class ListFormat(str, enum.Enum):
    table = "table"
    json = "json"


app = typer.Typer(help="Hold a check's notifications for a while (deploys, maintenance).", no_args_is_help=True)


def _now(ctx: typer.Context) -> float:
    """The time, or the clock a test passes as ``obj={"clock": ...}``."""
    clock = ctx.obj.get("clock") if isinstance(ctx.obj, dict) else None
    return float(clock()) if clock else time.time()


def _open(config: str | None) -> tuple[Config, Store]:
    from watchdog.config import load
    from watchdog.errors import WatchdogError
    from watchdog.store import open_store

    try:
        cfg = load(config)
        return cfg, open_store(cfg.settings.state_dir)
    except WatchdogError as err:
        fail(str(err), 2)  # like every command but `check`: a config or store problem exits 2


def _until(ends: float) -> str:
    from watchdog.alerting.message import human_time

    return human_time(ends)


@app.command("add")
def add(
    ctx: typer.Context,
    check: Annotated[str, typer.Argument(metavar="CHECK", help="The check to silence, or '*' for every check.", show_default=False)],
    duration: Annotated[str, typer.Option("--for", metavar="DURATION", help="How long: 30m, 2h, 1d.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help="Why (shown in 'silence list').")] = "",
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who (default: the login name).", show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Silence CHECK for a while: results are recorded, nothing is notified."""
    import secrets

    from watchdog.durations import format_duration, parse_duration
    from watchdog.store.base import Silence

    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        fail(f"--for: {exc}", 2)
    if seconds <= 0:
        fail(f"--for: invalid duration {duration!r}: must be more than zero", 2)
    cfg, store = _open(config)
    try:
        if check != "*" and check not in cfg.checks:
            known = ", ".join(sorted(cfg.checks)) or "none"
            fail(f"no check named {check!r} in {cfg.path} (checks: {known}; '*' silences all)", 2)
        now = _now(ctx)
        silence = Silence(id=secrets.token_hex(4), check=check, starts=now, ends=now + seconds, reason=reason,
                          created_by=by if by is not None else _login())
        store.add_silence(silence)
    finally:
        store.close()
    what = "every check" if check == "*" else check
    tail = f": {reason}" if reason else ""
    print(f"silenced {what} for {format_duration(seconds)}, until {_until(silence.ends)} (id {silence.id}){tail}")


@app.command("list")
def list_(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="Also the expired ones not yet pruned.")] = False,
    output: Annotated[ListFormat, typer.Option("--format", metavar="FORMAT", help="table or json.")] = ListFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Same as --format json.")] = False,
    config: ConfigOption = None,
) -> None:
    """The silences in force (with --all: also the expired ones)."""
    _, store = _open(config)
    now = _now(ctx)
    try:
        silences = store.silences() if show_all else store.silences(now)
    finally:
        store.close()
    if as_json or output is ListFormat.json:
        print(json.dumps([_as_dict(s, now) for s in silences], indent=2))
    elif not silences:
        print("no silences in force" if not show_all else "no silences")
    else:
        print(_table(silences, now))


@app.command("remove")
def remove(
    silence_id: Annotated[str, typer.Argument(metavar="ID", help="The id shown by 'silence add' and 'silence list'.")],
    config: ConfigOption = None,
) -> None:
    """Remove a silence: the check's notifications resume at its next result."""
    _, store = _open(config)
    try:
        found = next((s for s in store.silences() if s.id == silence_id), None)
        if found is None or not store.remove_silence(silence_id):
            fail(f"no silence with id {silence_id!r} (see 'watchdog silence list')", 2)
    finally:
        store.close()
    print(f"removed silence {found.id} ({'every check' if found.check == '*' else found.check})")


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without $USER): leave it blank
        return ""


def _left(silence: Silence, now: float) -> str:
    from watchdog.durations import format_duration

    return format_duration(silence.ends - now) if silence.ends > now else "expired"


def _as_dict(s: Silence, now: float) -> dict[str, Any]:
    return {"id": s.id, "check": s.check, "starts": s.starts, "ends": s.ends, "reason": s.reason,
            "created_by": s.created_by, "active": s.starts <= now < s.ends}


def _table(silences: list[Silence], now: float) -> str:
    rows = [("ID", "CHECK", "UNTIL", "LEFT", "BY", "REASON")]
    rows += [(s.id, s.check, _until(s.ends), _left(s, now), s.created_by or "-", s.reason or "-") for s in silences]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]) for row in rows)
