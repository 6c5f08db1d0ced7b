"""The written reports as the daemon serves them under ``/reports/``: the index, one file, links.

Reports live in ``STATE_DIR/reports/WINDOW/START/LABEL.{html,md,json}``
(``files.py``). ``read`` answers a path under ``/reports/`` with the file's
bytes, and only for a file inside the reports directory (no ``..``, no hidden
names, symlinks resolved and checked); ``listing`` is what the index page
(``daemon/page.py``) lists. Posts link a
report through ``report_link``: the ``[server] public_url`` address when one is
set, else where the file is within the state directory (never a server path).
"""

from __future__ import annotations

from pathlib import Path

from watchdog.reports.files import FORMATS

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "md": "text/plain; charset=utf-8", "json": "application/json"}


def read(reports_dir: Path, rel: str) -> tuple[str, bytes] | None:
    """(content type, bytes) of the report file at ``rel``, None when there is none."""
    parts = rel.split("/")
    kind = parts[-1].rpartition(".")[2]
    if kind not in CONTENT_TYPES or any(not p or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    try:
        base = reports_dir.resolve(strict=True)
        path = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return CONTENT_TYPES[kind], path.read_bytes()


def listing(reports_dir: Path) -> list[tuple[str, str, list[str]]]:
    """(window, start, report stems) for each written window run: windows by name, newest run first."""
    out = []
    windows = sorted(p for p in _dirs(reports_dir))
    for window in windows:
        for start in sorted(_dirs(window), reverse=True):
            stems = sorted({f.stem for f in start.iterdir() if f.suffix[1:] in FORMATS and not f.name.startswith(".")},
                           key=_label_order)
            if stems:
                out.append((window.name, start.name, stems))
    return out


def latest(reports_dir: Path, window: str) -> str | None:
    """``WINDOW/START/LABEL.html`` of the window's newest written checkpoint, or None."""
    for name, start, stems in listing(reports_dir):
        if name == window:
            return f"{name}/{start}/{stems[-1]}.html"
    return None


def report_link(rel: str, public_url: str | None) -> str:
    """Where a person finds a report: ``public_url/reports/REL``, else the file within the state directory."""
    if public_url:
        from urllib.parse import quote

        return f"{public_url.rstrip('/')}/reports/{quote(rel)}"
    return f"reports/{rel} in the state directory (served at /reports/ by the daemon)"


def _dirs(path: Path) -> list[Path]:
    try:
        return [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


def _label_order(stem: str) -> tuple[float, str]:
    """Checkpoint labels by their time (``6h`` before ``12h``), anything else after, by name."""
    from watchdog.durations import parse_duration

    try:
        return parse_duration(stem), stem
    except ValueError:
        return float("inf"), stem
