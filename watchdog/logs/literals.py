"""The literal text every match of a regex must contain: the matcher's pre-filter.

Python's ``re`` has no fast path for ``(?i)error|failed`` over millions of
lines; a literal search over a whole block does. So each pattern is parsed once
(``re._parser``) and reduced to *groups* of alternatives - every line the regex
matches holds one literal of each group - so only lines holding them all meet
the real regex, which keeps the counts identical to one regex per line:

* ``Redis (?:connection )?(?:error|lost)`` is a finite language: its group is
  the four strings it can match, and a line holding one of them matches for
  sure (``definite``): no regex runs for it. Leading and trailing parts that may
  match nothing (``🚨 ALERT: (?P<what>.*)``) do not change that;
* ``(?i)\\berror\\b|failed``: one group ``{error, failed}``, and ``failed`` is
  definite (the other branch needs the regex for its ``\\b``);
* ``(timeout|refused) after \\d+ms``: groups ``{timeout, refused}``, ``{" after "}``,
  ``{"ms"}``; the matcher searches the rarest one and checks the others per line.

Rules that keep it exact:

* a case-insensitive literal keeps ASCII characters only and is searched
  ASCII-case-insensitively; because ``(?i)`` also folds ``İ ı`` onto ``i``,
  ``K`` (Kelvin) onto ``k`` and ``ſ`` onto ``s``, lines holding those are
  candidates too (``extra``) when a literal holds i, k or s;
* a pattern matched against a JSON field keeps only characters a JSON encoder
  writes verbatim (no quotes, backslashes, slashes, non-ASCII), every line
  holding a ``\\u`` escape is a candidate too, and nothing is definite;
* a pattern mixing case-sensitive and case-insensitive parts has no definite literal;
* a pattern with no usable literal (``^\\d+$``) gets no pre-filter: the matcher
  runs it on every line (correct, ~10x slower; ``watchdog config validate -v``
  names it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

#: Non-ASCII characters that ``(?i)`` matches to an ASCII letter (found by brute force over Unicode).
FOLDS_TO_ASCII = {"i": ("\u0130", "\u0131"), "k": ("\u212a",), "s": ("\u017f",)}
#: a finite language larger than this is left to the regex (its parts still pre-filter)
MAX_STRINGS = 32
_JSON_UNSAFE = set('"\\/{}[],:')
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT}
_POSSESSIVE = getattr(C, "POSSESSIVE_REPEAT", None)
_ATOMIC = getattr(C, "ATOMIC_GROUP", None)
Items = list[tuple[object, object]]


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Every match holds one literal of each group (ASCII case-insensitively when ``folded``),
    unless its line holds one of ``extra``; a line holding one of ``definite`` and none of
    ``extra`` matches for sure. ``groups[0]`` is the most selective by the text alone."""

    groups: tuple[tuple[bytes, ...], ...]
    folded: bool = False
    #: searched case-sensitively: non-ASCII characters that fold onto a literal's letters, ``\\u``
    extra: tuple[bytes, ...] = ()
    #: literals of ``groups[0]`` whose presence alone proves a match
    definite: tuple[bytes, ...] = ()

    @property
    def literals(self) -> tuple[bytes, ...]:
        """The alternatives of the most selective group."""
        return self.groups[0]


def prefilter_for(pattern: str | re.Pattern[str], *, json_field: bool = False) -> Prefilter | None:
    """The pre-filter of a regex, or None when it has no required literal text."""
    text, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    parsed = P.parse(text, flags)
    icase = bool(parsed.state.flags & re.IGNORECASE)
    mixed = _case_changes(list(parsed), icase)
    folded = icase or mixed
    walker = _Walker(folded=folded, json_field=json_field)
    items = list(parsed)
    options = walker.required(items, icase)
    if not options:
        return None
    encoded = {_minimal({_encode(s, folded) for s in option}) for option in options}
    encoded = {g for g in encoded if len(g) == 1 or min(map(len, g)) > 1}  # not [abc]: most lines hold one
    if not encoded:
        return None
    groups = tuple(tuple(sorted(g)) for g in sorted(encoded, key=_selectivity, reverse=True))
    sure: set[str] = set() if json_field or mixed else walker.definite(items, icase)
    definite = tuple(sorted(_encode(s, folded) for s in sure if _encode(s, folded) in groups[0]))
    extra = _fold_extras(s.decode() for g in groups for s in g) if folded else ()
    if json_field:  # any character of the value may be written as \uXXXX
        extra = tuple(sorted({*extra, b"\\u"}))
    return Prefilter(groups, folded, extra, definite)


def _encode(text: str, folded: bool) -> bytes:
    return (text.lower() if folded else text).encode("utf-8")


def _minimal(option: set[bytes]) -> frozenset[bytes]:
    """Without the strings that hold another one of the group (``errors`` next to ``error``)."""
    return frozenset(s for s in option if not any(t != s and t in s for t in option))


def _selectivity(option: frozenset[bytes]) -> tuple[int, int, tuple[bytes, ...]]:
    """Longest shortest alternative first, then fewest alternatives (then a stable order)."""
    return min(len(x) for x in option), -len(option), tuple(sorted(option))


def _fold_extras(found: Iterable[str]) -> tuple[bytes, ...]:
    letters = {ch for s in found for ch in s.lower() if ch in FOLDS_TO_ASCII}
    return tuple(sorted(c.encode("utf-8") for letter in letters for c in FOLDS_TO_ASCII[letter]))


def _case_changes(items: Items, icase: bool) -> bool:
    """Whether some group turns IGNORECASE on or off locally (``x(?i:Warn)y``)."""
    for op, av in items:
        if op is C.SUBPATTERN:
            add, remove = av[1], av[2]  # type: ignore[index]
            if (add & re.IGNORECASE and not icase) or (remove & re.IGNORECASE and icase):
                return True
        for sub in _children(op, av):
            if _case_changes(sub, icase):
                return True
    return False


def _children(op: object, av: object) -> list[Items]:
    if op is C.SUBPATTERN:
        return [list(av[3])]  # type: ignore[index]
    if op is C.BRANCH:
        return [list(alt) for alt in av[1]]  # type: ignore[index]
    if op in _REPEATS or op is _POSSESSIVE:
        return [list(av[2])]  # type: ignore[index]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [list(av[1])]  # type: ignore[index]
    if op is _ATOMIC:
        return [list(av)]  # type: ignore[call-overload]
    return []


def _icase_in(av: object, icase: bool) -> bool:
    _group, add, remove, _sub = av  # type: ignore[misc]
    return (icase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE


def _nullable(op: object, av: object) -> bool:
    """Whether the item can always match the empty string (``.*``, ``(?:x)?``)."""
    if op in _REPEATS:
        return av[0] == 0  # type: ignore[index,no-any-return]
    if op is C.SUBPATTERN:
        return all(_nullable(o, a) for o, a in av[3])  # type: ignore[index]
    if op is C.BRANCH:
        return any(all(_nullable(o, a) for o, a in alt) for alt in av[1])  # type: ignore[index]
    return False


class _Walker:
    """Required literal groups and finite languages of a parsed sequence."""

    def __init__(self, *, folded: bool, json_field: bool) -> None:
        self.folded = folded
        self.json_field = json_field

    def usable(self, code: int) -> bool:
        ch = chr(code)
        if ch == "\n" or 0xD800 <= code < 0xE000 or code == 0xFFFD:  # U+FFFD: bad bytes decode to it
            return False
        if self.folded and code > 127:
            return False
        if self.json_field:
            return 32 <= code < 127 and ch not in _JSON_UNSAFE
        return True

    def required(self, items: Items, icase: bool) -> list[set[str]]:
        """Groups of alternatives: every match of ``items`` holds one string of each."""
        options: list[set[str]] = []
        for is_finite, run in itertools.groupby(items, key=lambda item: self.finite(*item, icase) is not None):
            run = list(run)
            if is_finite:
                options += self._finite_run(run, icase)
                continue
            for op, av in run:
                options += self.child(op, av, icase)
        return options

    def _finite_run(self, run: Items, icase: bool) -> list[set[str]]:
        """A run of finite items: its language, cut into the longest pieces that stay small."""
        options: list[set[str]] = []
        current = {""}
        for op, av in run:
            part = self.finite(op, av, icase) or {""}
            joined = _bounded({a + b for a in current for b in part})
            if joined is None:
                options.append(current)
                current = part
            else:
                current = joined
        options.append(current)
        return [o for o in options if "" not in o]

    def child(self, op: object, av: object, icase: bool) -> list[set[str]]:
        if op is C.SUBPATTERN:
            return self.required(list(av[3]), _icase_in(av, icase))  # type: ignore[index]
        if op is C.BRANCH:
            alts = [best(self.required(list(alt), icase)) for alt in av[1]]  # type: ignore[index]
            return [set().union(*alts)] if all(alts) else []  # type: ignore[arg-type]
        if (op in _REPEATS or op is _POSSESSIVE) and av[0] >= 1:  # type: ignore[index]
            return self.required(list(av[2]), icase)  # type: ignore[index]
        if op is _ATOMIC:
            return self.required(list(av), icase)  # type: ignore[call-overload]
        return []

    def finite(self, op: object, av: object, icase: bool) -> set[str] | None:
        """Every string the item can match, when there are few (None: unknown or too many)."""
        if op is C.LITERAL:
            return {chr(av)} if self.usable(av) else None  # type: ignore[arg-type]
        if op is C.IN:
            chars = [a for o, a in av if o is C.LITERAL]  # type: ignore[attr-defined]
            if len(chars) != len(av) or len(chars) > 4 or not all(map(self.usable, chars)):  # type: ignore[arg-type]
                return None
            return {chr(c).lower() if self.folded else chr(c) for c in chars}  # type: ignore[arg-type]
        if op is C.SUBPATTERN:
            return self.finite_seq(list(av[3]), _icase_in(av, icase))  # type: ignore[index]
        if op is C.BRANCH:
            alts = [self.finite_seq(list(alt), icase) for alt in av[1]]  # type: ignore[index]
            return _bounded(set().union(*alts)) if all(a is not None for a in alts) else None  # type: ignore[arg-type]
        if op in _REPEATS and av[1] <= 3:  # type: ignore[index]
            inner = self.finite_seq(list(av[2]), icase)  # type: ignore[index]
            if inner is None:
                return None
            counts = range(av[0], av[1] + 1)  # type: ignore[index]
            return _bounded({"".join(p) for n in counts for p in itertools.product(sorted(inner), repeat=n)})
        return None

    def finite_seq(self, items: Items, icase: bool) -> set[str] | None:
        out = {""}
        for op, av in items:
            part = self.finite(op, av, icase)
            if part is None:
                return None
            out = _bounded({a + b for a in out for b in part})
            if out is None:
                return None
        return out

    def definite(self, items: Items, icase: bool) -> set[str]:
        """Strings whose presence in a line proves a match: the finite core of the pattern once
        its leading and trailing parts that may match nothing are dropped, or of top-level branches."""
        while items and _nullable(*items[0]):
            items = items[1:]
        while items and _nullable(*items[-1]):
            items = items[:-1]
        whole = self.finite_seq(items, icase) if items else None
        if whole is not None:
            return set() if "" in whole else {s for s in whole if "\r" not in s}  # a final CR is dropped
        if len(items) == 1 and items[0][0] is C.BRANCH:
            return set().union(*(self.definite(list(alt), icase) for alt in items[0][1][1]))  # type: ignore[index]
        if len(items) == 1 and items[0][0] is C.SUBPATTERN:
            return self.definite(list(items[0][1][3]), _icase_in(items[0][1], icase))  # type: ignore[index]
        return set()


def _bounded(strings: set[str]) -> set[str] | None:
    return strings if len(strings) <= MAX_STRINGS else None


def best(options: list[set[str]]) -> set[str] | None:
    """The most selective group: its shortest alternative is longest, then fewest alternatives."""
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))
