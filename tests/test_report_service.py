"""What the daemon calls: windows opened on a deploy, due checkpoints written (also missed ones),
summaries queued for the window's channels."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.report_history import H, INFOS, SPEC, START, fill
from watchdog.errors import UsageError
from watchdog.redact import Redactor
from watchdog.reports import checkpoints, opening, posts
from watchdog.reports.context import ReportContext
from watchdog.store.base import Event
from watchdog.store.memory import MemoryStore


def context(tmp_path: Path, **changes: object) -> ReportContext:
    base = ReportContext(specs={SPEC.name: SPEC}, infos=INFOS, reports_dir=tmp_path / "reports",
                         redactor=Redactor(["s3cr3t-token"]), default_channels=("fallback",))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_deploy_opens_the_window_once(tmp_path: Path) -> None:
    store, ctx = MemoryStore(), context(tmp_path)
    [opened] = opening.open_on_deploy(store, ctx, at=START, reason="uptime_s went down", check="health")
    assert (opened.name, opened.start, opened.checkpoints_s, opened.data["opened_by"]) == (
        "phase-3-8", START, (6 * H, 12 * H, 18 * H, 24 * H), "deploy")
    # the same deploy seen by another check a minute later: not a second window
    assert opening.open_on_deploy(store, ctx, at=START + 60, reason="version changed", check="api") == []
    # the next deploy starts the watch again
    [again] = opening.open_on_deploy(store, ctx, at=START + 3 * H, reason="uptime_s went down")
    assert [w.start for w in store.windows()] == [again.start] == [START + 3 * H]
    assert [e.message for e in store.events(0, START + 4 * H, ["window.opened"])] == [
        "window phase-3-8 opened by deploy: health: uptime_s went down",
        "window phase-3-8 opened by deploy: uptime_s went down",
    ]


def test_configured_windows_with_a_fixed_start(tmp_path: Path) -> None:
    fixed = replace(SPEC, name="launch", start=START)
    store, ctx = MemoryStore(), context(tmp_path, specs={"launch": fixed, SPEC.name: SPEC})
    assert [w.name for w in opening.open_configured_windows(store, ctx, now=START + H)] == ["launch"]
    assert opening.open_configured_windows(store, ctx, now=START + 2 * H) == []  # already known
    over = MemoryStore()
    assert opening.open_configured_windows(over, ctx, now=START + 25 * H) == []  # already over


def test_missed_checkpoints_are_written_late_then_the_last_one_closes_the_window(tmp_path: Path) -> None:
    store, ctx = fill(MemoryStore()), context(tmp_path)
    store.add_event(Event("restart", START + 16 * H, "health", "token s3cr3t-token leaked in a log line"))
    done = checkpoints.write_due_checkpoints(store, ctx, now=START + 19 * H)  # the daemon was down until 19h
    assert [d.report.label for d in done] == ["6h", "12h", "18h"]
    folder = tmp_path / "reports" / "phase-3-8" / "20251013T071030Z"
    assert sorted(p.name for p in folder.iterdir()) == [
        "12h.html", "12h.json", "12h.md", "18h.html", "18h.json", "18h.md", "6h.html", "6h.json", "6h.md"]
    assert json.loads((folder / "12h.json").read_text())["summary"]["incidents"] == 1
    md = (folder / "18h.md").read_text()
    assert "token *** leaked" in md and "s3cr3t" not in md  # through the config's redactor
    [window] = store.windows()
    assert (window.written, window.closed) == ((6 * H, 12 * H, 18 * H), False)
    assert checkpoints.write_due_checkpoints(store, ctx, now=START + 20 * H) == []

    [last] = checkpoints.write_due_checkpoints(store, ctx, now=START + 24 * H + 5)
    assert (last.report.label, last.report.verdict.outcome) == ("24h", "NOT COMPLETE")  # type: ignore[union-attr]
    assert store.windows() == [] and store.windows(include_closed=True)[0].closed
    written = store.events(0, START + 25 * H, ["checkpoint.written"])
    assert [e.data["checkpoint"] for e in written] == ["6h", "12h", "18h", "24h"]


def test_close_window(tmp_path: Path) -> None:
    store, ctx = MemoryStore(), context(tmp_path)
    opening.open_window(store, "w1", start=START, duration_s=2 * H)
    assert opening.close_window(store, "w1", now=START + 60).closed
    assert checkpoints.write_due_checkpoints(store, ctx, now=START + 3 * H) == []
    with pytest.raises(UsageError, match=r"no open window 'w1' \(open windows: none\)"):
        opening.close_window(store, "w1", now=START + 120)


@pytest.mark.parametrize(
    ("duration", "checkpoints"),
    [(None, (6 * H, 12 * H, 18 * H, 24 * H)), (2 * H, (1800.0, 3600.0, 5400.0, 7200.0)),
     (14 * H, (6 * H, 12 * H, 14 * H))],
)
def test_open_window_with_another_duration(duration: float | None, checkpoints: tuple[float, ...]) -> None:
    window = opening.open_window(MemoryStore(), SPEC.name, start=START, spec=SPEC, duration_s=duration)
    assert window.checkpoints_s == checkpoints


def test_the_summary_goes_to_the_windows_channels_once(tmp_path: Path) -> None:
    store, ctx = fill(MemoryStore()), context(tmp_path)
    [written] = checkpoints.write_due_checkpoints(store, replace(ctx, specs={SPEC.name: SPEC}),
                                              now=START + 6 * H + 5)
    first = posts.post_checkpoint(store, written, ctx, now=START + 6 * H + 6)
    assert len(first) == 1 and posts.post_checkpoint(store, written, ctx, now=START + 6 * H + 7) == []
    [note] = [n for n in store.notifications(START, START + 7 * H) if n.event == "checkpoint"]
    assert (note.channel, note.check, note.severity.name) == ("oncall", "phase-3-8", "OK")
    payload = note.payload
    assert payload["title"] == "Phase 3.8 Production Monitoring — 6h checkpoint (1 of 4)"
    assert payload["summary"] == "1,440 results, 0 not OK, 0 incidents, 0 alerts. Next: 12h checkpoint."
    assert payload["evidence"][1] == "⏳ MONITORING No critical errors in first 24 hours — 0 critical alerts " \
                                     "(07:10–13:10 UTC)"
    assert payload["note"] == ("report: reports/phase-3-8/20251013T071030Z/6h.html in the state directory "
                               "(served at /reports/ by the daemon)")  # no file path of the server


def test_with_a_public_url_the_summary_links_the_served_report(tmp_path: Path) -> None:
    store, ctx = fill(MemoryStore()), context(tmp_path, public_url="https://watchdog.example.com")
    [written] = checkpoints.write_due_checkpoints(store, ctx, now=START + 6 * H + 5)
    posts.post_checkpoint(store, written, ctx, now=START + 6 * H + 6)
    [note] = [n for n in store.notifications(START, START + 7 * H) if n.event == "checkpoint"]
    assert note.payload["note"] == "report: https://watchdog.example.com/reports/phase-3-8/20251013T071030Z/6h.html"


def test_a_failing_checkpoint_is_sent_as_critical(tmp_path: Path) -> None:
    store, ctx = fill(MemoryStore()), context(tmp_path)
    done = checkpoints.write_due_checkpoints(store, ctx, now=START + 12 * H)
    notes = posts.checkpoint_notifications(done[-1].report, ["a", "b"], now=START + 12 * H)
    assert [(n.channel, n.severity.name) for n in notes] == [("a", "CRITICAL"), ("b", "CRITICAL")]
    assert notes[0].id != notes[1].id


def test_daily_notification(tmp_path: Path) -> None:
    from watchdog.reports.daily import build_daily

    report = build_daily(fill(MemoryStore()), INFOS, now=START + 20 * H, date="2025-10-13")
    [note] = posts.daily_notifications(report, ["oncall"], now=START + 20 * H)
    assert note.payload["title"] == "Daily Monitoring Report - 2025-10-13"
    assert note.payload["summary"] == "4,040 results, 40 not OK, 1 incident; 1 open action item."
    assert note.payload["evidence"][:2] == ["channel hook: 1 notification failed for good (last error: 404 no_service)",
                                            "health: 98.02% available, 20 not OK"]
