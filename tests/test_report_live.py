"""End to end, in real time: real HTTP checks against a live service, a real SQLite store,
a window opened by the deploy the checks see, checkpoints every second, an injected failure.

It drives the reports the way the daemon does (run, the result pipeline records it and
opens the window on the deploy it sees, write what is due, queue the summary), in a
bounded loop of a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.support.http_service import HEALTHY, Service
from watchdog import runner
from watchdog.config import from_document
from watchdog.alerting.dispatch import Dispatcher
from watchdog.daemon.pipeline import ResultPipeline
from watchdog.reports import checkpoints, posts
from watchdog.reports.context import ReportContext
from watchdog.store import open_store


def document(url: str, state: Path) -> dict[str, object]:
    return {
        "state_dir": str(state),
        "checks": {"health": {"type": "http", "url": f"{url}/health", "timeout": "2s",
                              "metrics": {"uptime_s": "uptime", "heap_used_mb": "memory.heapUsed"}}},
        "channels": {"oncall": {"type": "console"}},
        "windows": {"live": {
            "title": "Live deploy watch", "start": "deploy", "duration": "3s", "checkpoints": ["1s", "2s"],
            "channels": ["oncall"],
            "criteria": [{"name": "Health endpoint available", "expr": "health.availability_pct >= 100"},
                         {"name": "Fast", "expr": "health.response_ms.max < 2000"}],
        }},
    }


async def test_checkpoints_appear_on_time_and_the_last_one_sees_the_failure(
        http_service: Service, tmp_path: Path) -> None:
    config = from_document(document(http_service.url, tmp_path / "state"), file=tmp_path / "watchdog.toml")
    ctx = ReportContext.from_config(config)
    store = open_store(config.settings.state_dir)
    context = runner.context_for(config)
    checks = runner.build(config, ["health"], context)
    quiet = Dispatcher(store, lambda message, channels: None, {}, config.redactor)  # no alert rules here
    pipeline = ResultPipeline(store, quiet, ctx, {"health": "response_ms"})
    written: list[checkpoints.WrittenCheckpoint] = []
    try:
        for tick in range(60):  # bounded: about 6 s at most
            if tick == 3:  # the deploy: the app restarted, its uptime is low again
                http_service.behave(body=json.dumps({**HEALTHY, "uptime": 4}).encode())
            window = store.windows()
            if window and tick % 4 == 0 and time.time() - window[0].start > 1.2:
                http_service.behave(status=503, body=json.dumps({**HEALTHY, "uptime": 9}).encode())
            elif window:
                http_service.behave(body=json.dumps({**HEALTHY, "uptime": 9}).encode())
            [result] = await runner.run_checks(checks)
            pipeline.handle(result)  # stored, a deploy seen opens the window
            for done in checkpoints.write_due_checkpoints(store, ctx, now=time.time()):
                posts.post_checkpoint(store, done, ctx, now=time.time())
                written.append(done)
            if written and written[-1].report.final:
                break
            await asyncio.sleep(0.1)
    finally:
        await context.aclose()
    try:
        assert [w.report.label for w in written] == ["1s", "2s", "3s"]
        final = written[-1].report
        assert final.events[0].kind == "restart" and final.events[0].message == "health: uptime_s went down 3600 -> 4 (up 4s)"
        assert [c.status for c in final.criteria] == ["FAIL", "PASS"]
        assert final.verdict is not None and final.verdict.outcome == "NOT COMPLETE"
        assert final.criteria[0].evidence.startswith("availability ")
        folder = written[-1].paths["md"].parent
        assert sorted(p.name for p in folder.glob("*.md")) == ["1s.md", "2s.md", "3s.md"]
        assert "## Verdict: ❌ NOT COMPLETE" in (folder / "3s.md").read_text()
        queued = [n for n in store.notifications(0, time.time() + 60)
                  if n.event == "checkpoint" and n.state == "pending"]
        assert [(n.channel, n.payload["title"]) for n in queued] == [
            ("oncall", "Live deploy watch — 1s checkpoint (1 of 3)"),
            ("oncall", "Live deploy watch — 2s checkpoint (2 of 3)"),
            ("oncall", "Live deploy watch — 3s checkpoint (3 of 3)"),
        ]
        assert store.windows() == []  # the final checkpoint closed it
    finally:
        store.close()
