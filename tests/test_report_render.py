"""Markdown, HTML and JSON carry the same figures; outside text is escaped everywhere."""

from __future__ import annotations

import json
import re

import pytest

from tests.report_history import H, INFOS, SPEC, START, fill, window
from watchdog.reports import render_html, render_json, render_md, svg
from watchdog.reports.build import build_checkpoint
from watchdog.reports.daily import build_daily
from watchdog.reports.model import CheckpointReport
from watchdog.store.base import Event
from watchdog.store.memory import MemoryStore

NASTY = 'deploy <script>alert("x")</script> | <img src=http://evil.example/x.png> & more'


@pytest.fixture(scope="module")
def final() -> CheckpointReport:
    store = fill(MemoryStore())
    store.add_event(Event("restart", START + 9 * H, "health", NASTY))
    return build_checkpoint(store, window(), INFOS, checkpoint_s=24 * H, now=START + 24 * H, spec=SPEC)


def test_markdown_reads_like_the_hand_written_reports(final: CheckpointReport) -> None:
    md = render_md.render_checkpoint(final)
    assert md.startswith("# Phase 3.8 Production Monitoring — 24h checkpoint (4 of 4)\n")
    for heading in ("## Verdict: ❌ NOT COMPLETE", "## Deployment and Restart Events", "## Summary Statistics",
                    "## Acceptance Criteria Status", "## Performance by Checkpoint Segment", "## Log Pattern Counts",
                    "## Memory Growth Analysis", "## What Changed Since the Last Checkpoint", "## Next Checkpoints",
                    "## Baseline (first results after the start)"):
        assert f"\n{heading}\n" in md
    assert "| Performance meets SLA (<500ms latency) | ✅ PASS | p95_ms max 450 ms over 1,440 results of " \
           "signal-latency (2025-10-13 07:10–2025-10-14 07:10 UTC) |" in md
    assert "| No critical errors in first 24 hours | ❌ FAIL |" in md
    assert "| health | response_ms | 6h–12h | 94.44% | 360 (20 not OK) | 150 ms | 2500 ms | 2500 ms | ↑ worse |" in md
    assert "| health | CRITICAL | 2025-10-13 14:10 UTC | 2025-10-13 14:30 UTC | 20m | response_ms = 2500 (> 2000) |" in md
    assert "| health | heap_used_mb | 80 MB | 91.99 MB | 80 MB | 91.99 MB | +0.5 MB/h | growing |" in md
    assert "**Monitoring Start**: 2025-10-13 07:10 UTC" in md
    assert "| health | 2025-10-13 07:10 UTC | OK | response_ms 100 ms, heap_used_mb 80 MB, status_code 200, " \
           "uptime_s 213 s | 200 OK |" in md
    assert "| signal-latency | log-latency | 1,440 | 0 | p95_ms | 450 ms | 280 ms | 📡 Broadcasting trade:executed " \
           "for user u1439 ⏎ 📡 Emitted signal quality to user u1439 for trade t1439 |" in md


def test_markdown_lists_the_checkpoints_to_come() -> None:
    r = build_checkpoint(fill(MemoryStore(), hours=12), window(), INFOS, checkpoint_s=12 * H, now=START + 12 * H,
                         spec=SPEC)
    md = render_md.render_checkpoint(r)
    assert "## Next Checkpoints\n\n- 18h checkpoint: 2025-10-14 01:10 UTC (next)\n" \
           "- 24h checkpoint: 2025-10-14 07:10 UTC\n" in md


def test_markdown_escapes_table_breakers(final: CheckpointReport) -> None:
    md = render_md.render_checkpoint(final)
    assert "- 2025-10-13 16:10 UTC — **restart** (health): deploy \\<script>" in md  # a list line, not a table
    assert render_md.literal("a|b\nc") == "a\\|b c"


def test_html_escapes_everything_and_loads_nothing(final: CheckpointReport) -> None:
    page = render_html.render_checkpoint(final)
    assert "<script>" not in page and "<img" not in page
    assert "deploy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | &lt;img src=http://evil.example/x.png&gt;" \
           " &amp; more" in page
    # nothing to fetch: no src/href attributes at all, a CSP that forbids loading, SVG inline
    assert not re.search(r"<[^>]*\s(src|href)=", page)
    assert "default-src 'none'" in page
    assert page.count("<svg") == 5  # three latency charts, the log check's, and the availability bars
    assert '<span class="badge FAIL">FAIL</span>' in page


def test_html_daily() -> None:
    r = build_daily(fill(MemoryStore()), INFOS, now=START + 20 * H, date="2025-10-13")
    page = render_html.render_daily(r)
    assert "<title>Daily Monitoring Report - 2025-10-13</title>" in page
    assert "<li>channel hook: 1 notification failed for good (last error: 404 no_service)</li>" in page


def test_json_has_the_same_figures(final: CheckpointReport) -> None:
    data = json.loads(render_json.render(final))
    assert data["format"] == "watchdog.checkpoint-report/1"
    assert data["verdict"]["outcome"] == "NOT COMPLETE"
    assert [c["status"] for c in data["criteria"]] == ["PASS", "FAIL", "PASS", "PASS", "FAIL"]  # the restart at 9h
    health = next(c for c in data["checks"] if c["check"] == "health")
    assert health["segments"][1]["p95"] == 2500.0 and health["segments"][1]["failures"] == 20
    assert data["summary"]["results"] == 5760


def test_json_daily_and_no_nan() -> None:
    store = MemoryStore()
    r = build_daily(store, INFOS, now=START, date="2025-10-13")
    data = json.loads(render_json.render(r))
    assert data["format"] == "watchdog.daily-report/1"
    assert data["title"] == "Daily Monitoring Report - 2025-10-13"
    assert data["checks"][0] == {"check": "health", "kind": "http", "results": 0, "ok": 0, "warning": 0,
                                 "critical": 0, "unknown": 0, "availability_pct": None, "metric": "response_ms",
                                 "unit": " ms", "avg": None, "max": None, "errors": 0}


@pytest.mark.parametrize(("span", "step"), [(0, 1.0), (1900, 500.0), (2.6, 1.0), (470, 200.0), (0.03, 0.01)])
def test_nice_step(span: float, step: float) -> None:
    assert svg.nice_step(span) == pytest.approx(step)


def test_bar_chart_escapes_names() -> None:
    chart = svg.bar_chart([("<b>x</b>", 99.0), ("empty", None)], title="A & B")
    assert "&lt;b&gt;x&lt;/b&gt;" in chart and "<title>A &amp; B</title>" in chart and "no results" in chart


@pytest.mark.parametrize("rendered_at_h", [6.0, 24.0])
def test_evidence_is_the_same_in_every_format_whenever_a_checkpoint_is_rendered(rendered_at_h: float) -> None:
    store = fill(MemoryStore())
    r = build_checkpoint(store, window(), INFOS, checkpoint_s=6 * H, now=START + rendered_at_h * H, spec=SPEC)
    line = "📡 Emitted signal quality to user u359 for trade t359"
    assert line in render_md.render_checkpoint(r)
    assert f"<code>{line}</code>" in render_html.render_checkpoint(r)
    logs = json.loads(render_json.render(r))["log_patterns"]
    assert logs[0]["evidence"][-1] == line


@pytest.mark.parametrize(("values", "limits", "top", "drawn"), [
    ([1.0, 1.2], [500.0, 2000.0], 1.5, []),  # a 1 ms line is not flattened by a 2000 ms threshold
    ([300.0, 450.0], [500.0], 600.0, [500.0]),  # a limit just above the data is drawn
    ([100.0, 2500.0], [500.0, 2000.0], 3000.0, [500.0, 2000.0]),  # the data crossed both
    ([], [500.0], 1.0, []),
])
def test_the_y_axis_fits_the_data_and_takes_in_only_limits_within_reach(
        values: list[float], limits: list[float], top: float, drawn: list[float]) -> None:
    y_max, _step, shown = svg.y_scale(values, limits)
    assert (y_max, shown) == (pytest.approx(top), drawn)


def test_a_limit_off_the_chart_is_named_and_incidents_are_shaded() -> None:
    chart = svg.line_chart([(0.0, 1.0), (60.0, 1.2)], 0.0, 120.0, title="health", unit=" ms", critical=2000.0,
                           shaded=[(30.0, 90.0)])
    assert ">critical 2000 ms: above the chart</text>" in chart
    assert 'class="limit' not in chart and chart.count('class="incident"') == 1
