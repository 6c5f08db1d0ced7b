"""Real log sources for tests: small scripts run as ``command`` sources, and bounded waiting."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

PY = sys.executable


def script(tmp_path: Path, lines: list[str], *, exit_code: int = 0, stderr: str = "",
           name: str = "emit.py", stay: float = 0.0) -> list[str]:
    """argv of a Python script that prints ``lines`` (UTF-8), optionally stays, writes ``stderr``, exits."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(f"""\
        import sys, time
        out = sys.stdout.buffer
        for line in {lines!r}:
            out.write(line.encode("utf-8", "surrogateescape") + b"\\n")
        out.flush()
        time.sleep({stay!r})
        sys.stderr.write({stderr!r})
        sys.exit({exit_code!r})
    """))
    return [PY, str(path)]


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> None:
    """Poll ``predicate`` until true; fails the test after ``timeout`` seconds (never a timing assert)."""
    for _ in range(int(timeout / step)):
        if predicate():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")
