"""``watchdog report`` and ``watchdog window start|list|close``.

Mounted by the root app::

    app.command("report")(report_cmd.report)
    app.add_typer(report_cmd.window_app, name="window")

``watchdog report daily`` is the end-of-day report (so no window may be named
``daily``). ``--post`` queues the summary in the store's outbox for the
window's channels; the daemon's sender delivers it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, console, fail, load_config

if TYPE_CHECKING:
    from watchdog.alerting.outbox import OutboxStore
    from watchdog.reports.build import ReportSource
    from watchdog.reports.checkpoints import CheckpointStore
    from watchdog.reports.context import ReportContext
    from watchdog.store.base import MonitoringWindows, Store, WindowState

FORMATS = ("md", "html", "json")
window_app = typer.Typer(help="Monitoring windows: start, list, close.", no_args_is_help=True)


@contextmanager
def _opened(config_path: str | None) -> Iterator[tuple[ReportContext, Store]]:
    from watchdog.errors import WatchdogError
    from watchdog.reports.context import ReportContext
    from watchdog.store import open_store

    config = load_config(config_path, exit_code=2)
    try:
        store = open_store(config.settings.state_dir)
    except WatchdogError as err:
        fail(str(err), err.exit_code)
    try:
        yield ReportContext.from_config(config), store
    finally:
        store.close()


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def report(
    window: Annotated[str | None, typer.Argument(metavar="WINDOW", help="Window name, or 'daily' for the end-of-day report.",
                                                 show_default=False)] = None,
    checkpoint: Annotated[str | None, typer.Option(metavar="CHECKPOINT", help="Checkpoint to report, e.g. 6h (default: the latest passed).",
                                                   show_default=False)] = None,
    since: Annotated[str | None, typer.Option(metavar="DURATION", help="Report on the last DURATION instead of a window, e.g. 24h.",
                                              show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.",
                                                show_default=False)] = None,
    post: Annotated[bool, typer.Option("--post", help="Queue the summary for the window's channels.")] = False,
    date: Annotated[str | None, typer.Option(metavar="DATE", help="Day of the daily report, YYYY-MM-DD (UTC; default today).",
                                             show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Write a checkpoint report of a monitoring window, or the daily report."""
    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}", 2)
    if date is not None and window != "daily":
        fail("--date goes with the daily report: watchdog report daily --date YYYY-MM-DD", 2)
    from watchdog.errors import WatchdogError

    now = time.time()
    with _opened(config) as (ctx, store):
        try:
            if window == "daily":
                _daily(store, ctx, date=date, fmt=fmt, output=output, post=post, now=now)
            else:
                _checkpoint(store, ctx, window, checkpoint=checkpoint, since=since, fmt=fmt, output=output,
                            post=post, now=now)
        except WatchdogError as err:
            fail(str(err), 2)


def _checkpoint(store: CheckpointStore, ctx: ReportContext, window: str | None, *, checkpoint: str | None,
                since: str | None, fmt: str, output: Path | None, post: bool, now: float) -> None:
    from watchdog.reports.checkpoints import build_for_window

    target = _adhoc(window, since, now) if since else _pick(store, window, ctx)
    with _progress(f"reading {target.name}") as progress:
        result = build_for_window(store, ctx, target, checkpoint=None if since else checkpoint, now=now,
                                  progress=progress)
    _emit(result, fmt, output, ctx)
    if post:
        _post_checkpoint(store, ctx, result, output, now)


def _daily(store: ReportSource, ctx: ReportContext, *, date: str | None, fmt: str, output: Path | None, post: bool,
           now: float) -> None:
    from watchdog.reports.daily import build_daily
    from watchdog.reports.posts import daily_notifications

    try:
        with _progress("reading the day") as progress:
            result = build_daily(store, ctx.infos, now=now, date=date, runbooks=ctx.runbooks, progress=progress)
    except ValueError as err:
        fail(f"--date: {err}", 2)
    _emit(result, fmt, output, ctx)
    if post:
        channels = _channels(ctx.default_channels, "[defaults.alert] channels")
        queued = [n.id for n in daily_notifications(result, channels, now=now, redactor=ctx.redactor)
                  if store.enqueue(n)]
        _deliver(store, ctx, queued, channels)


def _emit(result: object, fmt: str, output: Path | None, ctx: ReportContext) -> None:
    from watchdog.reports.files import render, write_atomic

    text = ctx.redactor(render(result, fmt))  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text)
    except OSError as err:
        fail(f"cannot write {output}: {err.strerror or err}", 2)
    print(f"wrote {output}", file=sys.stderr)


def _post_checkpoint(store: OutboxStore, ctx: ReportContext, result: object, output: Path | None,
                     now: float) -> None:
    from watchdog.reports.posts import checkpoint_notifications

    channels = _channels(ctx.channels_for(result.window), f"windows.{result.window}.channels")  # type: ignore[attr-defined]
    paths = {output.suffix.lstrip("."): output} if output else None
    notes = checkpoint_notifications(result, channels, now=now, paths=paths, redactor=ctx.redactor)  # type: ignore[arg-type]
    _deliver(store, ctx, [n.id for n in notes if store.enqueue(n)], channels)


def _channels(channels: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not channels:
        fail(f"--post: no channel to post to (set {where} or [defaults.alert] channels)", 2)
    return channels


def _deliver(store: OutboxStore, ctx: ReportContext, ids: list[str], channels: tuple[str, ...]) -> None:
    """Send what was queued now, through the outbox (cron may run no daemon).

    Written to the store first like every notification: one that fails stays
    pending and a running daemon retries it; one a running daemon has claimed
    is left to it (counted as not delivered here), so it is sent once.
    """
    import asyncio

    from watchdog.alerting.channels import build_channels
    from watchdog.alerting.outbox import Outbox

    if not ids:
        print(f"already queued for {', '.join(channels)}: nothing new to send", file=sys.stderr)
        return
    outbox = Outbox(store, build_channels({n: ctx.channel_configs[n] for n in channels if n in ctx.channel_configs},
                                          ctx.redactor))

    async def once() -> list[Any]:
        try:
            return await outbox.deliver_due()
        finally:
            await outbox.stop()

    outcomes = [o for o in asyncio.run(once()) if o.id in ids]
    sent = sum(1 for o in outcomes if o.result == "delivered")
    print(f"posted to {', '.join(channels)}: {sent} of {len(ids)} delivered"
          + ("" if sent == len(ids) else "; the rest stay queued for the daemon's retries"), file=sys.stderr)


def _adhoc(name: str | None, since: str, now: float) -> WindowState:
    from watchdog.durations import parse_duration
    from watchdog.reports.windows import default_checkpoints
    from watchdog.store.base import WindowState

    try:
        span = parse_duration(since)
    except ValueError as err:
        fail(f"--since: {err}", 2)
    if span <= 0:
        fail("--since: must be more than zero", 2)
    title = f"Last {since}" if name is None else name
    return WindowState(name or f"last-{since}", title, now - span, span, default_checkpoints(span))


def _pick(store: MonitoringWindows, name: str | None, ctx: ReportContext) -> WindowState:
    """The named window (open first, else the latest closed), or the only open one."""
    windows = store.windows(include_closed=True)
    if name is not None:
        found = sorted((w for w in windows if w.name == name), key=lambda w: (not w.closed, w.start))
        if found:
            return found[-1]
        if name in ctx.specs:
            fail(f"window {name!r} has not been opened yet (start = \"deploy\" opens it on the next deploy; "
                 f"or run: watchdog window start {name})", 2)
        fail(f"no window {name!r} (known: {', '.join(sorted({w.name for w in windows})) or 'none'})", 2)
    open_ = [w for w in windows if not w.closed]
    if len(open_) == 1:
        return open_[0]
    if len(open_) > 1:
        fail(f"several windows are open ({', '.join(w.name for w in open_)}); name one", 2)
    if windows:
        return max(windows, key=lambda w: w.start)
    fail("no monitoring window yet: open one with 'watchdog window start NAME', or use --since 24h", 2)


@window_app.command("start")
def window_start(
    name: Annotated[str, typer.Argument(metavar="WINDOW", help="Window name (a [windows.NAME] gives title, checkpoints, criteria).")],
    at: Annotated[str | None, typer.Option(metavar="TIME", help="Start time: ISO-8601, HH:MM (UTC), -2h (default: now).",
                                           show_default=False)] = None,
    duration: Annotated[str | None, typer.Option(metavar="DURATION", help="Length of the window (default: the config's, else 24h).",
                                                 show_default=False)] = None,
    config: ConfigOption = None,
) -> None:
    """Open a monitoring window now (or at --at)."""
    from watchdog.durations import parse_duration
    from watchdog.reports import fmt
    from watchdog.reports.opening import open_window
    from watchdog.reports.windows import label, parse_time

    now = time.time()
    try:
        start = parse_time(at, now) if at else now
    except ValueError as err:
        fail(f"--at: {err}", 2)
    try:
        span = parse_duration(duration) if duration else None
    except ValueError as err:
        fail(f"--duration: {err}", 2)
    if name == "daily":
        fail("the name 'daily' is reserved for 'watchdog report daily'; choose another", 2)
    with _opened(config) as (ctx, store):
        window = open_window(store, name, start=start, spec=ctx.specs.get(name), duration_s=span or None)
    marks = ", ".join(label(c) for c in window.checkpoints_s)
    print(f"opened window {name}: {fmt.stamp(window.start)} → {fmt.stamp(window.start + window.duration_s)}, "
          f"checkpoints {marks}")


@window_app.command("list")
def window_list(
    all_: Annotated[bool, typer.Option("--all", help="Include closed windows.")] = False,
    config: ConfigOption = None,
) -> None:
    """List monitoring windows and their checkpoints."""
    from rich.table import Table

    from watchdog.reports import fmt
    from watchdog.reports.windows import label, next_checkpoint

    now = time.time()
    with _opened(config) as (_ctx, store):
        windows = store.windows(include_closed=all_)
    if not windows:
        print("no windows" + ("" if all_ else " open (--all shows closed ones)"))
        return
    table = Table(title_justify="left")
    for column in ("name", "title", "start", "written", "next checkpoint", "state", "opened by"):
        table.add_column(column, no_wrap=column in ("name", "start", "written"))
    for w in windows:
        nxt = next_checkpoint(w, now)
        table.add_row(w.name, w.title, fmt.stamp(w.start), f"{len(w.written)}/{len(w.checkpoints_s)}",
                      "–" if nxt is None or w.closed else f"{label(nxt)}, {fmt.stamp(w.start + nxt)}",
                      "closed" if w.closed else "open", str(w.data.get("opened_by", "")))
    console().print(table)


@window_app.command("close")
def window_close(
    name: Annotated[str, typer.Argument(metavar="WINDOW", help="The open window to close.")],
    config: ConfigOption = None,
) -> None:
    """Close a window early: no further checkpoint reports are written."""
    from watchdog.errors import WatchdogError
    from watchdog.reports.opening import close_window

    with _opened(config) as (_ctx, store):
        try:
            close_window(store, name, now=time.time())
        except WatchdogError as err:
            fail(str(err), 2)
    print(f"closed window {name}")
