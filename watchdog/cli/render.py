"""Rendering results for people and for machines: table, JSON, Nagios plugin output.

The one place results are formatted for a terminal. Colours only on a
terminal and never with ``NO_COLOR`` (rich honours both); pipes get plain text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from watchdog.model import Result
from watchdog.status import Status, worst
from watchdog.thresholds import Threshold, format_number

STYLE = {Status.OK: "green", Status.WARNING: "yellow", Status.CRITICAL: "bold red", Status.UNKNOWN: "magenta"}


def overall(results: Sequence[Result]) -> Status:
    return worst(r.status for r in results)


def counts(results: Sequence[Result]) -> dict[str, int]:
    return {s.name.lower(): sum(1 for r in results if r.status is s) for s in Status}


def highlight_metrics(result: Result, preferred: Sequence[str], limit: int = 3) -> list[tuple[str, float]]:
    """The metrics worth a column: those the thresholds name, the main one, then the rest."""
    names = [n for n in preferred if n in result.metrics]
    names += [n for n in sorted(result.metrics) if n not in names]
    return [(n, result.metrics[n]) for n in names[:limit]]


def format_metric(name: str, value: float) -> str:
    if name.endswith("_ms"):
        return f"{name}={format_number(round(value, 1))}"
    if name.endswith("_pct"):
        return f"{name}={format_number(round(value, 2))}%"
    return f"{name}={format_number(round(value, 3))}"


def table(results: Sequence[Result], preferred: Mapping[str, Sequence[str]], *,
          verbose: bool = False, color: bool = True) -> Any:
    """A rich Table: check, status, key metrics, summary (and evidence when verbose)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD if color else None, show_edge=False, pad_edge=False, expand=False)
    for column in ("CHECK", "STATUS", "METRICS", "SUMMARY"):
        grid.add_column(column, overflow="fold", no_wrap=column in ("CHECK", "STATUS"))
    for r in results:
        metrics = " ".join(format_metric(n, v) for n, v in highlight_metrics(r, preferred.get(r.check, ())))
        summary = Text(r.summary)
        if verbose and r.evidence:
            summary.append("\n" + "\n".join(f"  | {line}" for line in r.evidence[:5]), style="dim")
        grid.add_row(Text(r.check), Text(r.status.name, style=STYLE[r.status] if color else ""),
                     Text(metrics), summary)
    return grid


def footer(results: Sequence[Result], elapsed_s: float) -> str:
    c = counts(results)
    parts = [f"{c[s.name.lower()]} {s.name.lower()}" for s in (Status.CRITICAL, Status.WARNING, Status.UNKNOWN)
             if c[s.name.lower()]]
    status = overall(results)
    detail = ", ".join(parts) if parts else "all ok"
    return f"{status.name}: {len(results)} checks, {detail} ({elapsed_s:.2f}s)"


def to_json(results: Sequence[Result], elapsed_s: float) -> str:
    status = overall(results)
    document = {
        "status": status.name,
        "exit_code": status.exit_code,
        "checked_at": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds"),
        "elapsed_ms": round(elapsed_s * 1000, 1),
        "counts": counts(results),
        "checks": [r.to_dict() for r in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str)


def to_nagios(results: Sequence[Result], thresholds: Mapping[str, tuple[Sequence[Threshold], Sequence[Threshold]]]) -> str:
    """Nagios plugin output: status line, perfdata after ``|``, one long-text line per check."""
    status = overall(results)
    bad = [r for r in results if r.status is not Status.OK]
    if len(results) == 1:
        head = f"{results[0].check}: {results[0].summary}"
    elif bad:
        c = counts(results)
        head = f"{len(bad)} of {len(results)} checks not OK ({', '.join(f'{v} {k}' for k, v in c.items() if v)}): " + \
            "; ".join(f"{r.check}: {r.summary}" for r in bad[:3])
    else:
        head = f"{len(results)} checks OK"
    single = len(results) == 1
    perf = " ".join(
        perfdata(name if single else f"{r.check}.{name}", value, *thresholds.get(r.check, ((), ())), metric=name)
        for r in results for name, value in sorted(r.metrics.items())
    )
    lines = [f"WATCHDOG {status.name} - {_nagios_safe(head)}" + (f" | {perf}" if perf else "")]
    lines += [f"[{r.status.name}] {r.check}: {_nagios_safe(r.summary)}" for r in results if not single]
    return "\n".join(lines)


def perfdata(label: str, value: float, warning: Sequence[Threshold], critical: Sequence[Threshold],
             *, metric: str) -> str:
    """``'response_ms'=123ms;500;2000`` with Nagios ranges derived from the thresholds."""
    uom = _uom(metric)
    shown = value / 1 if uom != "%" else value
    return (f"'{label}'={format_number(round(shown, 3))}{uom};"
            f"{_range(warning, metric)};{_range(critical, metric)}").rstrip(";")


def _range(rules: Sequence[Threshold], metric: str) -> str:
    """Nagios range for the first rule on ``metric``: ``> 500`` -> ``500``, ``< 1`` -> ``1:``."""
    for rule in rules:
        if rule.metric != metric:
            continue
        v = format_number(rule.value)
        if rule.op in (">", ">="):
            return v
        if rule.op in ("<", "<="):
            return f"{v}:"
    return ""


def _uom(metric: str) -> str:
    for suffix, unit in (("_ms", "ms"), ("_pct", "%"), ("_s", "s"), ("_bytes", "B"), ("_mb", "MB")):
        if metric.endswith(suffix):
            return unit
    return ""


def _nagios_safe(text: str) -> str:
    # '|' starts perfdata for Nagios; keep the status line one line.
    return text.replace("|", "/").replace("\n", " ")
