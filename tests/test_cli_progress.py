"""The progress line of a one-off check: which log sources it is reading, and how far."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.log_sources import script, wait_until
from tests.test_logs_checks import CHECKS, build
from watchdog.cli.progress import describe, reading_text


@pytest.mark.parametrize(("reading", "expected"), [
    ({}, ""),
    ({"railway": (7.6, 10.0)}, "reading railway 7s/10s"),
    ({"web": (2.0, 60.0), "app": (0.4, 10.0)}, "reading app 0s/10s, web 2s/1m"),
    ({"railway": (12.0, None)}, "reading railway 12s (to its end)"),
])
def test_reading_text_names_each_source_and_its_progress(reading: dict[str, tuple[float, float | None]],
                                                         expected: str) -> None:
    assert reading_text(reading) == expected


def test_the_line_joins_the_reading_and_the_last_result() -> None:
    assert describe({"railway": (3.0, 10.0)}, "health: OK") == "reading railway 3s/10s, health: OK"


async def test_the_hub_reports_a_source_being_read_until_its_read_ends(tmp_path: Path) -> None:
    source = {"command": script(tmp_path, ["GET / 200"], stay=60)}
    ctx, (check,) = build({"railway": source}, {"ws-drops": CHECKS["ws-drops"]}, log_window=30.0)
    try:
        pending = asyncio.ensure_future(ctx.logs.collect(check.name))
        await wait_until(lambda: "railway" in ctx.logs.reading())
        assert ctx.logs.reading()["railway"][1] == 30.0
        pending.cancel()
    finally:
        await ctx.aclose()
