"""Window time math and the ``[windows.NAME]`` config table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watchdog.config import from_document
from watchdog.errors import ConfigError
from watchdog.reports import windows
from watchdog.store.base import WindowState

H = 3600.0
START = datetime(2025, 10, 13, 7, 10, tzinfo=UTC).timestamp()


def window(written: tuple[float, ...] = (), closed: bool = False) -> WindowState:
    return WindowState("p38", "Phase 3.8", START, 24 * H, (6 * H, 12 * H, 18 * H, 24 * H), written, closed)


@pytest.mark.parametrize(
    ("hours", "written", "due"),
    [
        (5.9, (), []),
        (6.0, (), [6]),
        (13.0, (6 * H,), [12]),
        # the daemon was down from 5h to 19h: both missed checkpoints are written, oldest first
        (19.0, (), [6, 12, 18]),
        (30.0, (6 * H, 12 * H, 18 * H, 24 * H), []),
    ],
)
def test_due_checkpoints_include_the_missed_ones(hours: float, written: tuple[float, ...], due: list[int]) -> None:
    assert windows.due(window(written), START + hours * H) == [d * H for d in due]


def test_a_closed_window_has_nothing_due() -> None:
    assert windows.due(window(closed=True), START + 30 * H) == []


def test_segments_up_to_a_checkpoint() -> None:
    assert windows.segments(window(), 12 * H) == [(START, START + 6 * H), (START + 6 * H, START + 12 * H)]
    assert windows.segments(window(), 2 * H) == [(START, START + 2 * H)]


@pytest.mark.parametrize(
    ("after_hours", "expected"), [(0, 6), (6, 12), (17.5, 18), (24, None)]
)
def test_next_checkpoint(after_hours: float, expected: int | None) -> None:
    got = windows.next_checkpoint(window(), START + after_hours * H)
    assert got == (None if expected is None else expected * H)


def test_checkpoint_for_names_the_choices() -> None:
    assert windows.checkpoint_for(window(), "12h", START) == 12 * H
    assert windows.checkpoint_for(window(), None, START + 13 * H) == 12 * H
    assert windows.checkpoint_for(window(), None, START + 2 * H) == 2 * H  # interim, before the first
    with pytest.raises(ValueError, match=r"window 'p38' has no checkpoint '7h' \(its checkpoints: 6h, 12h, 18h, 24h\)"):
        windows.checkpoint_for(window(), "7h", START)


@pytest.mark.parametrize(
    ("offsets", "duration", "expected"),
    [((), 24 * H, (24 * H,)), ((12 * H, 6 * H, 6 * H), 24 * H, (6 * H, 12 * H, 24 * H))],
)
def test_checkpoints_are_sorted_and_end_with_the_window(offsets: tuple[float, ...], duration: float,
                                                         expected: tuple[float, ...]) -> None:
    assert windows.normalise_checkpoints(offsets, duration) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", START),
        ("-2h", START - 2 * H),
        ("90m ago", START - 1.5 * H),
        ("2025-10-13T08:34:41Z", datetime(2025, 10, 13, 8, 34, 41, tzinfo=UTC).timestamp()),
        ("2025-10-13 10:34:41+02:00", datetime(2025, 10, 13, 8, 34, 41, tzinfo=UTC).timestamp()),
        ("2025-10-13T08:34:41", datetime(2025, 10, 13, 8, 34, 41, tzinfo=UTC).timestamp()),
        ("05:00", datetime(2025, 10, 13, 5, 0, tzinfo=UTC).timestamp()),
    ],
)
def test_parse_time(text: str, expected: float) -> None:
    assert windows.parse_time(text, START) == expected


def test_parse_time_error() -> None:
    with pytest.raises(ValueError, match=r"invalid time 'tomorrow' \(use ISO-8601 like 2025-10-13T07:10:00Z"):
        windows.parse_time("tomorrow", START)


DOC = {
    "checks": {"health": {"type": "http", "url": "http://127.0.0.1:1/health"}},
    "channels": {"oncall": {"type": "console"}},
}


def load_window(table: dict[str, object]) -> object:
    return from_document({"checks": DOC["checks"], "windows": {"p38": table}}).windows["p38"]


def test_window_defaults() -> None:
    spec = load_window({"criteria": [{"expr": "alerts.critical == 0"}]})
    assert (spec.title, spec.start, spec.duration_s) == ("p38", None, 24 * H)  # type: ignore[attr-defined]
    assert spec.checkpoints_s == (6 * H, 12 * H, 18 * H, 24 * H)  # type: ignore[attr-defined]
    assert spec.criteria[0].name == "alerts.critical == 0"  # type: ignore[attr-defined]


def test_window_with_a_start_time_and_its_own_checkpoints() -> None:
    spec = load_window({"start": datetime(2025, 10, 13, 7, 10), "duration": "2h", "checkpoints": ["30m"]})
    assert spec.start == START  # type: ignore[attr-defined]
    assert spec.checkpoints_s == (1800.0, 7200.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"criteria": [{"expr": "alerts.critical == 0"}, {"expr": "x"}, {"expr": "helth.availability_pct > 9"}]},
         "windows.p38.criteria[1].expr: invalid criterion 'x'; write CHECK.METRIC.AGG OP NUMBER"),
        ({"criteria": [{"name": "a", "expr": "alerts.critical == 0"}, {"expr": "x"},
                       {"expr": "helth.availability_pct > 9"}][::2]},
         "windows.p38.criteria[1].expr: unknown check 'helth' in 'helth.availability_pct > 9' "
         "(known checks: health)"),
        ({"criteria": [{"nam": "a", "expr": "restarts == 0"}]}, "windows.p38.criteria[0].nam: unknown key"),
        ({"start": "yesterday"}, "windows.p38.start: invalid time 'yesterday'"),
        ({"duration": "0s"}, "windows.p38.duration: invalid duration '0s': must be more than zero"),
        ({"checkpoints": ["6h", "30h"]}, "windows.p38.checkpoints: checkpoint 30h is outside the window (0, 24h]"),
        ({"channels": ["pager"]}, "windows.p38.channels: unknown channel 'pager' (known channels: none configured)"),
    ],
)
def test_window_errors_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_window(table)
    assert str(err.value).startswith("watchdog.toml: " + message)


def test_daily_is_reserved() -> None:
    with pytest.raises(ConfigError, match="watchdog.toml: windows.daily: the name 'daily' is reserved"):
        from_document({"windows": {"daily": {}}})


def test_a_metric_no_check_produces_is_refused_when_the_loader_knows_the_metrics() -> None:
    from types import SimpleNamespace

    from watchdog.reports.config import validate_window

    ctx = SimpleNamespace(file="w.toml", document=DOC, metrics={"health": {"response_ms", "status_code"}})
    table = {"criteria": [{"expr": "health.response_ms.p95 < 500"}, {"expr": "health.reponse_ms.max < 9"}]}
    with pytest.raises(ConfigError) as err:
        validate_window("p38", table, ctx)
    assert str(err.value) == ("w.toml: windows.p38.criteria[1].expr: metric 'reponse_ms' is never produced by "
                              "check 'health' (known: response_ms, status_code)")
    del ctx.metrics  # a loader that does not say: no check, no error
    assert len(validate_window("p38", table, ctx).criteria) == 2
