"""Monitoring-window time math: checkpoints, segments, what is due, times people type.

Pure code over ``WindowState`` (start, duration, checkpoint offsets, the
offsets already written). A checkpoint is due once its time has passed and it
was not written, so a daemon that was down at 12h writes the 12h report late
(covering exactly 0–12h) as soon as it is back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from watchdog.durations import format_duration, parse_duration
from watchdog.store.base import WindowState

DEFAULT_DURATION = 24 * 3600.0


def default_checkpoints(duration_s: float) -> tuple[float, ...]:
    """Quarters of the window: 6h, 12h, 18h, 24h for the default 24 hours."""
    return tuple(duration_s * i / 4 for i in range(1, 5))


def normalise_checkpoints(offsets: Sequence[float], duration_s: float) -> tuple[float, ...]:
    """Sorted, unique, ending with the window's end (the verdict is given there).

    Raises ValueError for an offset that is not inside the window.
    """
    out = sorted(set(offsets))
    for offset in out:
        if offset <= 0 or offset > duration_s:
            raise ValueError(
                f"checkpoint {label(offset)} is outside the window (0, {label(duration_s)}]"
            )
    if not out or out[-1] != duration_s:
        out.append(duration_s)
    return tuple(out)


def label(offset_s: float) -> str:
    """``6h``, ``24h``, ``90m``: how a checkpoint is named in titles and file names."""
    if offset_s > 0 and offset_s % 3600 == 0:
        return f"{int(offset_s // 3600)}h"
    if offset_s > 0 and offset_s % 60 == 0:
        return f"{int(offset_s // 60)}m"
    return format_duration(offset_s)


def end(window: WindowState) -> float:
    return window.start + window.duration_s


def is_final(window: WindowState, offset_s: float) -> bool:
    return offset_s >= window.checkpoints_s[-1]


def due(window: WindowState, now: float) -> list[float]:
    """Checkpoint offsets whose time has come and that are not written yet, oldest first."""
    if window.closed:
        return []
    done = set(window.written)
    return [c for c in window.checkpoints_s if window.start + c <= now and c not in done]


def next_checkpoint(window: WindowState, after: float) -> float | None:
    """The first checkpoint offset strictly after the time ``after``, or None."""
    for c in window.checkpoints_s:
        if window.start + c > after:
            return c
    return None


def previous(window: WindowState, offset_s: float) -> float | None:
    """The checkpoint before ``offset_s`` (None for the first)."""
    earlier = [c for c in window.checkpoints_s if c < offset_s]
    return earlier[-1] if earlier else None


def segments(window: WindowState, offset_s: float) -> list[tuple[float, float]]:
    """The (since, until) times of each checkpoint segment up to ``offset_s``."""
    bounds = [0.0, *(c for c in window.checkpoints_s if c <= offset_s)]
    if bounds[-1] != offset_s:
        bounds.append(offset_s)
    return [(window.start + a, window.start + b) for a, b in zip(bounds, bounds[1:])]


def checkpoint_for(window: WindowState, text: str | None, now: float) -> float:
    """The checkpoint a report asks for: ``--checkpoint 6h``, or the latest one passed.

    Before the first checkpoint this is "now" as an interim offset.
    Raises ValueError naming the checkpoints when ``text`` is not one of them.
    """
    if text:
        offset = parse_duration(text)
        if offset not in window.checkpoints_s:
            names = ", ".join(label(c) for c in window.checkpoints_s)
            raise ValueError(f"window {window.name!r} has no checkpoint {text!r} (its checkpoints: {names})")
        return offset
    passed = [c for c in window.checkpoints_s if window.start + c <= now]
    if passed:
        return passed[-1]
    return max(0.0, min(now - window.start, window.duration_s))


def parse_time(text: str, now: float) -> float:
    """``now``, ``-2h`` / ``2h ago``, ``13:10`` (today, UTC), or ISO-8601 (UTC unless an offset is given)."""
    value = text.strip()
    if value.lower() == "now":
        return now
    ago = re.fullmatch(r"-\s*(.+)|(.+?)\s+ago", value, re.IGNORECASE)
    if ago:
        return now - parse_duration(ago.group(1) or ago.group(2))
    if re.fullmatch(r"\d{1,2}:\d{2}", value):
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        value = f"{day}T{value}"
    return to_timestamp(value)


def to_timestamp(value: object) -> float:
    """A TOML datetime, an ISO-8601 string or a number of unix seconds, as unix seconds (naive = UTC)."""
    if isinstance(value, bool):
        raise ValueError(f"invalid time {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"invalid time {value!r} (use ISO-8601 like 2025-10-13T07:10:00Z, or 'deploy')"
            ) from None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    raise ValueError(f"invalid time {value!r} (use ISO-8601 like 2025-10-13T07:10:00Z, or 'deploy')")
