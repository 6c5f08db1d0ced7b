"""All patterns of one source applied to a block of lines in one pass.

A block is many complete lines as UTF-8 bytes (``LineFramer``). For each
pattern the pre-filter's literals are found with ``bytes.find`` over the whole
block (over ``block.lower()`` once per block for case-insensitive ones); only
the lines holding a literal are decoded and given to the real regex - or, with
``field``, parsed as JSON and the field's value given to it. Patterns without
a literal run on every line. Counts are identical to ``regex.search(line)`` on
each line (tests/test_logs_matcher.py compares both on hostile input).

Measured on this machine (bench/log_bench.py): the 8 patterns of the example
config cost less than reading the pipe; ``(?i)\\berror\\b|failed`` alone took
~90 % of the time as one per-line regex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from watchdog.logs.lines import json_field, line_at, split_lines
from watchdog.logs.literals import Prefilter, prefilter_for


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One pattern a check wants: a regex over the raw line, or over a JSON field's value."""

    regex: str
    field: str | None = None

    def compile(self) -> re.Pattern[str]:
        return re.compile(self.regex)


#: (line start offset in the block, pattern index, decoded line, match)
Hit = tuple[int, int, str, "re.Match[str]"]
_ORDER = itemgetter(0, 1)


class Matcher:
    """Finds every (line, pattern) match of a block; hits come in line order."""

    def __init__(self, specs: Sequence[PatternSpec], max_line_bytes: int = 64 * 1024) -> None:
        self.specs = tuple(specs)
        self.cap = max_line_bytes
        self._compiled = [s.compile() for s in self.specs]
        self._filters: list[Prefilter | None] = [
            prefilter_for(c, json_field=s.field is not None) for s, c in zip(self.specs, self._compiled)
        ]
        self._any_folded = any(f is not None and f.folded for f in self._filters)

    @property
    def unfiltered(self) -> list[str]:
        """Patterns run on every line (no literal text to pre-filter on)."""
        return [s.regex for s, f in zip(self.specs, self._filters) if f is None]

    def scan(self, block: bytes) -> list[Hit]:
        """Every match in ``block`` (complete ``\\n``-terminated lines), sorted by line then pattern."""
        hits: list[Hit] = []
        lowered = block.lower() if self._any_folded else block
        lines: list[str] | None = None
        for index, prefilter in enumerate(self._filters):
            if prefilter is None:
                if lines is None:
                    lines = split_lines(block, self.cap)
                self._every_line(block, lines, index, hits)
            else:
                self._candidates(block, lowered if prefilter.folded else block, prefilter, index, hits)
        if len(hits) > 1:
            hits.sort(key=_ORDER)
        return hits

    def _candidates(self, block: bytes, haystack: bytes, prefilter: Prefilter, index: int, hits: list[Hit]) -> None:
        starts = self._starts(haystack, prefilter.literals)
        if prefilter.extra:
            starts |= self._starts(block, prefilter.extra)
        regex, field = self._compiled[index], self.specs[index].field
        for start in sorted(starts):
            end = block.find(b"\n", start)
            line = line_at(block, start, end, self.cap)
            found = _search(regex, field, line)
            if found is not None:
                hits.append((start, index, line, found))

    @staticmethod
    def _starts(haystack: bytes, literals: tuple[bytes, ...]) -> set[int]:
        """Start offsets of the lines holding any of ``literals``."""
        starts: set[int] = set()
        find, rfind = haystack.find, haystack.rfind
        for literal in literals:
            if find(literal[:1]) < 0:  # memchr: ~20 GB/s, skips the rare bytes of ı, ſ, \\u at once
                continue
            pos = find(literal)
            while pos >= 0:
                start = rfind(b"\n", 0, pos) + 1
                starts.add(start)
                end = find(b"\n", pos)
                pos = find(literal, end + 1)
        return starts

    def _every_line(self, block: bytes, lines: list[str], index: int, hits: list[Hit]) -> None:
        regex, field = self._compiled[index], self.specs[index].field
        start = 0
        for raw_len, line in zip(_lengths(block), lines):
            found = _search(regex, field, line)
            if found is not None:
                hits.append((start, index, line, found))
            start += raw_len + 1


def _lengths(block: bytes) -> list[int]:
    return [len(raw) for raw in block.split(b"\n")[:-1]]


def _search(regex: re.Pattern[str], field: str | None, line: str) -> re.Match[str] | None:
    """The regex on the line, or on the JSON field's value (no match when the field is absent)."""
    if field is None:
        return regex.search(line)
    text = field_text(line, field)
    return None if text is None else regex.search(text)


def field_text(line: str, field: str) -> str | None:
    """What a field pattern sees: a string as is, other values as JSON, None when absent."""
    value = json_field(line, field)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def naive_scan(specs: Sequence[PatternSpec], lines: Sequence[str]) -> list[tuple[int, int]]:
    """(line number, pattern index) of every match, one regex per line: the reference for tests."""
    compiled = [s.compile() for s in specs]
    out = []
    for number, line in enumerate(lines):
        for index, (spec, regex) in enumerate(zip(specs, compiled)):
            if _search(regex, spec.field, line) is not None:
                out.append((number, index))
    return out
