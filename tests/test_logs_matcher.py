"""Literal extraction and the one-pass matcher, checked against one regex per line."""

from __future__ import annotations

import json
import random

import pytest

from watchdog.logs.literals import Prefilter, prefilter_for
from watchdog.logs.matcher import Matcher, PatternSpec, naive_scan


@pytest.mark.parametrize(
    "pattern, literals, folded",
    [
        ("WebSocket disconnected", [b"WebSocket disconnected"], False),
        (r"(?i)\berror\b|failed", [b"error", b"failed"], True),
        (r"Broadcasting trade:executed for user (?P<user>\S+)", [b"Broadcasting trade:executed for user "], False),
        ("🚨 ALERT: (?P<what>.*)", ["🚨 ALERT: ".encode()], False),
        (r"Redis (?:connection )?(?:error|lost)",
         [b"Redis connection error", b"Redis connection lost", b"Redis error", b"Redis lost"], False),
        (r"(timeout|refused) after \d+ms", [b"refused after ", b"timeout after "], False),
        (r"(?:ab)+cdef", [b"cdef"], False),
        (r"x(?i:Warn)y", [b"xwarny"], True),
        ('"level": ?"error"', [b'"level": "error"', b'"level":"error"'], False),
        (r"error|errors", [b"error"], False),
        (r"(?i)ÉCHEC total", [b"chec total"], True),
    ],
)
def test_required_literals(pattern: str, literals: list[bytes], folded: bool) -> None:
    found = prefilter_for(pattern)
    assert found is not None
    assert (list(found.literals), found.folded) == (literals, folded)


@pytest.mark.parametrize("pattern", [r"^\d+$", r".*", r"a?b?", r"(foo)?", r"[abc]", r"\w+", r"x|\d"])
def test_no_literal_means_no_prefilter(pattern: str) -> None:
    assert prefilter_for(pattern) is None


def test_case_insensitive_literals_with_i_k_s_also_look_for_their_unicode_folds() -> None:
    found = prefilter_for("(?i)risk")
    folds = tuple(sorted(c.encode() for c in "\u0130\u0131\u212a\u017f"))
    assert found == Prefilter(((b"risk",),), True, folds, definite=(b"risk",))


def test_json_field_literals_skip_what_an_encoder_may_escape() -> None:
    found = prefilter_for('a/b "quoted" ok', json_field=True)
    assert found is not None
    assert (found.literals, found.extra, found.definite) == ((b"quoted",), (b"\\u",), ())


SPECS = [
    PatternSpec(r"Broadcasting trade:executed for user (?P<user>\S+)"),
    PatternSpec(r"(?i)\berror\b|failed"),
    PatternSpec("WebSocket disconnected"),
    PatternSpec("🚨 ALERT: (?P<what>.*)"),
    PatternSpec("^(?:error|fatal)$", field="level"),
    PatternSpec(r"^\d+$"),
    PatternSpec("(?i)risk"),
    PatternSpec("ok$"),
]
HOSTILE = [
    "📡 Broadcasting trade:executed for user u1", "ERROR: disk", "errors are fine", "Build FAILED",
    "FAİLED with dotted I", "faıled with dotless i", "RİSK", "\u212aRISK?", "rıſk", "❌ WebSocket disconnected",
    "🚨 ALERT: High latency", '{"level":"error","msg":"x"}', '{"level": "fatal"}', '{"level":"info"}',
    '{"level":"\\u0065rror"}', '{"lvl":"error"}', "12345", "12a45", "", "\ufffd\ufffd", "trailing ok",
    "trailing ok\r", "ok", "\x1b[31mnot stripped here\x1b[0m error",
]


def block_of(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def matcher_hits(lines: list[str], specs: list[PatternSpec] = SPECS) -> list[tuple[int, int]]:
    block = block_of(lines)
    offsets = {}
    pos = 0
    for number, line in enumerate(lines):
        offsets[pos] = number
        pos += len(line.encode()) + 1
    return [(offsets[start], index) for start, index, _line, _m in Matcher(specs).scan(block)]


def expected(lines: list[str]) -> list[tuple[int, int]]:
    return naive_scan(SPECS, [line.rstrip("\r") for line in lines])


def test_hostile_lines_match_exactly_like_one_regex_per_line() -> None:
    assert matcher_hits(HOSTILE) == expected(HOSTILE)


def test_random_mixes_match_exactly_like_one_regex_per_line() -> None:
    rnd = random.Random(3)
    words = ["error", "ERROR", "Failed", "risk", "RİSK", "WebSocket", "disconnected", "ok", "🚨", "ALERT:",
             "user", "u7", "level", "{", "}", '"', "ı", "ſ", "\u212a", "123", " ", "\t", "é"]
    lines = ["".join(rnd.choice(words) + rnd.choice(["", " "]) for _ in range(rnd.randint(0, 8)))
             for _ in range(3000)]
    lines += [json.dumps({"level": rnd.choice(["error", "fatal", "info", "ERROR"]), "n": i}) for i in range(300)]
    rnd.shuffle(lines)
    assert matcher_hits(lines) == expected(lines)


def test_hits_carry_the_decoded_line_and_the_match_in_line_order() -> None:
    block = block_of(["🚨 ALERT: one", "nothing", "Broadcasting trade:executed for user u9 🚨 ALERT: two"])
    hits = Matcher(SPECS).scan(block)
    assert [(i, line, m.group(0)) for _s, i, line, m in hits] == [
        (3, "🚨 ALERT: one", "🚨 ALERT: one"),
        (0, "Broadcasting trade:executed for user u9 🚨 ALERT: two", "Broadcasting trade:executed for user u9"),
        (3, "Broadcasting trade:executed for user u9 🚨 ALERT: two", "🚨 ALERT: two"),
    ]


def test_a_match_past_the_line_cap_does_not_count() -> None:
    block = b"x" * 2000 + b" WebSocket disconnected\nWebSocket disconnected\n"
    hits = Matcher([PatternSpec("WebSocket disconnected")], max_line_bytes=1000).scan(block)
    assert [start for start, *_ in hits] == [2024]


def test_unfiltered_patterns_are_listed() -> None:
    assert Matcher(SPECS).unfiltered == [r"^\d+$"]
