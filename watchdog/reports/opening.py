"""Opening and closing monitoring windows: by the config, by the CLI, by a deploy the daemon saw.

    open_configured_windows(store, ctx, now=now)     # daemon start-up: windows with a fixed start
    open_on_deploy(store, ctx, at=t, reason=why)     # a restart or deploy seen in a result
    open_window(store, name, start=t, spec=spec)     # `watchdog window start NAME`
    close_window(store, name, now=now)               # `watchdog window close NAME`

Each opening or closing is recorded as a ``window.*`` event.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from watchdog.errors import UsageError
from watchdog.reports import windows as wmath
from watchdog.reports.config import WindowSpec
from watchdog.reports.context import ReportContext
from watchdog.store.base import Event, EventLog, MonitoringWindows, WindowState


class WindowStore(MonitoringWindows, EventLog, Protocol):
    """The facets opening and closing windows use (each is also an event)."""


def open_window(store: WindowStore, name: str, *, start: float, spec: WindowSpec | None = None,
                duration_s: float | None = None, opened_by: str = "cli", reason: str = "") -> WindowState:
    """Open (or re-open from scratch) the window ``name``; a window of that name still open is replaced."""
    duration = duration_s or (spec.duration_s if spec else wmath.DEFAULT_DURATION)
    if spec and duration == spec.duration_s:
        checkpoints = spec.checkpoints_s
    else:
        wanted = [c for c in (spec.checkpoints_s if spec else ()) if c < duration]
        checkpoints = wmath.normalise_checkpoints(wanted or wmath.default_checkpoints(duration), duration)
    window = WindowState(name, spec.title if spec else name, start, duration, checkpoints,
                         data={"opened_by": opened_by, "reason": reason})
    store.save_window(window)
    store.add_event(Event("window.opened", start, None, f"window {name} opened by {opened_by}"
                          + (f": {reason}" if reason else ""), {"window": name}))
    return window


def open_configured_windows(store: WindowStore, ctx: ReportContext, *, now: float) -> list[WindowState]:
    """Windows with a fixed ``start`` in the config that the store does not hold yet (daemon start-up)."""
    known = {(w.name, w.start) for w in store.windows(include_closed=True)}
    opened = []
    for spec in ctx.specs.values():
        if spec.start is not None and (spec.name, spec.start) not in known and spec.start + spec.duration_s > now:
            opened.append(open_window(store, spec.name, start=spec.start, spec=spec, opened_by="config"))
    return opened


def open_on_deploy(store: WindowStore, ctx: ReportContext, *, at: float, reason: str,
                   check: str | None = None) -> list[WindowState]:
    """Open every ``start = "deploy"`` window at ``at``; one deploy seen by two checks opens it once."""
    current = {w.name: w for w in store.windows()}
    opened = []
    for spec in ctx.specs.values():
        if not spec.opens_on_deploy:
            continue
        existing = current.get(spec.name)
        if existing is not None and abs(existing.start - at) < 300:  # the same deploy, seen again
            continue
        why = f"{check}: {reason}" if check else reason
        opened.append(open_window(store, spec.name, start=at, spec=spec, opened_by="deploy", reason=why))
    return opened


def close_window(store: WindowStore, name: str, *, now: float) -> WindowState:
    """Close an open window early; raises UsageError naming the open ones."""
    for window in store.windows():
        if window.name == name:
            closed = dataclasses.replace(window, closed=True, data={**window.data, "closed_at": now})
            store.save_window(closed)
            store.add_event(Event("window.closed", now, None, f"window {name} closed", {"window": name}))
            return closed
    open_names = ", ".join(w.name for w in store.windows()) or "none"
    raise UsageError(f"no open window {name!r} (open windows: {open_names})")
