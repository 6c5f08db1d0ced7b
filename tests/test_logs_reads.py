"""How long a one-off run reads a log source (watchdog/logs/reads.py)."""

from __future__ import annotations

import pytest

from watchdog.logs.reads import longest, read_length


@pytest.mark.parametrize(("window", "log_window", "has_end", "to_end", "length"), [
    (900.0, None, False, False, 10.0),  # a live stream: 10 s, not the 15m window
    (5.0, None, False, False, 5.0),  # a window shorter than the default
    (900.0, 60.0, False, False, 60.0),  # --log-window
    (900.0, None, True, False, None),  # stdin, a file from its start: to the end
    (900.0, 3.0, True, False, 3.0),  # --log-window cuts those too
    (900.0, 3.0, False, True, None),  # logs scan: every source to its end
])
def test_read_length(window: float, log_window: float | None, has_end: bool, to_end: bool,
                     length: float | None) -> None:
    assert read_length(window, log_window=log_window, has_end=has_end, to_end=to_end) == length


@pytest.mark.parametrize(("lengths", "expected"), [([1.0, 10.0], 10.0), ([10.0, None], None), ([], None)])
def test_checks_on_one_source_share_the_longest_read(lengths: list[float | None], expected: float | None) -> None:
    assert longest(lengths) == expected
