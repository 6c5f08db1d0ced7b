"""Reports as Markdown, laid out like the checkpoint reports the team wrote by hand.

Every text that came from the config or a target (window titles, check and
criterion names, summaries, evidence, event messages) goes through ``literal``:
one line, shown as written. A ``|`` cannot break a table row, and ``*``, ``_``,
backticks, ``[``, ``<`` cannot make emphasis, code, links or HTML. Markup that
is harmless where it stands is left as it is, so the file stays readable:
``response_ms`` (an underscore inside a word emphasizes nothing), ``(> 100)``
(only a ``>`` opening a line quotes) and ``<500ms`` (no tag starts with a digit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from watchdog.durations import format_duration
from watchdog.reports import fmt
from watchdog.reports.model import (
    COMPLETE, CheckpointReport, DailyReport, EventLine, Incident, MemoryGrowth, Segment, Summary,
)
from watchdog.reports.windows import label

BADGE = {"PASS": "✅ PASS", "FAIL": "❌ FAIL", "MONITORING": "⏳ MONITORING"}
TREND = {"better": "↓ better", "worse": "↑ worse", "steady": "→ steady", "": "–"}


#: always markup: backslash, table pipe, emphasis, code, link brackets, strikethrough
_ALWAYS = re.compile(r"([\\|*`\[\]~])")
#: markup only in some places: ``_`` at a word's edge, ``<`` opening a tag or an
#: autolink, ``&`` opening an entity
_WHERE_IT_COUNTS = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|<(?=[A-Za-z/!?])|&(?=[A-Za-z#])")
#: markup only at the start of a line: quote, heading, list item (these three before a space)
_LINE_START = re.compile(r"^(\s*)(?:(>)|(#{1,6}|[+-])(?=\s|$)|(\d{1,9})([.)])(?=\s|$))")


def literal(text: object) -> str:
    """Markdown that shows ``text`` as written, on one line (also a safe table cell)."""
    one_line = str(text).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    escaped = _WHERE_IT_COUNTS.sub(lambda m: "\\" + m.group(0), _ALWAYS.sub(r"\\\1", one_line))
    return _LINE_START.sub(_escape_line_start, escaped, count=1)


def _escape_line_start(m: re.Match[str]) -> str:
    indent, quote, marker, digits, dot = m.groups()
    if digits:
        return f"{indent}{digits}\\{dot}"
    return f"{indent}\\{quote or marker}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(literal(c) for c in row) + " |" for row in rows]
    return lines


def checkpoint_heading(r: CheckpointReport) -> str:
    which = f"{r.label} checkpoint ({r.index} of {r.count})" if r.index else f"interim report at {r.label}"
    return f"{r.title} — {which}"


def render_checkpoint(r: CheckpointReport) -> str:
    out = [f"# {literal(checkpoint_heading(r))}", ""]
    status = {"Ended": "🏁 Window ended", "Closed": "⏹ Closed early"}.get(r.status, "⏳ Active monitoring")
    out += [
        f"**Window**: {literal(r.window)}  ",
        f"**Monitoring Start**: {fmt.stamp(r.start)}  ",
        f"**Monitoring Duration**: {label(r.end - r.start)} (until {fmt.stamp(r.end)})  ",
        f"**Checkpoint**: {literal(r.label)} — {fmt.stamp(r.at)}  ",
        f"**Status**: {status}  ",
        f"**Generated**: {fmt.stamp(r.generated)}", "", "---", "",
    ]
    if r.verdict is not None:
        out += _verdict(r)
    out += ["## Deployment and Restart Events", ""] + _events(r.events) + [""]
    out += ["## Baseline (first results after the start)", ""] + _baseline(r) + [""]
    out += ["## Summary Statistics", ""] + _summary(r.summary) + [""]
    out += ["### Incidents", ""] + _incidents(r.incidents) + [""]
    out += ["## Acceptance Criteria Status", ""]
    out += table(["Criterion", "Status", "Evidence"], ((c.name, BADGE[c.status], c.evidence) for c in r.criteria)) \
        if r.criteria else ["_No acceptance criteria are configured for this window._"]
    out += ["", "## Performance by Checkpoint Segment", ""] + _checks(r) + [""]
    out += ["## Log Pattern Counts", ""] + _logs(r) + [""]
    out += ["## Memory Growth Analysis", ""] + _memory(r.memory) + [""]
    out += ["## What Changed Since the Last Checkpoint", ""] + [f"- {literal(c)}" for c in r.changes] + [""]
    out += ["## Next Checkpoints", ""] + _next(r) + [""]
    out += [f"> {literal(n)}" for n in r.notes]
    return "\n".join(out).rstrip() + "\n"


def _verdict(r: CheckpointReport) -> list[str]:
    assert r.verdict is not None
    if r.verdict.outcome == COMPLETE:
        return ["## Verdict: ✅ COMPLETE", "",
                f"All acceptance criteria passed: **{literal(r.title)} COMPLETE**.", ""]
    lines = ["## Verdict: ❌ NOT COMPLETE", "", "Criteria that did not pass:", ""]
    return lines + [f"- {literal(f)}" for f in r.verdict.failing] + [""]


def _events(events: Sequence[EventLine]) -> list[str]:
    if not events:
        return ["_No deploy or restart seen in the window._"]
    return [f"- {fmt.stamp(e.ts)} — **{literal(e.kind)}**" + (f" ({literal(e.check)})" if e.check else "")
            + (f": {literal(e.message)}" if e.message else "") for e in events]


def _summary(s: Summary) -> list[str]:
    return table(["Figure", "Value"], [
        ("Checks reporting", fmt.count(s.checks)),
        ("Results", fmt.count(s.results)),
        ("Failures (results not OK)", fmt.count(s.failures)),
        ("Alerts fired", fmt.count(s.alerts)),
        ("Incidents", fmt.count(s.incidents)),
        ("Notifications sent / failed / pending",
         f"{s.notifications_sent:,} / {s.notifications_failed:,} / {s.notifications_pending:,}"),
        ("Restarts and deploys after the start", fmt.count(s.restarts)),
    ])


def _incidents(incidents: Sequence[Incident]) -> list[str]:
    if not incidents:
        return ["_No incidents._"]
    return table(["Check", "Severity", "Start", "End", "Duration", "Summary"], (
        (i.check, i.severity, fmt.stamp(i.start), fmt.stamp(i.end) if i.end else "still firing",
         format_duration(i.duration_s), i.summary) for i in incidents))


def segment_name(r: CheckpointReport, seg: Segment) -> str:
    """``6h–12h``: a segment by its offsets from the window's start."""
    return f"{label(seg.since - r.start) if seg.since > r.start else '0h'}–{label(seg.until - r.start)}"


def _checks(r: CheckpointReport) -> list[str]:
    if not r.checks:
        return ["_No results in the window._"]
    rows = []
    for s in r.checks:
        for seg in (*s.segments, s.total) if len(s.segments) > 1 else s.segments:
            name = "whole window" if seg is s.total else segment_name(r, seg)
            rows.append((s.check, s.metric or "–", name, fmt.number(seg.availability_pct, "%"),
                         f"{seg.results:,} ({seg.failures:,} not OK)", fmt.number(seg.p50, s.unit),
                         fmt.number(seg.p95, s.unit), fmt.number(seg.p99, s.unit),
                         "" if seg is s.total else TREND[seg.trend]))
    return table(["Check", "Metric", "Segment", "Availability", "Results", "p50", "p95", "p99", "Trend"], rows)


def _logs(r: CheckpointReport) -> list[str]:
    if not r.log_patterns:
        return ["_No log checks reported in the window._"]
    return table(["Check", "Kind", "Results", "Breaches", "Metric", "Peak", "Last", "Latest evidence"], (
        (p.check, p.kind, fmt.count(p.results), fmt.count(p.breaches), p.metric or "–",
         fmt.number(p.peak, p.unit), fmt.number(p.last, p.unit), " ⏎ ".join(p.evidence) or "–")
        for p in r.log_patterns))


def _memory(memory: Sequence[MemoryGrowth]) -> list[str]:
    if not memory:
        return ["_No memory metrics captured (e.g. `heap_used_mb` from the health endpoint)._"]
    return table(["Check", "Metric", "First", "Last", "Min", "Max", "Growth", "Assessment"], (
        (m.check, m.metric, fmt.number(m.first, m.unit), fmt.number(m.last, m.unit), fmt.number(m.min, m.unit),
         fmt.number(m.max, m.unit), fmt.number(m.growth_per_h, f"{m.unit}/h", signed=True), m.assessment)
        for m in memory))


def _next(r: CheckpointReport) -> list[str]:
    if not r.upcoming:
        return ["None: this is the last checkpoint of the window."]
    return [f"- {label} checkpoint: {fmt.stamp(ts)}" + (" (next)" if i == 0 else "")
            for i, (label, ts) in enumerate(r.upcoming)]


def metrics_text(metrics: Sequence[tuple[str, float]]) -> str:
    """``response_ms 100 ms, uptime_s 213 s``."""
    return ", ".join(f"{name} {fmt.number(value, fmt.unit_of(name))}" for name, value in metrics)


def _baseline(r: CheckpointReport) -> list[str]:
    if not r.baseline:
        return ["_No result in the window's first minutes._"]
    return table(["Check", "Time", "Status", "Metrics", "Summary"], (
        (b.check, fmt.stamp(b.ts), b.status, metrics_text(b.metrics), b.summary) for b in r.baseline))


def render_daily(r: DailyReport) -> str:
    out = [f"## {literal(r.title)}", "", f"Period: {fmt.stamp(r.since)} – {fmt.stamp(r.until)}  ",
           f"Generated: {fmt.stamp(r.generated)}", "", "### Availability", ""]
    out += table(["Check", "Availability", "Results", "Errors", "Warning / Critical / Unknown", "Metric", "Avg",
                  "Max"], ((c.check, fmt.number(c.availability_pct, "%"), fmt.count(c.results), fmt.count(c.errors),
                            f"{c.warning:,} / {c.critical:,} / {c.unknown:,}", c.metric or "–",
                            fmt.number(c.avg, c.unit), fmt.number(c.max, c.unit)) for c in r.checks)) \
        if r.checks else ["_No checks._"]
    s = r.summary
    out += ["", "### System Errors", "", f"- Results not OK: {s.failures:,} of {s.results:,}"]
    out += [f"- {literal(c.check)}: {c.errors:,}" for c in r.checks if c.errors]
    out += [f"- Notifications sent / failed / pending: {s.notifications_sent:,} / {s.notifications_failed:,} / "
            f"{s.notifications_pending:,}", "", "### Alerts Fired", ""] + _incidents(r.incidents)
    out += ["", "### Issues Encountered", ""] + _events(r.events)
    out += ["", "### Action Items", ""] + ([f"- [ ] {literal(a)}" for a in r.action_items] or ["- None."])
    return "\n".join(out).rstrip() + "\n"
