"""How long a one-off run (``watchdog check``) reads a log source: pure rules, no I/O.

* ``--log-window`` given: that long, whatever the source;
* else an input with an end (standard input, a file read from its start): to its end;
* else a live stream (a command, a followed file): the check's window, at most
  ``ONE_OFF_READ_S`` - the on-call engineer wants an answer in seconds, not after a
  15-minute window (the kinds say when they judged less than their window).

``None`` means "to the end". Several checks on one source share one read: the longest.
``logs scan`` reads every source to its end (``to_end``).
"""

from __future__ import annotations

from collections.abc import Sequence

#: how long a one-off run reads a live stream when no ``log_window`` is given
ONE_OFF_READ_S = 10.0


def read_length(window: float, *, log_window: float | None, has_end: bool, to_end: bool = False,
                default: float = ONE_OFF_READ_S) -> float | None:
    """Seconds to read for a check whose window is ``window``; None: to the input's end."""
    if to_end:
        return None
    if log_window is not None:
        return log_window
    return None if has_end else min(window, default)


def longest(lengths: Sequence[float | None]) -> float | None:
    """The longest of the checks' read lengths (None, to the end, is longest); None for none."""
    if not lengths or None in lengths:
        return None
    return max(x for x in lengths if x is not None)
