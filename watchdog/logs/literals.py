"""The literal text every match of a regex must contain: the matcher's pre-filter.

Python's ``re`` has no fast path for ``(?i)error|failed`` over millions of
lines; ``bytes.find`` of ``b"error"`` in a lower-cased 4 MB block does. So each
pattern is parsed once (``re._parser``) and reduced to a set of alternatives -
``{"error", "failed"}`` - such that every line the regex matches contains at
least one of them. Only lines holding one become candidates for the real regex,
which keeps the counts identical to running the regex on every line.

Rules that keep it exact:

* a case-insensitive literal keeps ASCII characters only and is searched in
  ``block.lower()`` (ASCII-only lowering); because ``(?i)`` also folds ``İ ı``
  onto ``i``, ``K`` (Kelvin) onto ``k`` and ``ſ`` onto ``s``, those characters
  are searched too (``Prefilter.extra``) when a literal holds i, k or s;
* a pattern matched against a JSON field keeps only characters a JSON encoder
  writes verbatim (no quotes, backslashes, slashes, non-ASCII), and every line
  holding a ``\\u`` escape is a candidate too;
* a pattern with no usable literal (``^\\d+$``) gets no pre-filter: the matcher
  runs it on every line (correct, ~10x slower; ``watchdog logs scan`` shows it).
"""

from __future__ import annotations

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
_JSON_UNSAFE = set('"\\/{}[],:')
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Any match contains one of ``literals`` (in ``block.lower()`` when ``folded``) or of ``extra``."""

    literals: tuple[bytes, ...]
    folded: bool = False
    #: searched in the raw block: non-ASCII characters that fold onto a literal's letters
    extra: tuple[bytes, ...] = ()


def prefilter_for(pattern: str | re.Pattern[str], *, json_field: bool = False) -> Prefilter | None:
    """The pre-filter of a regex, or None when it has no required literal text."""
    text, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    parsed = P.parse(text, flags)
    folded = bool(parsed.state.flags & re.IGNORECASE) or _has_local_ignorecase(parsed)
    walker = _Walker(folded=folded, json_field=json_field)
    found = walker.required(list(parsed), folded)
    if not found:
        return None
    literals = tuple(sorted({s.lower().encode("utf-8") if folded else s.encode("utf-8") for s in found}))
    extra = _fold_extras(found) if folded else ()
    if json_field:  # any character of the value may be written as \uXXXX
        extra = tuple(sorted({*extra, b"\\u"}))
    return Prefilter(literals, folded, extra)


def _fold_extras(found: Iterable[str]) -> tuple[bytes, ...]:
    letters = {ch for s in found for ch in s.lower() if ch in FOLDS_TO_ASCII}
    return tuple(sorted(c.encode("utf-8") for letter in letters for c in FOLDS_TO_ASCII[letter]))


def _has_local_ignorecase(items: Iterable[tuple[object, object]]) -> bool:
    for op, av in items:
        if op is C.SUBPATTERN and av[1] & re.IGNORECASE:  # type: ignore[index]
            return True
        for sub in _children(op, av):
            if _has_local_ignorecase(sub):
                return True
    return False


def _children(op: object, av: object) -> list[list[tuple[object, object]]]:
    if op is C.SUBPATTERN:
        return [list(av[3])]  # type: ignore[index]
    if op is C.BRANCH:
        return [list(alt) for alt in av[1]]  # type: ignore[index]
    if op in _REPEATS:
        return [list(av[2])]  # type: ignore[index]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [list(av[1])]  # type: ignore[index]
    if op is getattr(C, "ATOMIC_GROUP", None):
        return [list(av)]  # type: ignore[call-overload]
    return []


class _Walker:
    """Computes the best required-literal set of a parsed sequence."""

    def __init__(self, *, folded: bool, json_field: bool) -> None:
        self.folded = folded
        self.json_field = json_field

    def usable(self, code: int) -> bool:
        ch = chr(code)
        if ch == "\n" or 0xD800 <= code < 0xE000:
            return False
        if self.folded and code > 127:
            return False
        if self.json_field:
            return 32 <= code < 127 and ch not in _JSON_UNSAFE
        return True

    def required(self, items: list[tuple[object, object]], icase: bool) -> set[str] | None:
        """Alternatives one of which every match of ``items`` contains (None: unknown)."""
        options: list[set[str]] = []
        run: list[str] = []
        for op, av in items:
            if op is C.LITERAL and self.usable(av):  # type: ignore[arg-type]
                run.append(chr(av))  # type: ignore[arg-type]
                continue
            if run:
                options.append({"".join(run)})
                run = []
            child = self.child(op, av, icase)
            if child:
                options.append(child)
        if run:
            options.append({"".join(run)})
        return best(options)

    def child(self, op: object, av: object, icase: bool) -> set[str] | None:
        if op is C.SUBPATTERN:
            _group, add, remove, sub = av  # type: ignore[misc]
            return self.required(list(sub), (icase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE)
        if op is C.BRANCH:
            alts = [self.required(list(alt), icase) for alt in av[1]]  # type: ignore[index]
            if all(alts):
                return set().union(*alts)  # type: ignore[arg-type]
            return None
        if op in _REPEATS and av[0] >= 1:  # type: ignore[index]
            return self.required(list(av[2]), icase)  # type: ignore[index]
        if op is getattr(C, "ATOMIC_GROUP", None):
            return self.required(list(av), icase)  # type: ignore[call-overload]
        return None


def best(options: list[set[str]]) -> set[str] | None:
    """The most selective set: its shortest alternative is longest, then fewest alternatives."""
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))
