"""Line framing, caps, ANSI, CRLF, bad bytes and line times (watchdog/logs/lines.py)."""

from __future__ import annotations

import pytest

from watchdog.logs.lines import LineClock, LineFramer, json_field, line_at, parse_time, split_lines, strip_ansi


def frame(chunks: list[bytes], cap: int = 64 * 1024) -> list[str]:
    framer = LineFramer(cap)
    block = b"".join(framer.feed(c) for c in chunks) + framer.flush()
    return split_lines(block, cap)


@pytest.mark.parametrize(
    "chunks, lines",
    [
        ([b"a\nb\n"], ["a", "b"]),
        ([b"a", b"b\nc", b"\n"], ["ab", "c"]),
        ([b"no newline at end"], ["no newline at end"]),
        ([b"crlf\r\n", b"x\r\n"], ["crlf", "x"]),
        ([b"\n\n"], ["", ""]),
        ([b"bad \xff\xfe bytes\n"], ["bad \ufffd\ufffd bytes"]),
        ([b"\xe2\x9d", b"\x8c split emoji\n"], ["\u274c split emoji"]),
        ([b"\x1b[31mERROR\x1b[0m failed\n"], ["ERROR failed"]),
        ([b"\x1b]0;title\x07text\n"], ["text"]),
        ([b"\x00\x01binary\x02\n"], ["\x00\x01binary\x02"]),
    ],
)
def test_framing(chunks: list[bytes], lines: list[str]) -> None:
    assert frame(chunks) == lines


def test_unterminated_line_past_the_cap_is_cut_and_the_next_line_starts_clean() -> None:
    chunks = [b"x" * 700, b"y" * 700, b"z" * 700 + b"\nnext\n"]
    assert frame(chunks, cap=1000) == ["x" * 700 + "y" * 300, "next"]


def test_ten_megabyte_line_costs_one_cut_line_and_keeps_sync() -> None:
    framer = LineFramer(64 * 1024)
    out = framer.feed(b"start\n")
    for _ in range(10):
        out += framer.feed(b"A" * (1 << 20))
    out += framer.feed(b"tail of the long line\nafter\n")
    lines = split_lines(out, 64 * 1024)
    assert [len(line) for line in lines] == [5, 64 * 1024, 5]
    assert lines[2] == "after" and framer.truncated == 1


def test_complete_long_line_in_a_block_is_cut_when_decoded() -> None:
    block = b"a" * 5000 + b"\r\n"
    assert line_at(block, 0, len(block) - 1, 1000) == "a" * 1000


def test_latin1_source_is_transcoded_to_utf8() -> None:
    framer = LineFramer(encoding="latin-1")
    assert framer.feed(b"caf\xe9\n") == "café\n".encode()


def test_strip_ansi_leaves_plain_text_alone() -> None:
    assert strip_ansi(b"plain") == b"plain"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-29T12:00:00Z", 1795953600.0),
        ("2026-11-29T13:00:00+01:00", 1795953600.0),
        ("2026-11-29 12:00:00", 1795953600.0),
        ("2026-11-29T12:00:00.250Z", 1795953600.25),
        (1795953600, 1795953600.0),
        (1795953600250, 1795953600.25),
        ("yesterday", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_time(text: object, expected: float | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "line, path, value",
    [
        ('{"level":"error"}', "level", "error"),
        ('  {"a":{"b":3}}', "a.b", 3),
        ('{"a":1}', "a.b", None),
        ("not json", "level", None),
        ('{"broken": ', "broken", None),
        ("[1,2]", "0", None),
    ],
)
def test_json_field(line: str, path: str, value: object) -> None:
    assert json_field(line, path) == value


def test_line_clock_reads_a_json_field_or_a_regex_group() -> None:
    assert LineClock(field="ts").time_of('{"ts":"2026-11-29T12:00:00Z"}') == 1795953600.0
    assert LineClock(pattern=r"^(\S+) ").time_of("2026-11-29T12:00:00Z hello") == 1795953600.0
    assert LineClock(pattern=r"at (?P<ts>\S+)").time_of("no time here") is None
    assert not LineClock()


@pytest.mark.parametrize(("line", "path", "text"), [
    ('{"level":"error","status":5e2}', "status", "5e2"),  # a number as the line writes it
    ('{"a":[1, 2]}', "a", "[1, 2]"),
    ('{"a":{"b":null}}', "a.b", "null"),
    ('{"a":{"b":true}}', "a", '{"b":true}'),
    ('{"a":"x\\"y"}', "a", 'x"y'),  # a string's text, unescaped
    ('  {"level": "warn" , "n": -1.5E3 }', "n", "-1.5E3"),
    ('{"a": {"b": [1,{"c":2}]}}', "a.b", '[1,{"c":2}]'),
    ('{"a":1,"a":2}', "a", "2"),  # the last one wins, as in json.loads
    ("not json", "a", None),
    ('{"a":1}', "b", None),
    ('{"a":1', "a", None),  # cut in the middle
    ('{"a":1}', "a.b", None),
])
def test_a_json_fields_text_is_what_the_line_writes(line: str, path: str, text: str | None) -> None:
    from watchdog.logs.lines import json_field_text

    assert json_field_text(line, path) == text
