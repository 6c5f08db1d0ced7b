"""The readers behind ``[sources.NAME]``: async generators of raw byte chunks.

* ``command_chunks`` runs an argv (no shell) in its own process group, reads its
  stdout in blocks of up to 4 MB (line-by-line reading tops out near 0.34 M
  lines/s here, blocks reach ~2.4 M) - all the pipe holds at once, from a pipe
  made 1 MB deep, since the 64 KB a default pipe hands over per read made 4,000
  small blocks of a 260 MB log, each paying the matcher's fixed cost - keeps the
  last lines of its stderr, and restarts it with capped exponential backoff
  (``watchdog.backoff``) when it exits.
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
import fcntl
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
        read_end, write_end = _pipe()
        try:
            proc = await _spawn(config.command, write_end)
        except asyncio.CancelledError:
            os.close(read_end)
            raise
        except OSError as exc:
            os.close(read_end)
            code: int | None = None
            status.last_error = f"cannot run {config.command[0]!r}: {exc.strerror or exc}"
            if mode != "live":
                raise SourceError(status.last_error) from None
        else:
            status.state = "running"
            async for chunk in _stdout_of(proc, read_end, status):
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


async def _spawn(argv: list[str], stdout: int) -> asyncio.subprocess.Process:
    """Start ``argv`` in its own process group writing to ``stdout`` (our copy is closed here)."""
    try:
        return await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=stdout, stderr=asyncio.subprocess.PIPE,
            limit=CHUNK, start_new_session=True,
        )
    finally:
        os.close(stdout)


def _pipe() -> tuple[int, int]:
    """A pipe for a child's stdout: ours to read without blocking, 1 MB deep where Linux allows.

    A 64 KB pipe hands over 64 KB at a time, and a block that small costs the matcher
    more than reading it; ``_fd_chunks`` gathers what a deeper pipe holds."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[attr-defined]
    return read_end, write_end


async def _stdout_of(proc: asyncio.subprocess.Process, fd: int, status: SourceStatus) -> AsyncIterator[bytes]:
    """The child's stdout (the read end ``fd``, closed here) until it ends; its stderr tail kept."""
    assert proc.stderr is not None
    errors = asyncio.create_task(_keep_stderr(proc.stderr, status.stderr_tail))
    try:
        async for chunk in _fd_chunks(fd):
            yield chunk
        await proc.wait()
        await errors
    finally:
        os.close(fd)
        if proc.returncode is None:
            await _terminate(proc)
        errors.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await errors


async def _fd_chunks(fd: int) -> AsyncIterator[bytes]:
    """Chunks of a non-blocking pipe until its end: all it holds at once, up to ``CHUNK``."""
    while True:
        parts, size, ended = [], 0, False
        while size < CHUNK:
            try:
                data = os.read(fd, CHUNK - size)
            except BlockingIOError:
                break
            if not data:
                ended = True
                break
            parts.append(data)
            size += len(data)
        if parts:
            yield parts[0] if len(parts) == 1 else b"".join(parts)
            await asyncio.sleep(0)  # a pipe that never runs dry must not starve the other tasks
        if ended:
            return
        if not parts:
            await _readable(fd)


async def _readable(fd: int) -> None:
    """Until ``fd`` can be read (data, or its end)."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        loop.remove_reader(fd)


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
    elif fd is not None:  # a pipe (or a terminal): a non-blocking copy, the transport-free way
        copy = os.dup(fd)
        os.set_blocking(copy, False)
        try:
            async for chunk in _fd_chunks(copy):
                yield chunk
        finally:
            os.close(copy)
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


