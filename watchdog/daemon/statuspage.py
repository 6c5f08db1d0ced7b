"""The status page and the served reports of a running daemon: ``StatusPage``.

``html()`` answers ``/`` (``page_data.gather`` reads the snapshot and the store,
``page.render`` writes the HTML) and ``report(rel)`` answers ``/reports/REL``
(``reports.library``); the server caches both like its other documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from watchdog.daemon.page_data import PageStore, UptimeCache, gather
from watchdog.daemon.views import DaemonSnapshot


class StatusPage:
    """See the module docstring; ``runtime`` gives the running ``Runtime`` (None before start)."""

    def __init__(self, store: PageStore, snapshot: Callable[[], DaemonSnapshot], runtime: Callable[[], Any]) -> None:
        self.store, self.snapshot, self.runtime = store, snapshot, runtime
        self.uptime = UptimeCache()

    def html(self) -> bytes:
        from urllib.parse import quote

        from watchdog.daemon.page import render
        from watchdog.reports.library import latest

        runtime = self.runtime()
        main = {n: c.MAIN_METRIC for n, c in runtime.checks.items()} if runtime else {}

        def link(window: Any) -> str | None:
            found = latest(self._reports_dir(), window.name)
            return f"/reports/{quote(found)}" if found else None

        return render(gather(self.snapshot(), self.store, main, self.uptime, link))

    def report(self, rel: str) -> tuple[str, bytes] | None:
        from watchdog.daemon.page import reports_index
        from watchdog.reports.library import CONTENT_TYPES, listing, read

        if rel.strip("/") == "":
            return CONTENT_TYPES["html"], reports_index(listing(self._reports_dir()))
        return read(self._reports_dir(), rel)

    def _reports_dir(self) -> Any:
        runtime = self.runtime()
        return runtime.reports.reports_dir if runtime else None
