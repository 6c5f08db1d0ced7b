"""All patterns of one source applied to a block of lines in one pass.

A block is many complete lines as UTF-8 bytes (``LineFramer``). The literals
of every pattern (``literals.prefilter_for``) are found in one pass over the
block (``engine``); then per pattern:

* a line holding a *definite* literal matches for sure - no decoding, no regex
  (``WebSocket disconnected``, the four strings of ``Redis (?:connection )?(?:error|lost)``);
* a line holding a literal of the searched group (and one of each other group,
  checked in the line) is decoded and given to the real regex - or, with
  ``field``, parsed as JSON and the field's value given to it;
* a line holding an ``extra`` (a Unicode fold of a letter, a ``\\u`` escape) or
  an escape sequence still to strip always meets the regex;
* a pattern without a literal runs on every line.

The group searched is the rarest in the data (``_sample`` counts each group's
literals now and then); ties go to the longest literals. Definite literals are
trusted only when no line of the block may be longer than the line cap.
Counts are identical to ``regex.search(line)`` on each line
(tests/test_logs_matcher.py compares both on hostile and random input).

``Matcher.match(block)`` returns a ``BlockMatches``: per pattern the matching
lines, each named by its end (the offset just past its ``\\n``, what the engine
reports); lines and match objects are decoded on demand, once, so a check that
only counts never pays for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from watchdog.logs.engine import Probe, scanner_for
from watchdog.logs.lines import has_long_lines, json_field_text, line_ending, line_ends
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


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where one pattern's lines are found: probe numbers (None: nothing to search)."""

    candidates: int | None  # the searched group's literals that need the regex
    definite: int | None  # its literals that prove a match
    extra: int | None
    others: tuple[tuple[bytes, ...], ...] = ()  # the other groups, checked in each candidate line
    folded: bool = False


class Matcher:
    """Finds every (line, pattern) match of a block; see the module docstring."""

    def __init__(self, specs: Sequence[PatternSpec], max_line_bytes: int = 64 * 1024, *,
                 engine: str = "auto") -> None:
        self.specs = tuple(specs)
        self.cap = max_line_bytes
        self.engine = engine
        self._compiled = [s.compile() for s in self.specs]
        self._filters: list[Prefilter | None] = [
            prefilter_for(c, json_field=s.field is not None) for s, c in zip(self.specs, self._compiled)
        ]
        self._choice = [0] * len(self.specs)
        self._seen = 0
        self._next_sample = 0
        self._build()

    @property
    def unfiltered(self) -> list[str]:
        """Patterns run on every line (no literal text to pre-filter on)."""
        return [s.regex for s, f in zip(self.specs, self._filters) if f is None]

    def _build(self) -> None:
        probes: dict[Probe, int] = {}

        def probe(literals: tuple[bytes, ...], caseless: bool) -> int | None:
            return probes.setdefault((literals, caseless), len(probes)) if literals else None

        self._plans: list[_Plan | None] = []
        for f, choice in zip(self._filters, self._choice):
            if f is None:
                self._plans.append(None)
                continue
            group, definite = f.groups[choice], f.definite if choice == 0 else ()
            rest = tuple(literal for literal in group if literal not in definite)
            others = tuple(g for k, g in enumerate(f.groups) if k != choice)
            self._plans.append(_Plan(probe(rest, f.folded), probe(definite, f.folded), probe(f.extra, False),
                                     others, f.folded))
        self._scanner = scanner_for(list(probes), engine=self.engine) if probes else None

    def match(self, block: bytes, escaped: frozenset[int] = frozenset()) -> BlockMatches:
        """The matches of ``block`` (complete ``\\n``-terminated lines); the lines ending at
        ``escaped`` are stripped of escape sequences before a regex reads them
        (``lines.clean_block``), and meet every regex."""
        self._sample(block)
        found = self._scanner.lines(block) if self._scanner is not None else []
        exact = not has_long_lines(block, self.cap)
        out = BlockMatches(block, self.cap, escaped, self._compiled, self.specs)
        every: list[int] | None = None
        for index, plan in enumerate(self._plans):
            if plan is None:
                every = line_ends(block) if every is None else every
                out.hits.append(out.verified(index, every))
            else:
                out.hits.append(self._lines_of(out, index, plan, found, escaped, exact))
        return out

    def scan(self, block: bytes) -> list[Hit]:
        """Every match in ``block`` as (start, pattern, line, match), sorted by line then pattern."""
        out = self.match(block)
        rfind = block.rfind
        return [(rfind(b"\n", 0, end - 1) + 1, index, out.line(end), out.match(index, end))
                for end, index in out.ordered()]

    def _lines_of(self, out: BlockMatches, index: int, plan: _Plan, found: list[list[int]],
                  escaped: frozenset[int], exact: bool) -> list[int]:
        candidates = found[plan.candidates] if plan.candidates is not None else []
        sure = found[plan.definite] if plan.definite is not None else []
        if plan.others and candidates:
            candidates = [s for s in candidates if _holds_all(out.block, s, plan.others, plan.folded)]
        suspects = escaped.union(found[plan.extra]) if plan.extra is not None and found[plan.extra] else escaped
        if not exact:
            check: Sequence[int] = sorted(suspects.union(candidates, sure))
            sure = []
        elif suspects:
            sure = [s for s in sure if s not in suspects]
            check = sorted(suspects.union(candidates).difference(sure))
        else:
            check = sorted(set(candidates).difference(sure)) if sure and candidates else candidates
        verified = out.verified(index, check) if check else []
        if not sure:
            return verified
        return sorted(sure + verified) if verified else sure

    def _sample(self, block: bytes) -> None:
        """Now and then (at 0, 4, 8, 16 MB... read), search the rarest group of each pattern."""
        self._seen += len(block)
        if self._seen < self._next_sample:
            return
        self._next_sample = self._seen + min(max(self._seen, 4 << 20), 1 << 30)
        lowered: bytes | None = None
        choice = list(self._choice)
        for index, f in enumerate(self._filters):
            if f is None or len(f.groups) < 2:
                continue
            if f.folded and lowered is None:
                lowered = block.lower()
            haystack = lowered if f.folded and lowered is not None else block
            counts = [sum(haystack.count(literal) for literal in group) for group in f.groups]
            choice[index] = counts.index(min(counts))
        if choice != self._choice:
            self._choice = choice
            self._build()


def _holds_all(block: bytes, end: int, groups: tuple[tuple[bytes, ...], ...], folded: bool) -> bool:
    raw = block[block.rfind(b"\n", 0, end - 1) + 1:end]
    if folded:
        raw = raw.lower()
    return all(any(literal in raw for literal in group) for group in groups)


class BlockMatches:
    """Per pattern (``hits[index]``) the ends of a block's matching lines, ascending;
    ``line(end)`` and ``match(index, end)`` decode on demand, once."""

    __slots__ = ("block", "cap", "escaped", "hits", "_compiled", "_specs", "_lines", "_matches")

    def __init__(self, block: bytes, cap: int, escaped: frozenset[int], compiled: Sequence[re.Pattern[str]],
                 specs: Sequence[PatternSpec]) -> None:
        self.block = block
        self.cap = cap
        self.escaped = escaped
        self.hits: list[list[int]] = []
        self._compiled = compiled
        self._specs = specs
        self._lines: dict[int, str] = {}
        self._matches: dict[tuple[int, int], re.Match[str]] = {}

    def line(self, end: int) -> str:
        """The decoded line ending at ``end`` (stripped and capped like every line)."""
        line = self._lines.get(end)
        if line is None:
            line = self._lines[end] = line_ending(self.block, end, self.cap, end in self.escaped)
        return line

    def match(self, index: int, start: int) -> re.Match[str]:
        """The match of pattern ``index`` in the line ending at ``start`` (one of ``hits[index]``)."""
        found = self._matches.get((index, start))
        if found is None:
            found = _search(self._compiled[index], self._specs[index].field, self.line(start))
            assert found is not None, "match() of a line that is not a hit"
            self._matches[(index, start)] = found
        return found

    def verified(self, index: int, ends: Sequence[int]) -> list[int]:
        """The lines (ends) of ``ends`` that pattern ``index`` matches (their matches kept).

        The hot loop of a dense log: a plain line (within the cap, no ESC, no CR) is
        decoded inline rather than through ``line()``."""
        regex, field = self._compiled[index], self._specs[index].field
        search, block, cap, escaped = regex.search, self.block, self.cap, self.escaped
        keep, matches, lines, rfind = [], self._matches, self._lines, self.block.rfind
        for end in ends:
            line = lines.get(end)
            if line is None:
                start = rfind(b"\n", 0, end - 1) + 1
                if end - start > cap or block[end - 2] == 13 or end in escaped:
                    line = line_ending(block, end, cap, end in escaped)
                else:
                    line = block[start:end - 1].decode("utf-8", "replace")
                lines[end] = line
            found = search(line) if field is None else _search(regex, field, line)
            if found is not None:
                matches[(index, end)] = found
                keep.append(end)
        return keep

    def ordered(self) -> list[tuple[int, int]]:
        """Every (line end, pattern) hit, in line order then pattern order."""
        return sorted((start, index) for index, starts in enumerate(self.hits) for start in starts)


def _search(regex: re.Pattern[str], field: str | None, line: str) -> re.Match[str] | None:
    """The regex on the line, or on the JSON field's value (no match when the field is absent)."""
    if field is None:
        return regex.search(line)
    text = field_text(line, field)
    return None if text is None else regex.search(text)


def field_text(line: str, field: str) -> str | None:
    """What a field pattern sees: a string as is, any other value as the line writes it
    (``json_field_text``), None when absent."""
    return json_field_text(line, field)


def naive_scan(specs: Sequence[PatternSpec], lines: Sequence[str]) -> list[tuple[int, int]]:
    """(line number, pattern index) of every match, one regex per line: the reference for tests."""
    compiled = [s.compile() for s in specs]
    out = []
    for number, line in enumerate(lines):
        for index, (spec, regex) in enumerate(zip(specs, compiled)):
            if _search(regex, spec.field, line) is not None:
                out.append((number, index))
    return out

