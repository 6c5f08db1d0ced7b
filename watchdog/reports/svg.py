"""Inline SVG charts for the HTML report: no scripts, no fonts, no external assets.

``line_chart``: a metric over time with its threshold lines and the checkpoint
marks, incidents shaded; the y-axis fits the data (``y_scale``). ``bar_chart``:
availability per check. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from html import escape

from watchdog.reports import fmt

W, H = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 14, 30


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5, 5 × 10^n) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


#: a threshold this close above the data is brought into the chart; one further away is only named
THRESHOLD_REACH = 1.5


def y_scale(values: Sequence[float], limits: Sequence[float]) -> tuple[float, float, list[float]]:
    """(top of the axis, step, the limits drawn): the axis fits the data, and takes in a limit only
    when it lies within ``THRESHOLD_REACH`` times the data's top, so a 1 ms line never lies flat on
    a 0-3000 ms axis because of a 2000 ms threshold."""
    data_top = max([*values, 0.0])
    drawn = [t for t in limits if 0 <= t <= max(data_top * THRESHOLD_REACH, 1e-9)]
    top = max([data_top, *drawn]) * 1.05 or 1.0
    step = nice_step(top)
    return step * math.ceil(top / step), step, drawn


def line_chart(points: Sequence[tuple[float, float]], since: float, until: float, *, title: str, unit: str = "",
               warning: float | None = None, critical: float | None = None,
               marks: Sequence[tuple[float, str]] = (), shaded: Sequence[tuple[float, float]] = ()) -> str:
    """``points`` (time, value) as a line; dashed lines at ``warning``/``critical`` when within reach
    of the data (else named in a corner: "critical 2,000 ms, above the chart"); ``marks`` as verticals;
    ``shaded`` spans (incidents: start, end) as bands behind the line."""
    limits = {level: v for level, v in (("warning", warning), ("critical", critical)) if v is not None}
    y_max, step, drawn = y_scale([v for _, v in points], list(limits.values()))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(ts: float) -> float:
        return LEFT + (min(max(ts, since), until) - since) / max(until - since, 1e-9) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - value / y_max * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="chart">',
             f"<title>{escape(title)}</title>"]
    parts += [f'<rect x="{x(a):.1f}" y="{TOP}" width="{max(x(b) - x(a), 1.5):.1f}" height="{plot_h}" class="incident">'
              f"<title>incident {escape(fmt.clock(a))}–{escape(fmt.clock(b))} UTC</title></rect>" for a, b in shaded]
    parts += _grid([(y(i * step), fmt.number(i * step, unit)) for i in range(int(round(y_max / step)) + 1)],
                   [(x(ts), label) for ts, label in marks])
    off_chart = []
    for level, value in limits.items():
        if value not in drawn:
            off_chart.append(f"{level} {fmt.number(value, unit)}")
            continue
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'class="limit {level}"><title>{level} {escape(fmt.number(value, unit))}</title></line>')
        parts.append(f'<text x="{W - RIGHT - 4}" y="{y(value) - 4:.1f}" class="tick {level}" '
                     f'text-anchor="end">{level} {escape(fmt.number(value, unit))}</text>')
    if off_chart:
        parts.append(f'<text x="{W - RIGHT - 4}" y="{TOP + 10}" class="tick" text-anchor="end">'
                     f"{escape(', '.join(off_chart))}: above the chart</text>")
    parts.append(_series(points, x, y, TOP + plot_h / 2, LEFT + plot_w / 2))
    parts.append("</svg>")
    return "".join(parts)


def _series(points: Sequence[tuple[float, float]], x: Any, y: Any, mid_y: float, mid_x: float) -> str:
    if not points:
        return f'<text x="{mid_x}" y="{mid_y}" class="tick" text-anchor="middle">no data</text>'
    path = " ".join(f"{x(ts):.1f},{y(v):.1f}" for ts, v in points)
    return f'<polyline points="{path}" class="series"/>'


def _grid(rows: Sequence[tuple[float, str]], marks: Sequence[tuple[float, str]]) -> list[str]:
    """Horizontal grid lines with their values; vertical marks with their labels."""
    parts = []
    for y, text in rows:
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{escape(text)}</text>')
    for x, label in marks:
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}" class="mark"/>')
        parts.append(f'<text x="{x:.1f}" y="{H - 10}" class="tick" text-anchor="middle">{escape(label)}</text>')
    return parts


def bar_chart(items: Sequence[tuple[str, float | None]], *, title: str, low: float | None = None) -> str:
    """Horizontal bars of percentages from ``low`` (default: just under the lowest value) to 100."""
    values = [v for _, v in items if v is not None]
    floor = low if low is not None else min(95.0, math.floor(min(values, default=100.0)) - 1.0)
    floor = max(0.0, floor)
    row, label_w = 22, 170
    height = TOP + row * len(items) + BOTTOM
    plot_w = W - label_w - RIGHT - 60

    def width(value: float) -> float:
        return max(0.0, (value - floor) / max(100.0 - floor, 1e-9) * plot_w)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" class="chart">',
             f"<title>{escape(title)}</title>"]
    for i, (name, value) in enumerate(items):
        top = TOP + i * row
        parts.append(f'<text x="{label_w - 8}" y="{top + 15}" class="tick" text-anchor="end">'
                     f"{escape(name[:28])}</text>")
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{top + 15}" class="tick">no results</text>')
            continue
        css = "bar ok" if value >= 99.5 else ("bar warn" if value >= 95 else "bar bad")
        parts.append(f'<rect x="{label_w}" y="{top + 3}" width="{width(value):.1f}" height="{row - 6}" '
                     f'class="{css}"><title>{escape(name)}: {escape(fmt.number(value, "%"))}</title></rect>')
        parts.append(f'<text x="{label_w + width(value) + 6:.1f}" y="{top + 15}" class="tick">'
                     f"{escape(fmt.number(value, '%'))}</text>")
    axis = TOP + row * len(items) + 16
    parts.append(f'<text x="{label_w}" y="{axis}" class="tick">{escape(fmt.number(floor, "%"))}</text>')
    parts.append(f'<text x="{label_w + plot_w}" y="{axis}" class="tick" text-anchor="end">100%</text>')
    parts.append("</svg>")
    return "".join(parts)
