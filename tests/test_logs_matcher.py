"""Literal extraction and the one-pass matcher, checked against one regex per line."""

from __future__ import annotations

import json
import random

import pytest

from watchdog.logs import engine as engines
from watchdog.logs.lines import clean_block, count_lines, line_ends, split_lines, strip_ansi
from watchdog.logs.literals import Prefilter, prefilter_for
from watchdog.logs.matcher import Matcher, PatternSpec, field_text, naive_scan

ENGINES = ["find", pytest.param("hyperscan", marks=pytest.mark.skipif(
    engines.engine_name() != "hyperscan", reason="hyperscan is not installed"))]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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


def matcher_hits(lines: list[str], specs: list[PatternSpec] = SPECS, engine: str = "auto") -> list[tuple[int, int]]:
    block = block_of(lines)
    offsets = {}
    pos = 0
    for number, line in enumerate(lines):
        offsets[pos] = number
        pos += len(line.encode()) + 1
    return [(offsets[start], index) for start, index, _line, _m in Matcher(specs, engine=engine).scan(block)]


def expected(lines: list[str]) -> list[tuple[int, int]]:
    return naive_scan(SPECS, [line.rstrip("\r") for line in lines])


def test_hostile_lines_match_exactly_like_one_regex_per_line(engine: str) -> None:
    assert matcher_hits(HOSTILE, engine=engine) == expected(HOSTILE)


def test_random_mixes_match_exactly_like_one_regex_per_line(engine: str) -> None:
    rnd = random.Random(3)
    words = ["error", "ERROR", "Failed", "risk", "RİSK", "WebSocket", "disconnected", "ok", "🚨", "ALERT:",
             "user", "u7", "level", "{", "}", '"', "ı", "ſ", "\u212a", "123", " ", "\t", "é"]
    lines = ["".join(rnd.choice(words) + rnd.choice(["", " "]) for _ in range(rnd.randint(0, 8)))
             for _ in range(3000)]
    lines += [json.dumps({"level": rnd.choice(["error", "fatal", "info", "ERROR"]), "n": i}) for i in range(300)]
    rnd.shuffle(lines)
    assert matcher_hits(lines, engine=engine) == expected(lines)


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


DENSE_SPECS = [
    PatternSpec(r"(?i)warn(?:ing)?|fail(?:ed|ure)"),
    PatternSpec(r"(?i)\bERROR\b|fatal"),
    PatternSpec(r"Redis (?:connection )?(?:error|lost)"),
    PatternSpec('"level": ?"error"'),
    PatternSpec(r"(timeout|refused) after \d+ms"),
    PatternSpec(r"^\d+$"),
    PatternSpec(r"\w+@\w+\.com"),
    PatternSpec(r"(?P<user>u\d+) (?:joined|left)"),
    PatternSpec("^(?:error|warn)$", field="level"),
    PatternSpec(r"x(?i:Warn)y"),
    PatternSpec(r"🚨 ALERT: (?P<what>.*)"),
    PatternSpec(r"(?i)ſtatus|risk"),
    PatternSpec("done\r"),
    PatternSpec("bad \ufffd"),
]
DENSE_WORDS = ["error", "ERROR", "Error:", "warn", "WARNING", "Failed", "failure", "fatal", "FAİL", "ıs", "ſ",
               "Redis", "connection", "lost", "timeout", "refused", "after", "12ms", "ms", "a@b.com", "é@x.com",
               "u12", "joined", "left", "xWARNy", "xwarny", "🚨", "ALERT:", "risk", "RİSK", "\u212aey", '"level":',
               '"error"', " ", "\t", "\r", "123", "\ufffd", "done", "bad"]
ESCAPES = ["\x1b[31m", "\x1b[0m"]


def reference(block: bytes, specs: list[PatternSpec], cap: int) -> list[tuple[int, int, tuple[int, int], dict]]:
    """One regex per line over the block as the framer used to give it (stripped whole)."""
    out = []
    for number, line in enumerate(split_lines(strip_ansi(block), cap)):
        for index, spec in enumerate(specs):
            text = line if spec.field is None else field_text(line, spec.field)
            found = None if text is None else spec.compile().search(text)
            if found is not None:
                out.append((number, index, found.span(), found.groupdict()))
    return out


def fast(block: bytes, specs: list[PatternSpec], cap: int, engine: str) -> list[tuple[int, int, tuple[int, int], dict]]:
    """The hub's way: escapes stripped per line where it can, then the one-pass matcher."""
    cleaned, escaped = clean_block(block, True, count_lines(block))
    found = Matcher(specs, cap, engine=engine).match(cleaned, escaped)
    number = {end: n for n, end in enumerate(line_ends(cleaned))}
    hits = [(number[end], index, found.match(index, end)) for index, ends in enumerate(found.hits) for end in ends]
    return sorted((n, index, m.span(), m.groupdict()) for n, index, m in hits)


def dense_lines(seed: int, count: int, long_every: int = 0, escapes: bool = True) -> list[str]:
    rnd = random.Random(seed)
    words = DENSE_WORDS + ESCAPES if escapes else DENSE_WORDS
    lines = []
    for i in range(count):
        if rnd.random() < 0.2:
            lines.append(json.dumps({"level": rnd.choice(["error", "warn", "info", "ERROR"]), "n": i},
                                    separators=rnd.choice([(", ", ": "), (",", ":")])))
        else:
            lines.append("".join(rnd.choice(words) + rnd.choice(["", " "]) for _ in range(rnd.randint(0, 9))))
        if long_every and i % long_every == 0:
            lines[-1] = "y" * rnd.randint(250, 400) + lines[-1]
    return lines


def test_dense_random_lines_match_like_one_regex_per_line(engine: str) -> None:
    block = block_of(dense_lines(5, 4000)) + b"bad \xff\xfe bytes\nnot done\r\ndone\r too\n"
    assert fast(block, DENSE_SPECS, 64 * 1024, engine) == reference(block, DENSE_SPECS, 64 * 1024)


def test_lines_past_the_cap_match_like_one_regex_per_capped_line(engine: str) -> None:
    block = block_of(dense_lines(6, 1500, long_every=7))
    assert fast(block, DENSE_SPECS, 300, engine) == reference(block, DENSE_SPECS, 300)


def test_escape_sequences_are_stripped_before_the_regex_whatever_their_density(engine: str) -> None:
    sparse = block_of(dense_lines(7, 2000, escapes=False)
                      + ["ER\x1b[1mROR split by a colour", "\x1b\x1b[31mWarn", "\x1b[31mRedis lost\x1b[0m"])
    dense = block_of(["\x1b[32m" + line for line in dense_lines(8, 500)])
    osc = block_of(dense_lines(9, 300) + ["\x1b]0;title with\nerror inside\x07 ok"])
    assert clean_block(sparse, True, count_lines(sparse))[1]  # stripped line by line
    for block in (sparse, dense, osc):
        assert fast(block, DENSE_SPECS, 64 * 1024, engine) == reference(block, DENSE_SPECS, 64 * 1024)


def test_definite_literals_need_no_regex() -> None:
    found = prefilter_for(r"(?i)\berror\b|failed")
    assert found is not None and found.definite == (b"failed",)


@pytest.mark.parametrize(("pattern", "field", "line"), [
    (r"^5\d\d$", "status", '{"msg":"upstream","status":503}'),
    (r"^5e2$", "status", '{"msg":"upstream","status":5e2}'),
    (r"^\[1, 2\]$", "ids", '{"ids":[1, 2]}'),
    (r"^true$", "retry", '{"retry":true}'),
    (r"^null$", "user", '{"user":null}'),
    (r'"code":\s*"E42"', "error", '{"error":{"code": "E42"}}'),
])
def test_a_json_field_pattern_matches_any_value_by_its_json_text(pattern: str, field: str, line: str) -> None:
    specs = [PatternSpec(pattern, field)]
    assert matcher_hits([line, '{"other":1}'], specs) == naive_scan(specs, [line, '{"other":1}']) == [(0, 0)]
