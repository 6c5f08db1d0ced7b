import pytest

from watchdog.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("1d", 86400), ("1h30m", 5400),
     ("2.5s", 2.5), ("0", 0), (10, 10), (0.25, 0.25), (" 5m ", 300), ("1w", 604800), ("90", 90)],
)
def test_parses_durations_people_write(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["fast", "", "5 minutes", "m5", "-1s", "1h-5m", True, -3, "5mm"])
def test_rejects_anything_else_with_a_hint(text):
    with pytest.raises(ValueError, match="use 500ms, 30s, 5m, 1h|must not be negative"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.85, "850ms"), (2.5, "2.5s"), (42, "42s"), (300, "5m"), (5400, "1h30m"), (183600, "2d3h"), (3600, "1h")],
)
def test_formats_short_human_durations(seconds, text):
    assert format_duration(seconds) == text
