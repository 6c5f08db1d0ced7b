"""Reports as one self-contained HTML page: inline CSS and SVG, no script, no external asset.

A Content-Security-Policy forbids loading anything, so the page renders the
same offline, from a mail attachment or a CI artifact. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from watchdog.durations import format_duration
from watchdog.reports import fmt, svg
from watchdog.reports.model import COMPLETE, CheckpointReport, CheckSection, DailyReport, Incident
from watchdog.reports.render_md import TREND, checkpoint_heading, metrics_text, segment_name
from watchdog.reports.windows import label

MAX_LINE_CHARTS = 8
MAX_BARS = 25
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.meta dt{color:#5b6577}
dl.meta dd{margin:0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #d8dce3;padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef0f4}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;white-space:nowrap}
.PASS{background:#d9f2e1;color:#14622f}.FAIL{background:#fbdcdc;color:#8f1d1d}
.MONITORING{background:#fff0cc;color:#7a5200}
.verdict{padding:14px 18px;border-radius:6px;margin:16px 0;font-size:16px}
.verdict.ok{background:#d9f2e1;border:1px solid #7cc493}.verdict.bad{background:#fbdcdc;border:1px solid #e08b8b}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:10px}
.tile b{display:block;font-size:22px}.tile span{color:#5b6577;font-size:12px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #d8dce3;border-radius:6px;margin:6px 0 14px}
.grid{stroke:#e6e8ee}.mark{stroke:#9aa3b5;stroke-dasharray:3 3}.series{fill:none;stroke:#2f6fdb;stroke-width:1.6}
.limit{stroke-width:1.4;stroke-dasharray:6 4}.limit.warning{stroke:#d98a00}.limit.critical{stroke:#c62828}
.tick{font-size:11px;fill:#5b6577}.tick.warning{fill:#d98a00}.tick.critical{fill:#c62828}
.incident{fill:#c62828;fill-opacity:.12}.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:0 0 4px}
.bar.ok{fill:#3aa35c}.bar.warn{fill:#e0a100}.bar.bad{fill:#c62828}
.worse{color:#8f1d1d}.better{color:#14622f}footer{color:#5b6577;font-size:12px;margin-top:32px}
"""


def _page(title: str, body: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        + "".join(body) + "<footer>Written by watchdog from its stored results.</footer></main></body></html>\n"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """Cells are escaped here unless they are ``Html``."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            text = c if isinstance(c, Html) else escape(str(c))
            cells.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    # a table wider than a phone scrolls inside its box: the page itself never scrolls sideways
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


class Html(str):
    """A fragment already written as HTML (a badge); every other cell is escaped."""


def _html(fragment: str) -> Html:
    return Html(fragment)


def _section(ident: str, title: str, *content: str) -> str:
    return f'<section id="{ident}"><h2>{escape(title)}</h2>{"".join(content)}</section>'


def _empty(text: str) -> str:
    return f"<p><em>{escape(text)}</em></p>"


def render_checkpoint(r: CheckpointReport) -> str:
    status = {"Ended": "Window ended", "Closed": "Closed early"}.get(r.status, "Active monitoring")
    meta = [("Window", r.window), ("Monitoring start", fmt.stamp(r.start)),
            ("Duration", f"{label(r.end - r.start)} (until {fmt.stamp(r.end)})"),
            ("Checkpoint", f"{r.label} — {fmt.stamp(r.at)}"), ("Status", status),
            ("Generated", fmt.stamp(r.generated))]
    body = [f"<header><h1>{escape(checkpoint_heading(r))}</h1><dl class=\"meta\">"
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta) + "</dl></header>"]
    if r.verdict is not None:
        body.append(_verdict(r))
    body.append(_section("events", "Deployment and restart events", _events(r.events)))
    body.append(_section("baseline", "Baseline (first results after the start)", _baseline(r)))
    body.append(_section("summary", "Summary statistics", _tiles(r), "<h3>Incidents</h3>", _incidents(r.incidents)))
    body.append(_section("criteria", "Acceptance criteria", _criteria(r)))
    body.append(_section("charts", "Charts", *_charts(r)))
    body.append(_section("checks", "Performance by checkpoint segment", _checks(r)))
    body.append(_section("logs", "Log pattern counts", _logs(r)))
    body.append(_section("memory", "Memory growth analysis", _memory(r)))
    body.append(_section("changes", "What changed since the last checkpoint",
                         "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in r.changes) + "</ul>"))
    upcoming = "".join(f"<li>{escape(label)} checkpoint: {escape(fmt.stamp(ts))}</li>" for label, ts in r.upcoming)
    body.append(_section("next", "Next checkpoints", f"<ul>{upcoming}</ul>" if upcoming
                         else "<p>None: this is the last checkpoint of the window.</p>"))
    body += [f"<p><em>{escape(n)}</em></p>" for n in r.notes]
    return _page(checkpoint_heading(r), body)


def _verdict(r: CheckpointReport) -> str:
    assert r.verdict is not None
    if r.verdict.outcome == COMPLETE:
        return (f'<section id="verdict" class="verdict ok"><strong>Verdict: COMPLETE</strong> — every acceptance '
                f"criterion passed: {escape(r.title)} complete.</section>")
    items = "".join(f"<li>{escape(f)}</li>" for f in r.verdict.failing)
    return (f'<section id="verdict" class="verdict bad"><strong>Verdict: NOT COMPLETE</strong> — criteria that '
            f"did not pass:<ul>{items}</ul></section>")


def _events(events: Sequence[object]) -> str:
    if not events:
        return _empty("No deploy or restart seen in the window.")
    return _table(["Time", "Event", "Check", "Details"], (
        (fmt.stamp(e.ts), e.kind, e.check or "", e.message) for e in events))  # type: ignore[attr-defined]


def _tiles(r: CheckpointReport) -> str:
    s = r.summary
    tiles = [("Checks reporting", s.checks), ("Results", s.results), ("Failures (not OK)", s.failures),
             ("Alerts fired", s.alerts), ("Incidents", s.incidents), ("Notifications sent", s.notifications_sent),
             ("Notifications failed", s.notifications_failed), ("Notifications pending", s.notifications_pending),
             ("Restarts after start", s.restarts)]
    return '<div class="tiles">' + "".join(
        f'<div class="tile"><b>{n:,}</b><span>{escape(name)}</span></div>' for name, n in tiles) + "</div>"


def _incidents(incidents: Sequence[Incident]) -> str:
    if not incidents:
        return _empty("No incidents.")
    return _table(["Check", "Severity", "Start", "End", "Duration", "Summary"], (
        (i.check, i.severity, fmt.stamp(i.start), fmt.stamp(i.end) if i.end else "still firing",
         format_duration(i.duration_s), i.summary) for i in incidents))


def _criteria(r: CheckpointReport) -> str:
    if not r.criteria:
        return _empty("No acceptance criteria are configured for this window.")
    return _table(["Criterion", "Expression", "Status", "Evidence"], (
        (c.name, c.expr, _html(f"<span class=\"badge {c.status}\">{c.status}</span>"), c.evidence)
        for c in r.criteria))


def _charted(r: CheckpointReport) -> list[CheckSection]:
    """Latency-like checks and the log checks: those named by a criterion first, then the closest
    to their limit."""
    named = {s.check for s in r.checks for c in r.criteria if c.expr.startswith(s.check + ".")}
    candidates = [s for s in r.checks if s.chart and (s.unit == " ms" or s.kind.startswith("log-"))]

    def closeness(s: CheckSection) -> float:
        limit = s.warning or s.critical
        return (s.total.p95 or 0.0) / limit if limit else 0.0

    candidates.sort(key=lambda s: (s.check not in named, -closeness(s), s.check))
    return candidates[:MAX_LINE_CHARTS]


def _charts(r: CheckpointReport) -> list[str]:
    marks = [(r.start + off, f"+{label(off)}") for off in _offsets(r)]
    out = []
    for s in _charted(r):
        title = f"{s.check}: {s.metric} (highest per {format_duration((r.at - r.start) / 96)})"
        shaded = [(i.start, i.end or r.at) for i in r.incidents if i.check == s.check]
        out.append(f"<h3>{escape(title)}</h3>")
        out.append(svg.line_chart(s.chart, r.start, r.at, title=title, unit=s.unit, warning=s.warning,
                                  critical=s.critical, marks=marks, shaded=shaded))
    if not out:
        out.append(_empty("No latency or log figures to chart."))
    ranked = sorted(r.checks, key=lambda s: (s.total.availability_pct or 0.0, s.check))[:MAX_BARS]
    more = f" (the lowest {len(ranked)} of {len(r.checks)})" if len(r.checks) > len(ranked) else ""
    out.append(f"<h3>Availability per check{escape(more)}</h3>")
    out.append(svg.bar_chart([(s.check, s.total.availability_pct) for s in ranked], title="Availability per check"))
    return out


def _offsets(r: CheckpointReport) -> list[float]:
    return sorted({seg.until - r.start for s in r.checks[:1] for seg in s.segments})


def _checks(r: CheckpointReport) -> str:
    if not r.checks:
        return _empty("No results in the window.")
    rows = []
    for s in r.checks:
        for seg in s.segments:
            trend = _html(f'<span class="{seg.trend}">{escape(TREND[seg.trend])}</span>')
            rows.append((s.check, s.metric or "–", segment_name(r, seg), fmt.number(seg.availability_pct, "%"),
                         f"{seg.results:,}", f"{seg.failures:,}", fmt.number(seg.p50, s.unit),
                         fmt.number(seg.p95, s.unit), fmt.number(seg.p99, s.unit), trend))
    return _table(["Check", "Metric", "Segment", "Availability", "Results", "Not OK", "p50", "p95", "p99", "Trend"],
                  rows, numeric=(3, 4, 5, 6, 7, 8))


def _logs(r: CheckpointReport) -> str:
    if not r.log_patterns:
        return _empty("No log checks reported in the window.")
    return _table(["Check", "Kind", "Results", "Breaches", "Metric", "Peak", "Last", "Latest evidence"], (
        (p.check, p.kind, f"{p.results:,}", f"{p.breaches:,}", p.metric or "–", fmt.number(p.peak, p.unit),
         fmt.number(p.last, p.unit), _html("<br>".join(f"<code>{escape(e)}</code>" for e in p.evidence) or "–"))
        for p in r.log_patterns), numeric=(2, 3, 5, 6))


def _baseline(r: CheckpointReport) -> str:
    if not r.baseline:
        return _empty("No result in the window's first minutes.")
    return _table(["Check", "Time", "Status", "Metrics", "Summary"], (
        (b.check, fmt.stamp(b.ts), b.status, metrics_text(b.metrics), b.summary) for b in r.baseline))


def _memory(r: CheckpointReport) -> str:
    if not r.memory:
        return _empty("No memory metrics captured (e.g. heap_used_mb from the health endpoint).")
    return _table(["Check", "Metric", "First", "Last", "Min", "Max", "Growth", "Assessment"], (
        (m.check, m.metric, fmt.number(m.first, m.unit), fmt.number(m.last, m.unit), fmt.number(m.min, m.unit),
         fmt.number(m.max, m.unit), fmt.number(m.growth_per_h, f"{m.unit}/h", signed=True), m.assessment)
        for m in r.memory), numeric=(2, 3, 4, 5, 6))


def render_daily(r: DailyReport) -> str:
    s = r.summary
    body = [f"<header><h1>{escape(r.title)}</h1><dl class=\"meta\"><dt>Period</dt><dd>"
            f"{escape(fmt.stamp(r.since))} – {escape(fmt.stamp(r.until))}</dd><dt>Generated</dt>"
            f"<dd>{escape(fmt.stamp(r.generated))}</dd></dl></header>"]
    availability = _table(
        ["Check", "Availability", "Results", "Errors", "Warning", "Critical", "Unknown", "Metric", "Avg", "Max"],
        ((c.check, fmt.number(c.availability_pct, "%"), f"{c.results:,}", f"{c.errors:,}", f"{c.warning:,}",
          f"{c.critical:,}", f"{c.unknown:,}", c.metric or "–", fmt.number(c.avg, c.unit), fmt.number(c.max, c.unit))
         for c in r.checks), numeric=(1, 2, 3, 4, 5, 6, 8, 9)) if r.checks else _empty("No checks.")
    body.append(_section("availability", "Availability", availability,
                         svg.bar_chart([(c.check, c.availability_pct) for c in r.checks[:MAX_BARS]],
                                       title="Availability per check")))
    body.append(_section("errors", "System errors", f"<p>{s.failures:,} of {s.results:,} results were not OK; "
                         f"notifications sent {s.notifications_sent:,}, failed {s.notifications_failed:,}, "
                         f"pending {s.notifications_pending:,}.</p>"))
    body.append(_section("incidents", "Alerts fired", _incidents(r.incidents)))
    body.append(_section("events", "Issues encountered", _events(r.events)))
    items = "".join(f"<li>{escape(a)}</li>" for a in r.action_items) or "<li>None.</li>"
    body.append(_section("actions", "Action items", f"<ul>{items}</ul>"))
    return _page(r.title, body)
