"""Cutting text to fit: the one place a line is clipped for a message, a log line or an error.

``format_number`` writes a measured number the way a person would.

Every output has a size limit (a Slack section, an error line, a summary):
``clip`` cuts to ``limit`` characters with a marker that says text is
missing, ``one_line`` first folds whitespace and newlines so a multi-line
reply from a server reads as one line.
"""

from __future__ import annotations

ELLIPSIS = "…"


def clip(text: str, limit: int, *, marker: str = ELLIPSIS) -> str:
    """``text`` itself when it fits in ``limit`` characters, else its start and ``marker``."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)] + marker


def format_number(value: float) -> str:
    """A number as a person writes it: 2000, 0.5, 99.95 (no float noise)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e6 else f"{round(value, 3):g}"


def one_line(text: str, limit: int = 160, *, marker: str = ELLIPSIS) -> str:
    """Whitespace runs (newlines included) folded to one space, then clipped."""
    return clip(" ".join(text.split()), limit, marker=marker)
