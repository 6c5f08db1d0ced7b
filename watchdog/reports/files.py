"""Report files: a report rendered in ``md``, ``html`` or ``json`` and written atomically.

Reports go to ``STATE_DIR/reports/WINDOW/START/LABEL.{md,html,json}`` (START is
the window's start, so a window re-opened by the next deploy keeps the old
reports), passed through the config's redactor.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from watchdog.redact import NULL_REDACTOR, Redactor
from watchdog.reports.model import CheckpointReport, DailyReport
from watchdog.store.base import WindowState

FORMATS = ("md", "html", "json")


def checkpoint_dir(reports_dir: Path, window: WindowState) -> Path:
    return reports_dir / window.name / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(window.start))


def render(report: CheckpointReport | DailyReport, fmt_name: str) -> str:
    """The report in ``md``, ``html`` or ``json``."""
    from watchdog.reports import render_html, render_json, render_md

    if fmt_name == "json":
        return render_json.render(report)
    module: Any = render_md if fmt_name == "md" else render_html
    return module.render_checkpoint(report) if isinstance(report, CheckpointReport) else module.render_daily(report)


def write_report(report: CheckpointReport | DailyReport, directory: Path, stem: str,
                 formats: Sequence[str] = FORMATS, redactor: Redactor = NULL_REDACTOR) -> dict[str, Path]:
    """Each format to ``directory/STEM.FORMAT``, atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in formats:
        path = directory / f"{stem}.{name}"
        write_atomic(path, redactor(render(report, name)))
        paths[name] = path
    return paths


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
