"""The readers behind ``[sources.NAME]``: async generators of raw byte chunks.

* ``command_chunks`` runs an argv (no shell) in its own process group, reads its
  stdout in blocks of up to 4 MB (line-by-line reading tops out near 0.34 M
  lines/s here, blocks reach ~2.4 M), keeps the last lines of its stderr, and
  restarts it with capped exponential backoff (``watchdog.backoff``) when it exits.
* ``file_chunks`` follows a file like ``tail -F``: from its end unless
  ``from_start``; a rename (new inode at the path) is followed to the new file
  after the old one is drained; a truncation starts again at offset 0.
* ``stdin_chunks`` reads standard input: a pipe without blocking the loop, a
  redirected regular file directly, any other stream in a thread.

Each keeps a ``SourceStatus`` up to date: what ``LogHub.source_status()``,
``/metrics`` and "source failing" events read. Chunks are framed into lines by
``lines.LineFramer``, not here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import stat
import sys
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

from watchdog.backoff import capped_exponential
from watchdog.logs.config import SourceConfig

CHUNK = 4 << 20
#: live: always restart; window: one-off read (exit 0 ends it); to_end: the first exit ends it
Mode = Literal["live", "window", "to_end"]


class SourceError(Exception):
    """A source cannot deliver at all (no such program, unreadable file)."""


@dataclass
class SourceStatus:
    """The health of one source, updated as it runs."""

    name: str
    origin: str
    description: str
    failing_after: int = 3
    state: str = "idle"  # idle starting running backoff waiting ended stopped
    restarts: int = 0
    exits_in_a_row: int = 0
    last_exit: int | None = None
    last_error: str | None = None
    lines: int = 0
    bytes: int = 0
    truncated: int = 0
    started_at: float | None = None
    last_line_at: float | None = None
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))

    @property
    def failing(self) -> bool:
        """True when the source keeps dying (``failing_after`` quick exits in a row) or cannot start."""
        return self.exits_in_a_row >= self.failing_after or (self.state == "ended" and self.lines == 0
                                                             and self.last_error is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "origin": self.origin, "description": self.description, "state": self.state,
            "failing": self.failing, "restarts": self.restarts, "exits_in_a_row": self.exits_in_a_row,
            "last_exit": self.last_exit, "last_error": self.last_error, "lines": self.lines,
            "bytes": self.bytes, "truncated": self.truncated, "started_at": self.started_at,
            "last_line_at": self.last_line_at, "stderr": list(self.stderr_tail)[-5:],
        }


async def command_chunks(config: SourceConfig, status: SourceStatus, mode: Mode = "live") -> AsyncIterator[bytes]:
    """stdout of ``config.command``, restarted as ``mode`` says; raises SourceError if it cannot start."""
    assert config.command
    while True:
        began = time.monotonic()
        status.state = "starting"
        try:
            proc = await asyncio.create_subprocess_exec(
                *config.command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, limit=CHUNK, start_new_session=True,
            )
        except OSError as exc:
            code: int | None = None
            status.last_error = f"cannot run {config.command[0]!r}: {exc.strerror or exc}"
            if mode != "live":
                raise SourceError(status.last_error) from None
        else:
            status.state = "running"
            async for chunk in _stdout_of(proc, status):
                yield chunk
            code = proc.returncode
            status.last_exit = code
            if code != 0 or mode == "live":  # a stream that should run forever stopped
                status.last_error = _exit_reason(code, status.stderr_tail)
        if mode == "to_end" or (mode == "window" and code == 0):
            status.state = "ended"
            return
        if time.monotonic() - began >= config.healthy_after:
            status.exits_in_a_row = 0
        status.exits_in_a_row += 1
        status.state = "backoff"
        await asyncio.sleep(capped_exponential(status.exits_in_a_row, config.restart_initial, config.restart_max))
        status.restarts += 1


async def _stdout_of(proc: asyncio.subprocess.Process, status: SourceStatus) -> AsyncIterator[bytes]:
    assert proc.stdout is not None and proc.stderr is not None
    errors = asyncio.create_task(_keep_stderr(proc.stderr, status.stderr_tail))
    try:
        while chunk := await proc.stdout.read(CHUNK):
            yield chunk
        await proc.wait()
        await errors
    finally:
        if proc.returncode is None:
            await _terminate(proc)
        errors.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await errors


async def _keep_stderr(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # a stderr line over the limit: keep its start
            line = await stream.read(300)
        if not line:
            return
        text = line.decode("utf-8", "replace").strip()
        if text:
            tail.append(text[:300])


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, SIGKILL it after 2 s; the child is reaped even if stopped twice."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(proc, sig)
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), 2.0)
            return
        except TimeoutError:
            continue
        except asyncio.CancelledError:  # cancelled while stopping: kill now, still reap, then go
            _signal_group(proc, signal.SIGKILL)
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), 2.0)
            raise


def _signal_group(proc: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _exit_reason(code: int | None, stderr_tail: deque[str]) -> str:
    reason = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with status {code}"
    return f"{reason}: {stderr_tail[-1]}" if stderr_tail else reason


async def file_chunks(config: SourceConfig, status: SourceStatus, *, follow: bool = True,
                      from_start: bool | None = None) -> AsyncIterator[bytes]:
    """The file's bytes; with ``follow``, new bytes forever across rotation and truncation."""
    path = str(config.file)
    handle = await _open(path, status, config.poll_interval, wait=follow)
    if not (config.from_start if from_start is None else from_start):
        handle.seek(0, os.SEEK_END)
    status.state = "running"
    try:
        while True:
            data = handle.read(CHUNK)
            if data:
                yield data
                await asyncio.sleep(0)  # a long file must not starve the other tasks
                continue
            if not follow:
                status.state = "ended"
                return
            handle = _after_eof(path, handle, status)
            await asyncio.sleep(config.poll_interval)
    finally:
        handle.close()


async def _open(path: str, status: SourceStatus, poll: float, *, wait: bool) -> BinaryIO:
    while True:
        try:
            return open(path, "rb")  # noqa: SIM115 - closed by file_chunks
        except OSError as exc:
            status.last_error = f"cannot read {path}: {exc.strerror or exc}"
            if not wait:
                raise SourceError(status.last_error) from None
            status.state = "waiting"
            await asyncio.sleep(poll)


def _after_eof(path: str, handle: BinaryIO, status: SourceStatus) -> BinaryIO:
    """At the end of the data: follow a rename to the new file, restart a truncated one."""
    try:
        now = os.stat(path)
    except OSError:
        return handle  # rotated away and not recreated yet: keep the old one
    mine = os.fstat(handle.fileno())
    if (now.st_ino, now.st_dev) != (mine.st_ino, mine.st_dev):
        try:
            fresh = open(path, "rb")  # noqa: SIM115
        except OSError:
            return handle
        handle.close()
        return fresh
    if mine.st_size < handle.tell():
        handle.seek(0)
    return handle


async def stdin_chunks(status: SourceStatus, stream: BinaryIO | None = None) -> AsyncIterator[bytes]:
    """Standard input (or ``stream``) until its end."""
    stream = stream if stream is not None else sys.stdin.buffer
    status.state = "running"
    fd = _fileno(stream)
    if fd is not None and stat.S_ISREG(os.fstat(fd).st_mode):
        while data := os.read(fd, CHUNK):
            yield data
            await asyncio.sleep(0)
    elif fd is not None:
        async for chunk in _pipe_chunks(fd):
            yield chunk
    else:
        read = getattr(stream, "read1", stream.read)
        while data := await asyncio.to_thread(read, CHUNK):
            yield data
    status.state = "ended"


def _fileno(stream: BinaryIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


async def _pipe_chunks(fd: int) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=CHUNK, loop=loop)
    pipe = os.fdopen(os.dup(fd), "rb", buffering=0)  # the transport closes its own copy
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), pipe)
    try:
        while chunk := await reader.read(CHUNK):
            yield chunk
    finally:
        transport.close()
