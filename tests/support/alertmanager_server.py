"""A real Alertmanager (Debian's ``prometheus-alertmanager``) on a free port of 127.0.0.1.

Its one route sends every alert, grouped by ``alertname``, to a webhook
receiver the test passes (``receiver.hook_url("am")``), with ``group_wait``
and (unless given) ``group_interval`` of one second and resolves included,
so a test sees Alertmanager's notifications within seconds. Clustering is off (no gossip
port). The test is skipped, saying why, where the binary is not installed
(``.ci/run`` installs it like redis-server).

    def test_x(alertmanager):
        am = alertmanager(receiver.hook_url("am"))
        am.url                       # http://127.0.0.1:PORT
        am.alerts()                  # GET /api/v2/alerts: the active alerts
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon_process import free_port
from tests.support.processes import end

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "/usr/bin/prometheus-alertmanager"
CONFIG = """route:
  receiver: hook
  group_by: ['alertname']
  group_wait: 1s
  group_interval: {group_interval}
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: '{hook}'
    send_resolved: true
"""


class Alertmanager:
    def __init__(self, directory: Path, hook: str, group_interval: str = "1s") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (directory / "alertmanager.yml").write_text(CONFIG.format(hook=hook, group_interval=group_interval))
        self.log = directory / "alertmanager.log"
        self.proc = subprocess.Popen(
            [BINARY, f"--config.file={directory / 'alertmanager.yml'}", f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.path={directory / 'data'}", "--cluster.listen-address="],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_ready()

    def alerts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as reply:
            return json.loads(reply.read())  # type: ignore[no-any-return]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"alertmanager exited: {self.log.read_text(errors='replace')[-500:]}")
            try:
                urllib.request.urlopen(f"{self.url}/-/ready", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("alertmanager did not become ready within 15s")

    def stop(self) -> None:
        end(self.proc)


@pytest.fixture
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Alertmanager]]:
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"alertmanager not installed ({BINARY}): apt-get install prometheus-alertmanager "
                    "(.ci/run does this)")
    started: list[Alertmanager] = []

    def start(hook: str, group_interval: str = "1s") -> Alertmanager:
        server = Alertmanager(tmp_path_factory.mktemp("alertmanager", numbered=True), hook, group_interval)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
