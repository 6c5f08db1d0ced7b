"""A daemon serving its status page and a report, in a thread of its own (for browser tests).

The daemon is the real one (real checks against a local service, the real HTTP
server) with a ``NullScheduler``: each check is run once by hand, so the page
shows a result for every check. The store holds three days of older history (for
uptime and the sparkline), an open incident, a silence, and an open window whose
6h checkpoint report was written.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.config import from_document
from watchdog.daemon.core import Daemon
from watchdog.daemon.scheduler import NullScheduler
from watchdog.model import Result
from watchdog.status import Status
from watchdog.store.base import Silence, WindowState
from watchdog.store.memory import MemoryStore

CHECKS = ("health", "api-latency", "redis", "checkout-api-with-a-long-name", "ws-drops")


def site_config(state: Path, service_url: str, log: Path, token: str | None = None) -> Any:
    down = "http://127.0.0.1:9"  # nothing listens on the discard port: refused
    doc: dict[str, Any] = {
        "state_dir": str(state),
        "server": {"token": token} if token else {},
        "defaults": {"timeout": "2s", "alert": {"after": 1, "channels": []}},
        "sources": {"app": {"file": str(log), "from_start": True}},
        "checks": {
            "health": {"type": "http", "url": f"{service_url}/health", "critical": ["response_ms > 2000"]},
            "api-latency": {"type": "latency", "url": f"{service_url}/health", "samples": 3},
            "redis": {"type": "redis", "url": "redis://127.0.0.1:9/0"},
            "checkout-api-with-a-long-name": {"type": "http", "url": f"{down}/checkout?token=hunter2-secret"},
            "ws-drops": {"type": "log-rate", "source": "app", "match": "WebSocket disconnected",
                         "critical": ["count > 5"]},
        },
        "windows": {"post-deploy": {"title": "Post-deployment monitoring", "start": "deploy", "duration": "24h"}},
    }
    return from_document(doc, env={})


def history(store: MemoryStore, now: float) -> None:
    """Three days of ``health`` every 10 minutes (one bad hour two days ago) and a silence."""
    for i in range(3 * 144):
        ts = now - 3 * 86400 + 600 * i
        bad = 144 <= i < 150
        store.record(Result("health", "http", Status.CRITICAL if bad else Status.OK, "HTTP 503" if bad else "HTTP 200",
                            {"response_ms": 40.0 + (i % 7) * 3}, started=ts), main_metric="response_ms")
    store.add_silence(Silence("s1", "api-latency", now - 60, now + 7200, "load test until 14:00", "alice"))


def open_window(store: MemoryStore, now: float) -> WindowState:
    window = WindowState("post-deploy", "Post-deployment monitoring", now - 7 * 3600, 86400.0,
                         (6 * 3600.0, 12 * 3600.0, 18 * 3600.0, 86400.0), written=(6 * 3600.0,))
    store.save_window(window)
    return window


def write_report(store: MemoryStore, window: WindowState, reports_dir: Path, infos: Any, now: float) -> str:
    """The window's 6h checkpoint, written where the daemon writes it; its path under /reports/."""
    from watchdog.reports.build import build_checkpoint
    from watchdog.reports.files import checkpoint_dir, write_report as write

    report = build_checkpoint(store, window, infos, checkpoint_s=6 * 3600.0, now=now)
    directory = checkpoint_dir(reports_dir, window)
    write(report, directory, report.label)
    return f"{directory.relative_to(reports_dir).as_posix()}/{report.label}.html"


@dataclass
class Site:
    url: str
    report: str  # path under /reports/
    daemon: Daemon


def serve(tmp: Path, service_url: str, token: str | None = None) -> Iterator[Site]:
    """Start the daemon in its own thread and event loop; yield the site; stop it."""
    loop = asyncio.new_event_loop()
    log = tmp / "app.log"
    log.write_text("WebSocket disconnected\nGET / 200\n" * 3)
    cfg = site_config(tmp / "state", service_url, log, token)
    store = MemoryStore()
    now = time.time()
    history(store, now)
    daemon = Daemon(cfg, store=store, scheduler_factory=NullScheduler, listen="127.0.0.1:0")

    async def start() -> str:
        await daemon.start()
        for name in CHECKS:
            await daemon.scheduler.fire(name)
        window = open_window(store, now)
        return write_report(store, window, daemon.runtime.reports.reports_dir, daemon.runtime.reports.infos, now)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    report = asyncio.run_coroutine_threadsafe(start(), loop).result(60)
    try:
        yield Site(f"http://127.0.0.1:{daemon.server.port}", report, daemon)
    finally:
        asyncio.run_coroutine_threadsafe(daemon.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
