"""Durations as people write them: ``500ms``, ``30s``, ``5m``, ``1h``, ``1d``, ``1h30m``.

The one place durations are parsed and formatted; everything else calls this.
"""

from __future__ import annotations

import math
import re

#: no duration a monitor needs is longer (a retention of ten years is the longest sane one)
MAX_SECONDS = 3650 * 86400.0
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
HINT = "use 500ms, 30s, 5m, 1h, 1d"


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``; a bare number is seconds. Raises ValueError with a hint."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r} ({HINT})")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"invalid duration {value!r}: must not be negative")
        return _bounded(float(value), value)
    text = str(value).strip().lower().replace(" ", "")
    if not text:
        raise ValueError(f"invalid duration {value!r} ({HINT})")
    number = _number(text)
    if number is not None:
        if number < 0 or number != number:
            raise ValueError(f"invalid duration {value!r} ({HINT})")
        return _bounded(number, value)
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"invalid duration {value!r} ({HINT})")
    return _bounded(total, value)


def _bounded(seconds: float, value: object) -> float:
    """Infinity, NaN or a duration past ``MAX_SECONDS`` would silently switch something off."""
    if not math.isfinite(seconds):
        raise ValueError(f"invalid duration {value!r}: must be a finite number of seconds")
    if seconds > MAX_SECONDS:
        raise ValueError(f"invalid duration {value!r}: at most {format_duration(MAX_SECONDS)}")
    return seconds


def _number(text: str) -> float | None:
    """A bare number of seconds (``"30"``, ``"1e3"``, ``"inf"``), or None for unit forms."""
    try:
        return float(text)
    except ValueError:
        return None


def format_duration(seconds: float) -> str:
    """A short human form: ``850ms``, ``42s``, ``5m``, ``1h30m``, ``2d3h``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    whole = int(round(seconds))
    if whole < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s".replace(".0s", "s")
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            out.append(f"{count}{unit}")
        if len(out) == 2:
            break
    return "".join(out)
