"""Ending a child process a test started: SIGTERM, then SIGKILL if it lingers; always reaped."""

from __future__ import annotations

import subprocess


def end(proc: subprocess.Popen, timeout: float = 10.0) -> None:  # type: ignore[type-arg]
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
