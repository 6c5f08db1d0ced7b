"""The status page at ``/``: ``PageData`` as one server-rendered HTML page.

Plain HTML with inline CSS and SVG sparklines: no script, nothing loaded from
anywhere (the server's Content-Security-Policy forbids it), a meta refresh every
``PageData.refresh_s`` seconds. Checks are cards that reflow, so the page reads
at phone width with nothing cut off; incidents, silences and windows are boxes too.
Every text is escaped; links carry no token (the browser holds a cookie).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import quote

from watchdog.daemon.page_data import CheckRow, OpenIncident, PageData, SilenceRow, WindowRow
from watchdog.durations import format_duration
from watchdog.reports import fmt
from watchdog.status import Status, worst

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline;margin-bottom:12px}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:22px 0 8px}
.muted{color:#5b6577;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:10px 12px;min-width:0}
.card h3{font-size:15px;margin:0;display:flex;justify-content:space-between;gap:8px;align-items:center}
.card h3 span.name{overflow-wrap:anywhere}
.summary{margin:6px 0;font-size:13px;overflow-wrap:anywhere}
.uptime{display:flex;gap:14px;font-size:13px;font-variant-numeric:tabular-nums;flex-wrap:wrap}
.uptime b{font-weight:600}
.spark{display:flex;align-items:center;gap:8px;font-size:12px;color:#5b6577;margin-top:4px}
.spark svg{width:140px;height:26px;flex:none}.spark polyline{fill:none;stroke:#2f6fdb;stroke-width:1.5}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-weight:600;font-size:12px;white-space:nowrap}
.OK{background:#d9f2e1;color:#14622f}.WARNING{background:#fff0cc;color:#7a5200}
.CRITICAL{background:#fbdcdc;color:#8f1d1d}.UNKNOWN{background:#e8def8;color:#4a2a7a}.NONE{background:#eef0f4;color:#5b6577}
ul.rows{list-style:none;margin:0;padding:0}
ul.rows li{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:8px 12px;margin:0 0 6px;
display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;font-size:14px}
ul.rows li span{overflow-wrap:anywhere}
a{color:#2f5fb3}
footer{color:#5b6577;font-size:12px;margin-top:24px}
"""


def render(data: PageData) -> bytes:
    """The whole page, UTF-8."""
    states = [c.status for c in data.checks if c.status is not None]
    overall = worst(states) if states else None
    body = [_header(data, overall), _incidents(data.incidents, data.taken_at),
            "<h2>Checks</h2>", '<div class="cards">', *(_card(c) for c in data.checks), "</div>",
            _silences(data.silences), _windows(data.windows, data.taken_at),
            '<footer>watchdog · <a href="/reports/">reports</a> · <a href="/status">/status (JSON)</a> · '
            '<a href="/metrics">/metrics</a></footer>']
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{int(data.refresh_s)}">'
        f"<title>{escape(_title(overall))}</title><style>{CSS}</style></head><body><main>"
        + "".join(body) + "</main></body></html>\n"
    ).encode()


def _title(overall: Status | None) -> str:
    return f"{overall.name if overall else 'NO DATA'} · watchdog status"


def badge(status: Status | None) -> str:
    name = status.name if status is not None else "NONE"
    return f'<span class="badge {name}">{name if status is not None else "no result yet"}</span>'


def _header(data: PageData, overall: Status | None) -> str:
    daemon = "daemon healthy" if data.healthy else f"daemon unhealthy: {data.health}"
    return (f"<header><h1>watchdog status</h1>{badge(overall)}"
            f'<span class="muted">{escape(daemon)} · {len(data.checks)} checks · updated '
            f"{escape(time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(data.taken_at)))}, refreshes every {int(data.refresh_s)}s</span></header>")


def _card(c: CheckRow) -> str:
    uptime = "".join(f"<span>{escape(label)} <b>{escape(fmt.number(value, '%'))}</b></span>"
                     for label, value in c.uptime.items())
    last = f"last run {escape(_when(c.last_run))}" if c.last_run is not None else "not run yet"
    return (f'<div class="card" id="check-{escape(c.name)}"><h3><span class="name">{escape(c.name)}</span>'
            f"{badge(c.status)}</h3>"
            f'<p class="summary">{escape(c.summary)}</p><div class="uptime"><span class="muted">uptime</span>'
            f"{uptime}</div>{_spark_line(c)}"
            f'<div class="muted">{escape(c.kind)} · {last}</div></div>')


def _spark_line(c: CheckRow) -> str:
    if not c.metric or c.value is None:
        return ""
    value = fmt.number(c.value, fmt.unit_of(c.metric))
    line = sparkline(c.spark, title=f"{c.metric}, last hour") if len(c.spark) >= 2 else ""
    trend = " (last hour)" if line else ""
    return f'<div class="spark">{line}<span>{escape(c.metric)} {escape(value)}{trend}</span></div>'


def sparkline(values: Sequence[float], *, title: str, width: int = 140, height: int = 26) -> str:
    """An inline SVG line of ``values`` scaled between their min and max (flat when they are equal)."""
    points = [v for v in values if v == v] or [0.0]
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = width / max(len(points) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(points))
    return (f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img">'
            f"<title>{escape(title)}</title><polyline points=\"{coords}\"/></svg>")


def _incidents(incidents: Sequence[OpenIncident], now: float) -> str:
    if not incidents:
        return '<h2>Open incidents</h2><p class="muted">none</p>'
    rows = ([badge(i.level), f"<b>{escape(i.check)}</b>",
             f"since {escape(_when(i.started))} ({escape(format_duration(max(1.0, now - i.started)))})",
             escape(f"acknowledged by {i.acked_by}" if i.acked_by else "not acknowledged")] for i in incidents)
    return "<h2>Open incidents</h2>" + _rows(rows)


def _silences(silences: Sequence[SilenceRow]) -> str:
    if not silences:
        return ""
    rows = ([f"<b>{escape('every check' if s.check == '*' else s.check)}</b>", f"until {escape(_when(s.ends))}",
             escape(s.reason or "no reason given")] for s in silences)
    return "<h2>Silences</h2>" + _rows(rows)


def _windows(windows: Sequence[WindowRow], now: float) -> str:
    if not windows:
        return ""
    rows = []
    for w in windows:
        nxt = (f"next checkpoint {w.next_label} at {_when(w.next_at)} (in {format_duration(max(0.0, w.next_at - now))})"
               if w.next_label and w.next_at is not None else "every checkpoint written")
        latest = f'<a href="{escape(w.latest)}">latest report</a>' if w.latest else "no report yet"
        rows.append([f"<b>{escape(w.title)}</b>", f"{escape(_when(w.start))} to {escape(_when(w.end))}",
                     escape(nxt), latest])
    return "<h2>Monitoring windows</h2>" + _rows(rows)


def _rows(rows: Iterable[Sequence[str]]) -> str:
    """One box per item, its parts wrapping whole at phone width (parts are HTML, escaped by the caller)."""
    items = "".join("<li>" + "".join(f"<span>{part}</span>" for part in row) + "</li>" for row in rows)
    return f'<ul class="rows">{items}</ul>'


def reports_index(listing: Sequence[tuple[str, str, Sequence[str]]]) -> bytes:
    """``/reports/``: every written report (``reports.library.listing``), each format linked."""
    from watchdog.reports.files import FORMATS

    items = []
    for window, start, stems in listing:
        base = f"/reports/{quote(window)}/{quote(start)}"
        links = " · ".join(f"{escape(stem)}: " + " ".join(
            f'<a href="{escape(base)}/{escape(quote(stem))}.{k}">{k}</a>' for k in FORMATS) for stem in stems)
        items.append(f"<li><b>{escape(window)}</b> opened {escape(start)}<br>{links}</li>")
    body = "<ul>" + "".join(items) + "</ul>" if items else '<p class="muted">no report written yet</p>'
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>watchdog reports</title>'
            f"<style>{CSS}li{{margin:0 0 10px;overflow-wrap:anywhere}}</style></head><body><main>"
            f'<header><h1>Reports</h1><a href="/">status page</a></header>{body}</main></body></html>\n').encode()


def _when(ts: float | None) -> str:
    return "–" if ts is None else fmt.stamp(ts)
