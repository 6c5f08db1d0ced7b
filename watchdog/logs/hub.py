"""``LogHub``: reads each log source once and feeds every check registered on it.

One hub per process (``CheckContext.logs``). Checks register at construction
(``register``: the patterns they want, with a handler per pattern), so every
pattern of a source is known before the first byte is read and the matcher
applies them all in one pass per block.

One-off mode (``watchdog check``, ``watchdog logs scan``) - the default::

    view = await hub.collect("error-rate")   # starts the shared read of its source,
                                             # returns after its read length (reads.py:
                                             # log_window, 10 s of a live stream, an
                                             # input with an end to its end)
    view.now, view.final (True), view.status, view.error, view.elapsed
    hub.reading()                            # source -> (seconds read, seconds to read)

  A command whose exit status is 0 has ended; ``to_end=True`` (scan) reads every
  source to its end.

Live mode (the daemon)::

    hub = context.logs                       # after building the checks (they register)
    await hub.start()                        # every used source becomes a long-lived task;
                                             # commands restart with capped backoff
    await check.run()                        # on its schedule: snapshots its window
    hub.subscribe("app-alerts", on_match, min_interval=60)   # LogMatch per matching line,
                                             # at most one per min_interval (the rest are
                                             # counted in LogMatch.suppressed)
    hub.source_status()                      # name -> SourceStatus: state, failing,
                                             # restarts, last_error, lines, bytes...
    await hub.stop()                         # ends the tasks and the child processes

Handlers run inline with the read, so they must be cheap and must not block; an
exception in one is recorded on the source and never stops it. A handler is a
plain ``(time, line, match)`` callable or a ``Batch`` taking a block's lines at
once (``watchdog.logs.routes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from watchdog.logs import reads
from watchdog.logs.config import SourceConfig
from watchdog.logs.lines import LineClock, LineFramer, clean_block, count_lines
from watchdog.logs.literals import prefilter_for
from watchdog.logs.matcher import Matcher, PatternSpec
from watchdog.logs.routes import Batch, Handler, LineHandler, Routes
from watchdog.logs.sources import SourceError, SourceStatus, command_chunks, file_chunks, stdin_chunks

__all__ = ["Batch", "Handler", "LineHandler", "LogHub", "LogMatch", "ReadView"]
LinesHandler = Callable[[float, int], None]


@dataclass(frozen=True, slots=True)
class LogMatch:
    """One matching line, as pushed to ``subscribe`` callbacks (the line is not redacted yet)."""

    check: str
    source: str
    time: float
    line: str
    groups: Mapping[str, str]
    matched: str = ""  # the text the regex matched (in the line, or in the JSON field's value)
    suppressed: int = 0  # matches dropped by min_interval since the previous one


@dataclass(frozen=True, slots=True)
class ReadView:
    """What a check needs to judge its state: the time to judge at and the source's health."""

    now: float
    final: bool
    status: SourceStatus
    error: str | None = None
    elapsed: float = 0.0


@dataclass
class _Registration:
    check: str
    source: str
    window: float
    patterns: list[tuple[PatternSpec, Handler]]
    on_lines: LinesHandler | None = None
    on_begin: Callable[[float], None] | None = None
    listeners: list[Handler] = field(default_factory=list)


@dataclass
class _Run:
    name: str
    config: SourceConfig
    status: SourceStatus
    matcher: Matcher
    routes: Routes
    clock: LineClock
    log_now: float | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = None
    began: float = 0.0  # monotonic

    def failed(self, exc: Exception) -> None:
        """A handler raised on a line: recorded, the source goes on."""
        self.status.last_error = f"handling a line failed: {type(exc).__name__}: {exc}"


class LogHub:
    """Runs log sources and feeds registered checks; see the module docstring for the API."""

    def __init__(self, sources: Mapping[str, SourceConfig], *, clock: Callable[[], float] = time.time,
                 log_window: float | None = None, stdin_source: str | None = None,
                 stdin: BinaryIO | None = None, to_end: bool = False) -> None:
        self.sources = dict(sources)
        self.clock = clock
        #: one-off reads last this long instead of each check's window
        self.log_window = log_window
        #: the source read from standard input instead of its command or file
        self.stdin_source = stdin_source
        self.stdin = stdin
        self.to_end = to_end
        self.live = False
        self._regs: dict[str, _Registration] = {}
        self._runs: dict[str, _Run] = {}
        self._stdin_owner: str | None = None

    # -- registration --------------------------------------------------------------------------

    def register(self, check: str, source: str, *, window: float, patterns: Sequence[tuple[PatternSpec, Handler]],
                 on_lines: LinesHandler | None = None, on_begin: Callable[[float], None] | None = None) -> None:
        """Feed ``check``: each handler gets (time, line, match) for its pattern; never raises."""
        self._regs[check] = _Registration(check, source, window, list(patterns), on_lines, on_begin)
        if source in self._runs:
            self._rebuild(self._runs[source])
        if self.live and source in self.sources:
            self._start(source)

    def unfiltered(self) -> dict[str, list[str]]:
        """Per check, its patterns with no literal text to pre-filter on: each runs on every line."""
        return {r.check: slow for r in self._regs.values()
                if (slow := [s.regex for s, _h in r.patterns if prefilter_for(s.regex, json_field=s.field is not None) is None])}

    def subscribe(self, check: str, callback: Callable[[LogMatch], None], *, min_interval: float = 0.0) -> None:
        """Call ``callback`` for every line matching one of ``check``'s patterns (live or one-off)."""
        reg = self._regs[check]
        last: list[float | None] = [None]
        suppressed = [0]

        def deliver(t: float, line: str, found: re.Match[str]) -> None:
            if last[0] is not None and t - last[0] < min_interval:
                suppressed[0] += 1
                return
            groups = {k: v for k, v in found.groupdict().items() if v is not None}
            event = LogMatch(check, reg.source, t, line, groups, found.group(0), suppressed[0])
            last[0], suppressed[0] = t, 0
            callback(event)

        reg.listeners.append(deliver)
        if reg.source in self._runs:
            self._rebuild(self._runs[reg.source])

    # -- one-off -------------------------------------------------------------------------------

    async def collect(self, check: str) -> ReadView:
        """One-off: read the check's source for its window (shared with the other checks) and
        return; live: return at once. Never raises for a source problem (see ``ReadView.error``)."""
        reg = self._regs[check]
        if reg.source not in self.sources:
            have = ", ".join(sorted(self.sources)) or "none"
            return ReadView(self.clock(), not self.live, SourceStatus(reg.source, "?", "?"),
                            f"no source named {reg.source!r} (sources: {have})")
        run = self._run(reg.source)
        if not self.live:
            if run.task is None:
                run.began = time.monotonic()
                run.task = asyncio.create_task(self._read_once(run), name=f"log-source:{run.name}")
            await self._wait(run, self._length(reg))
        return self._view(run)

    def _length(self, reg: _Registration) -> float | None:
        """How long a one-off run reads ``reg``'s source; None: to its end (``reads.py``)."""
        config = self.sources[reg.source]
        has_end = self._reads_stdin(reg.source) or bool(config.file and config.from_start)
        return reads.read_length(reg.window, log_window=self.log_window, has_end=has_end, to_end=self.to_end,
                                 default=reads.ONE_OFF_READ_S)

    def reading(self) -> dict[str, tuple[float, float | None]]:
        """One-off: each source still being read -> (seconds read so far, seconds it is read
        for; None: to its end)."""
        out: dict[str, tuple[float, float | None]] = {}
        for run in self._runs.values():
            if self.live or run.task is None or run.task.done():
                continue
            lengths = [self._length(r) for r in self._regs.values() if r.source == run.name]
            out[run.name] = (time.monotonic() - run.began, reads.longest(lengths))
        return out

    async def _wait(self, run: _Run, length: float | None) -> None:
        """Until the read ends or ``length`` seconds after it began (never cancels the read)."""
        assert run.task is not None
        remaining = None if length is None else max(0.0, run.began + length - time.monotonic())
        if not run.task.done():
            await asyncio.wait({run.task}, timeout=remaining)

    def _view(self, run: _Run) -> ReadView:
        final = not self.live
        now = run.log_now if final and run.clock and run.log_now is not None else self.clock()
        elapsed = time.monotonic() - run.began if run.began else 0.0
        return ReadView(now, final, run.status, run.error, elapsed)

    async def _read_once(self, run: _Run) -> None:
        length = reads.longest([self._length(r) for r in self._regs.values() if r.source == run.name])
        if length is None:
            await self._pump(run)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(length):
                await self._pump(run)

    # -- live ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Live mode: start every source some check reads, as a long-lived task."""
        self.live = True
        for name in {r.source for r in self._regs.values() if r.source in self.sources}:
            self._start(name)

    def _start(self, name: str) -> None:
        run = self._run(name)
        if run.task is None or run.task.done():
            run.began = time.monotonic()
            run.task = asyncio.create_task(self._pump(run), name=f"log-source:{name}")

    async def stop(self) -> None:
        """Stop every source task (child processes are terminated); safe to call twice."""
        tasks = [r.task for r in self._runs.values() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for run in self._runs.values():
            if run.status.state not in ("ended", "idle"):
                run.status.state = "stopped"

    def source_status(self) -> dict[str, SourceStatus]:
        """Name -> status of every source started so far."""
        return {name: run.status for name, run in self._runs.items()}

    # -- reading -------------------------------------------------------------------------------

    def _run(self, name: str) -> _Run:
        if name not in self._runs:
            config = self.sources[name]
            status = SourceStatus(name, "stdin" if self._reads_stdin(name) else config.origin,
                                  config.describe(), failing_after=config.failing_after)
            run = _Run(name, config, status, Matcher([]), Routes([]),
                       LineClock(config.timestamp_field, config.timestamp_pattern))
            self._runs[name] = run
            self._rebuild(run)
        return self._runs[name]

    def _rebuild(self, run: _Run) -> None:
        run.routes = Routes((r.patterns, r.listeners) for r in self._regs.values() if r.source == run.name)
        run.matcher = Matcher(run.routes.specs, run.config.max_line_bytes)

    def _reads_stdin(self, name: str) -> bool:
        return self.sources[name].stdin or name == self.stdin_source

    def _chunks(self, run: _Run) -> AsyncIterator[bytes]:
        config, status = run.config, run.status
        if self._reads_stdin(run.name):
            if self._stdin_owner not in (None, run.name):
                raise SourceError(f"standard input is already read by source {self._stdin_owner!r}")
            self._stdin_owner = run.name
            return stdin_chunks(status, self.stdin)
        if config.command:
            mode = "live" if self.live else "to_end" if self.to_end else "window"
            return command_chunks(config, status, mode)
        from_start = True if self.to_end else None
        follow = self.live or not (config.from_start or self.to_end)
        return file_chunks(config, status, follow=follow, from_start=from_start)

    async def _pump(self, run: _Run) -> None:
        run.status.started_at = now = self.clock()
        if not run.clock:
            for reg in self._regs.values():
                if reg.source == run.name and reg.on_begin:
                    reg.on_begin(now)
        framer = LineFramer(run.config.max_line_bytes, strip_ansi=False, encoding=run.config.encoding)
        try:
            async with contextlib.aclosing(self._chunks(run)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    self._process(run, framer.feed(chunk))
                    run.status.truncated = framer.truncated
            self._process(run, framer.flush())
        except SourceError as exc:
            run.error = str(exc)
        except Exception as exc:  # a bug must end this source only, visibly
            run.error = f"source reader failed: {type(exc).__name__}: {exc}"
        if run.error:
            run.status.last_error = run.error
        run.status.state = "ended" if run.status.state != "stopped" else "stopped"

    def _process(self, run: _Run, block: bytes) -> None:
        if not block:
            return
        t = self.clock()
        count = count_lines(block)
        cleaned, escaped = clean_block(block, run.config.strip_ansi, count)
        if cleaned is not block:  # stripped whole: an OSC sequence may have held a newline
            block, count = cleaned, count_lines(cleaned)
        status = run.status
        status.lines += count
        status.bytes += len(block)
        status.last_line_at = t
        cap = run.config.max_line_bytes
        block_time = self._log_time(run, run.clock.last_line_time(block, cap, len(block) in escaped)) \
            if run.clock else t
        for reg in self._regs.values():
            if reg.on_lines is not None and reg.source == run.name:
                reg.on_lines(block_time, count)
        found = run.matcher.match(block, escaped)
        if run.clock:
            run.routes.in_order(found, lambda line: self._log_time(run, run.clock.time_of(line)), run.failed)
        else:
            run.routes.deliver(found, t, run.failed)

    def _log_time(self, run: _Run, parsed: float | None) -> float:
        """A line's own time; a line without one gets the latest time seen (or the read time)."""
        if parsed is None:
            return run.log_now if run.log_now is not None else self.clock()
        if run.log_now is None or parsed > run.log_now:
            run.log_now = parsed
        return parsed

