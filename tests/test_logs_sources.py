"""Real sources through the LogHub: a command that dies and is restarted, a rotated and
truncated file, garbage bytes, stdin (watchdog/logs/sources.py, hub.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path


from tests.support.log_sources import script, wait_until
from watchdog.logs.config import SourceConfig
from watchdog.logs.hub import LogHub, LogMatch
from watchdog.logs.matcher import PatternSpec

FAST = {"restart_initial": 0.05, "restart_max": 0.2, "poll_interval": 0.02}


class Seen:
    """A pattern's handler that records (line, match text)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, t: float, line: str, found: re.Match[str]) -> None:
        self.lines.append(line)


def hub_with(config: SourceConfig, pattern: str = "line", **hub_options: object) -> tuple[LogHub, Seen]:
    hub = LogHub({"src": config}, **hub_options)  # type: ignore[arg-type]
    seen = Seen()
    hub.register("c", "src", window=60.0, patterns=[(PatternSpec(pattern), seen)])
    return hub, seen


async def test_a_dying_command_is_restarted_and_reported_failing(tmp_path: Path) -> None:
    argv = script(tmp_path, ["line 1", "line 2"], exit_code=1, stderr="boom: token expired\n")
    hub, seen = hub_with(SourceConfig(command=argv, **FAST))
    await hub.start()
    status = hub.source_status()["src"]
    try:
        await wait_until(lambda: status.restarts >= 3)
    finally:
        await hub.stop()
    assert status.failing and status.last_exit == 1
    assert status.last_error == "exited with status 1: boom: token expired"
    assert len(seen.lines) == status.lines and status.lines % 2 == 0 and status.lines >= 6


async def test_a_missing_program_keeps_being_retried_live(tmp_path: Path) -> None:
    hub, _ = hub_with(SourceConfig(command=[str(tmp_path / "no-such-program")], **FAST))
    await hub.start()
    status = hub.source_status()["src"]
    try:
        await wait_until(lambda: status.failing)
    finally:
        await hub.stop()
    assert status.last_error == f"cannot run '{tmp_path / 'no-such-program'}': No such file or directory"
    assert status.lines == 0 and status.state == "stopped"


async def test_one_off_read_ends_when_the_command_exits_0(tmp_path: Path) -> None:
    hub, seen = hub_with(SourceConfig(command=script(tmp_path, ["line a", "other", "line b"])))
    view = await hub.collect("c")
    assert (view.final, view.status.state, view.status.lines, view.error) == (True, "ended", 3, None)
    assert seen.lines == ["line a", "line b"]


async def test_one_off_read_of_a_missing_program_is_an_error(tmp_path: Path) -> None:
    hub, _ = hub_with(SourceConfig(command=["/nonexistent/railway", "logs"]))
    view = await hub.collect("c")
    assert view.error == "cannot run '/nonexistent/railway': No such file or directory"


async def test_one_off_read_of_a_running_command_stops_at_the_window(tmp_path: Path) -> None:
    hub, seen = hub_with(SourceConfig(command=script(tmp_path, ["line 1"], stay=60.0)), log_window=0.5)
    view = await hub.collect("c")
    await hub.stop()
    assert (seen.lines, view.error, view.status.lines) == (["line 1"], None, 1)


async def test_a_followed_file_survives_rename_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("line old, before the start\n")
    hub, seen = hub_with(SourceConfig(file=str(log), **FAST))
    await hub.start()
    status = hub.source_status()["src"]
    try:
        await wait_until(lambda: status.state == "running")
        with log.open("a") as f:
            f.write("line 1\nline 2\n")
        await wait_until(lambda: len(seen.lines) == 2)
        with log.open("a") as f:  # written just before the rename: still read from the old file
            f.write("line 3\n")
        os.rename(log, tmp_path / "app.log.1")
        log.write_text("line 4 in the new file\n")
        await wait_until(lambda: len(seen.lines) == 4)
        log.write_text("line 5\n")  # shorter than what was read: truncated
        await wait_until(lambda: len(seen.lines) == 5)
    finally:
        await hub.stop()
    assert seen.lines == ["line 1", "line 2", "line 3", "line 4 in the new file", "line 5"]


async def test_a_missing_file_is_waited_for_live(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    hub, seen = hub_with(SourceConfig(file=str(log), from_start=True, **FAST))
    await hub.start()
    status = hub.source_status()["src"]
    try:
        await wait_until(lambda: status.state == "waiting")
        log.write_text("line finally\n")
        await wait_until(lambda: seen.lines == ["line finally"])
    finally:
        await hub.stop()
    assert status.last_error == f"cannot read {log}: No such file or directory"


async def test_garbage_never_stops_a_source(tmp_path: Path) -> None:
    log = tmp_path / "garbage.log"
    with log.open("wb") as f:
        f.write(b"line 1 \xff\xfe\xc3 invalid utf-8\r\n")
        f.write(os.urandom(200_000).replace(b"\n", b"") + b"\n")
        f.write(b"x" * (10 << 20) + b" line hidden past the cap\n")
        f.write(b"\x1b[1;31mline 2\x1b[0m in colour\r\n")
        f.write(b"\x00\x00line 3 after NULs\n")
        f.write(b"line 4 without a final newline")
    hub, seen = hub_with(SourceConfig(file=str(log), from_start=True), pattern=r"^(\x00*)line \d")
    view = await hub.collect("c")
    assert seen.lines == ["line 1 \ufffd\ufffd\ufffd invalid utf-8", "line 2 in colour", "\x00\x00line 3 after NULs",
                          "line 4 without a final newline"]
    assert (view.status.lines, view.status.state, view.error) == (6, "ended", None)


async def test_stdin_stream_is_read_to_its_end(tmp_path: Path) -> None:
    import io

    stream = io.BytesIO(b"line 1\nnope\nline 2\n")
    hub, seen = hub_with(SourceConfig(stdin=True), stdin=stream)
    view = await hub.collect("c")
    assert (seen.lines, view.status.state) == (["line 1", "line 2"], "ended")


async def test_stdin_is_read_past_the_one_off_default_to_its_end(monkeypatch: object) -> None:
    import asyncio

    from watchdog.logs import reads

    monkeypatch.setattr(reads, "ONE_OFF_READ_S", 0.05)  # type: ignore[attr-defined]
    read_end, write_end = os.pipe()
    os.write(write_end, b"line 1\n")

    def finish() -> None:
        os.write(write_end, b"line 2\n")
        os.close(write_end)

    asyncio.get_running_loop().call_later(0.3, finish)
    with os.fdopen(read_end, "rb") as stream:
        hub, seen = hub_with(SourceConfig(stdin=True), stdin=stream)
        view = await hub.collect("c")
    assert (seen.lines, view.status.state) == (["line 1", "line 2"], "ended")


async def test_subscribers_get_every_match_rate_limited(tmp_path: Path) -> None:
    hub, _ = hub_with(SourceConfig(command=script(tmp_path, [f"line {n}" for n in range(5)])),
                      pattern=r"line (?P<n>\d)")
    got: list[LogMatch] = []
    hub.subscribe("c", got.append, min_interval=3600.0)
    await hub.collect("c")
    assert [(m.line, dict(m.groups), m.matched, m.suppressed) for m in got] == [("line 0", {"n": "0"}, "line 0", 0)]
    everything: list[LogMatch] = []
    hub2, _ = hub_with(SourceConfig(command=script(tmp_path, ["line 1", "line 2"], name="two.py")))
    hub2.subscribe("c", everything.append)
    await hub2.collect("c")
    assert [m.line for m in everything] == ["line 1", "line 2"]


async def test_a_failing_handler_is_recorded_and_the_source_goes_on(tmp_path: Path) -> None:
    hub = LogHub({"src": SourceConfig(command=script(tmp_path, ["line 1", "line 2"]))})
    seen = Seen()

    def broken(t: float, line: str, found: re.Match[str]) -> None:
        raise KeyError("boom")

    hub.register("bad", "src", window=60.0, patterns=[(PatternSpec("line 1"), broken)])
    hub.register("good", "src", window=60.0, patterns=[(PatternSpec("line"), seen)])
    view = await hub.collect("good")
    assert seen.lines == ["line 1", "line 2"]
    assert view.status.last_error == "handling a line failed: KeyError: 'boom'"
