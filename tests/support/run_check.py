"""Run one ``[checks.NAME]`` table through the real path (config -> runner -> Result), as a user would.

    result = await run_table({"type": "websocket", "url": ...}, env={"TOKEN": "..."})

Afterwards the garbage collector runs (an unclosed socket warns from ``__del__``: it
fails the test that leaked it) and no task the check started may still be running.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping
from typing import Any

from watchdog.config import from_document
from watchdog.model import Result
from watchdog.runner import build, context_for, run_checks


async def run_table(table: Mapping[str, Any], *, env: Mapping[str, str] | None = None, name: str = "probe",
                    **document: Any) -> Result:
    config = from_document({**document, "checks": {name: dict(table)}}, env=dict(env or {}))
    context = context_for(config)
    try:
        [result] = await run_checks(build(config, [name], context))
    finally:
        await context.aclose()
    gc.collect()
    assert asyncio.all_tasks() == {asyncio.current_task()}, "the check left tasks running"
    return result
