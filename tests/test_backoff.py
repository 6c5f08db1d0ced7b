"""The one backoff formula (watchdog/backoff.py): command restarts and outbox retries use it."""

from __future__ import annotations

import pytest

from watchdog.backoff import capped_exponential


@pytest.mark.parametrize(
    "exits, initial, cap, delay",
    [(0, 1.0, 60.0, 0.0), (1, 1.0, 60.0, 1.0), (2, 1.0, 60.0, 2.0), (4, 1.0, 60.0, 8.0), (7, 1.0, 60.0, 60.0),
     (500, 0.5, 30.0, 30.0)],
)
def test_restart_backoff_doubles_and_is_capped(exits: int, initial: float, cap: float, delay: float) -> None:
    assert capped_exponential(exits, initial, cap) == delay


@pytest.mark.parametrize(("n", "factor", "delay"), [(1, 3.0, 2.0), (2, 3.0, 6.0), (3, 3.0, 18.0), (5, 3.0, 100.0),
                                                    (10_000, 3.0, 100.0)])
def test_the_factor_is_the_growth_per_failure(n: int, factor: float, delay: float) -> None:
    assert capped_exponential(n, 2.0, 100.0, factor) == delay
