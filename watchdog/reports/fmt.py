"""How reports write numbers, counts, units and times: one place, so Markdown,
HTML, JSON evidence and Slack summaries read the same."""

from __future__ import annotations

import math
import time

from watchdog.thresholds import format_number

_UNITS = (("_ms", " ms"), ("_s", " s"), ("_pct", "%"), ("_mb", " MB"), ("_bytes", " bytes"))


def unit_of(metric: str) -> str:
    """The unit a metric name implies by its suffix: ``p95_ms`` -> ``" ms"``."""
    for suffix, unit in _UNITS:
        if metric.endswith(suffix):
            return unit
    return ""


def number(value: float | None, unit: str = "", *, signed: bool = False) -> str:
    """``412 ms``, ``99.86%``, ``+0.8 MB/h``; ``–`` when there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = format_number(round(value, 2) if abs(value) >= 0.01 else value)
    if signed and value > 0:
        text = "+" + text
    return f"{text}{unit}"


def count(n: int) -> str:
    """``8,640``."""
    return f"{n:,}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 result``, ``8,640 results``."""
    return f"{count(n)} {word if n == 1 else (many or word + 's')}"


def clock(ts: float) -> str:
    """``13:10`` (UTC)."""
    return time.strftime("%H:%M", time.gmtime(ts))


def stamp(ts: float) -> str:
    """``2025-10-13 13:10 UTC``."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def span(since: float, until: float) -> str:
    """``13:10–19:10 UTC``; with dates when it does not stay within one day."""
    if time.gmtime(since)[:3] != time.gmtime(until)[:3]:
        return f"{stamp(since)[:-4]}–{stamp(until)}"
    return f"{clock(since)}–{clock(until)} UTC"


def pct(part: int, whole: int) -> float | None:
    """Share in percent, None when there is nothing to share."""
    return None if whole <= 0 else 100.0 * part / whole
