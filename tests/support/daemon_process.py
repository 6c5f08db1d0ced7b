"""A real ``watchdog run`` child process, for tests of signals, kills and restarts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DaemonProcess:
    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *args: str, env: dict[str, str] | None = None, listen: bool = True) -> DaemonProcess:
        """``listen=False``: no ``--listen``; the port is given as ``$PORT`` (Railway, Fly)."""
        out = self.log.open("ab")
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        where = ["--listen", f"127.0.0.1:{self.port}"] if listen else []
        if not listen:
            environment["PORT"] = str(self.port)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "watchdog", "run", "-c", str(self.config), *where, *args],
            stdout=out, stderr=subprocess.STDOUT, env=environment)
        self.wait_until(lambda: self.get("/healthz") is not None, "the daemon never answered /healthz")
        return self

    def get(self, path: str) -> Any:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as reply:
                body = reply.read()
                return json.loads(body) if path == "/status" else body.decode()
        except OSError:
            return None

    def answer(self, path: str) -> tuple[int, str] | None:
        """(HTTP status, body) of ``path``, 503s included; None when nothing answers."""
        import urllib.error

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except OSError:
            return None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.proc.wait(10)  # type: ignore[union-attr]

    def wait_exit(self, timeout: float = 20) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    @staticmethod
    def wait_until(condition: Any, message: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(message)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def daemon_process(tmp_path: Path) -> Iterator[Any]:
    started: list[DaemonProcess] = []

    def make(config: Path) -> DaemonProcess:
        process = DaemonProcess(config, tmp_path / "daemon.log")
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
