"""Checkpoint reports of open windows: the daemon writes those due, the CLI builds one on demand.

    for done in write_due_checkpoints(store, ctx, now=now):   # every few seconds, in the daemon
        post_checkpoint(store, done, ctx, now=now)             # reports.posts: into the outbox
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from pathlib import Path

from watchdog.errors import UsageError
from watchdog.reports import windows as wmath
from watchdog.reports.build import Progress, ReportSource, build_checkpoint
from watchdog.reports.context import ReportContext
from watchdog.reports.files import FORMATS, checkpoint_dir, write_report
from watchdog.reports.model import CheckpointReport
from watchdog.store.base import Event, MonitoringWindows, WindowState


class CheckpointStore(ReportSource, MonitoringWindows, Protocol):
    """The facets writing due checkpoints uses: a report's reads, and the windows."""


@dataclass(frozen=True)
class WrittenCheckpoint:
    report: CheckpointReport
    paths: Mapping[str, Path]


def write_due_checkpoints(store: CheckpointStore, ctx: ReportContext, *, now: float,
                          formats: Sequence[str] = FORMATS) -> list[WrittenCheckpoint]:
    """Write every checkpoint that fell due (also those missed while the daemon was down)."""
    done = []
    for window in store.windows():
        for offset in wmath.due(window, now):
            report = build_checkpoint(store, window, ctx.infos, checkpoint_s=offset, now=now,
                                      spec=ctx.specs.get(window.name))
            paths = write_report(report, checkpoint_dir(ctx.reports_dir, window), report.label, formats,
                                 ctx.redactor)
            window = dataclasses.replace(window, written=(*window.written, offset),
                                         closed=window.closed or report.final)
            store.save_window(window)
            store.add_event(Event("checkpoint.written", now, None,
                                  f"{window.name} {report.label} checkpoint written",
                                  {"window": window.name, "checkpoint": report.label,
                                   "paths": {k: str(p) for k, p in paths.items()}}))
            done.append(WrittenCheckpoint(report, paths))
    return done


def build_for_window(store: ReportSource, ctx: ReportContext, window: WindowState, *, checkpoint: str | None,
                     now: float, progress: Progress | None = None) -> CheckpointReport:
    """The CLI's report of one window: ``checkpoint`` by label, else the latest one passed."""
    try:
        offset = wmath.checkpoint_for(window, checkpoint, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return build_checkpoint(store, window, ctx.infos, checkpoint_s=offset, now=now,
                            spec=ctx.specs.get(window.name), progress=progress)
