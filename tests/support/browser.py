"""Headless Chromium driven over the DevTools protocol: open a page at a width, read it, screenshot it.

``Browser`` starts ``chromium --headless --remote-debugging-port=0`` (with the
flags this machine's closed network needs) and talks to its page target with
the ``websockets`` client the project already depends on, so no driver or
Playwright is needed. ``open(url, width)`` emulates a viewport (``mobile`` at
phone widths, so the page's viewport meta applies), sends extra headers
(``Authorization``), waits for the load event and returns a ``Tab`` that can
``evaluate`` JavaScript (DevTools evaluation is not bound by the page's CSP) and
take a full-page ``screenshot``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.processes import end

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0", "--remote-allow-origins=*")


class Browser:
    def __init__(self) -> None:
        assert CHROMIUM is not None
        self.profile = Path(tempfile.mkdtemp(prefix="watchdog-chromium-"))
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.port = self._devtools_port()

    def _devtools_port(self) -> int:
        assert self.proc.stderr is not None
        for _ in range(200):
            line = self.proc.stderr.readline()
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise AssertionError("chromium did not open its DevTools port")

    def close(self) -> None:
        end(self.proc)
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, url: str, width: int, height: int = 900, headers: dict[str, str] | None = None) -> Tab:
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank",
                                                           method="PUT"), timeout=10) as reply:
            target = json.loads(reply.read())
        tab = Tab(target["webSocketDebuggerUrl"])
        tab.load(url, width, height, headers or {})
        return tab


class Tab:
    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.loop = asyncio.new_event_loop()
        self.ws: Any = self.loop.run_until_complete(self._connect())
        self.next_id = 0

    async def _connect(self) -> Any:
        from websockets.asyncio.client import connect

        return await connect(self.ws_url, max_size=64 << 20, proxy=None)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.loop.run_until_complete(asyncio.wait_for(self._call(method, params), 30))

    async def _call(self, method: str, params: dict[str, Any], wait_event: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        await self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        result: dict[str, Any] | None = None
        while result is None or wait_event is not None:
            message = json.loads(await self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result = message["result"]
            elif wait_event is not None and message.get("method") == wait_event:
                wait_event = None
        return result

    def load(self, url: str, width: int, height: int, headers: dict[str, str]) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)
        self.call("Network.enable")
        if headers:
            self.call("Network.setExtraHTTPHeaders", headers=headers)
        self.call("Page.enable")
        self.loop.run_until_complete(asyncio.wait_for(
            self._call("Page.navigate", {"url": url}, wait_event="Page.loadEventFired"), 30))

    def evaluate(self, expression: str) -> Any:
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in found:
            raise AssertionError(f"{expression}: {found['exceptionDetails']}")
        return found["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """The whole page (not only the viewport) as PNG."""
        size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size[0], "height": min(size[1], 6000), "scale": 1})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self.loop.run_until_complete(self.ws.close())
        self.loop.close()
