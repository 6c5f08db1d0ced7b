"""Who gets which hits of a block: the handlers of one source's patterns, and the order they are called in.

A plain handler gets ``(time, line, match)`` per matching line, in line order
(across all checks of the source, as ``logs tail`` prints them); a ``Batch``
handler gets ``(time, lines)`` once per block with all of its pattern's lines
(``len(lines)``, ``lines[i]``, ``lines.match(i)``, decoded on demand) - what
counting checks use, so a dense log costs them no Python call per line. When
lines carry their own time (``timestamp_*``), every hit is delivered one by one
in line order with its line's time, a Batch getting one line at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from watchdog.logs.matcher import BlockMatches, PatternSpec


class MatchedLines:
    """One pattern's matching lines of a block, for handlers that take them at once:
    ``len(lines)``, ``lines[i]`` (decoded on demand) and ``lines.match(i)``."""

    __slots__ = ("_found", "_index", "_starts")

    def __init__(self, found: BlockMatches, index: int) -> None:
        self._found = found
        self._index = index
        self._starts = found.hits[index]

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i: int) -> str:
        return self._found.line(self._starts[i])

    def match(self, i: int) -> re.Match[str]:
        return self._found.match(self._index, self._starts[i])


class OneLine:
    """A single matching line with the ``MatchedLines`` interface."""

    __slots__ = ("_line", "_match")

    def __init__(self, line: str, found: re.Match[str]) -> None:
        self._line = line
        self._match = found

    def __len__(self) -> int:
        return 1

    def __getitem__(self, i: int) -> str:
        if i not in (0, -1):
            raise IndexError(i)
        return self._line

    def match(self, i: int) -> re.Match[str]:
        self[i]
        return self._match


LineHandler = Callable[[float, str, "re.Match[str]"], None]
Failed = Callable[[Exception], None]


@dataclass(frozen=True, slots=True)
class Batch:
    """A handler taking all of a block's matching lines of its pattern at once: ``hits(time, lines)``."""

    hits: Callable[[float, MatchedLines | OneLine], None]


Handler = LineHandler | Batch


class Routes:
    """The distinct patterns of a source (``specs``, the matcher's order) and each one's handlers."""

    def __init__(self, checks: Iterable[tuple[Sequence[tuple[PatternSpec, Handler]], Sequence[LineHandler]]]) -> None:
        self.specs: list[PatternSpec] = []
        #: per pattern, its handlers in registration order (a check's listeners after its own)
        self.handlers: list[list[Handler]] = []
        for patterns, listeners in checks:
            for spec, handler in patterns:
                if spec not in self.specs:
                    self.specs.append(spec)
                    self.handlers.append([])
                routed = self.handlers[self.specs.index(spec)]
                routed.append(handler)
                routed.extend(h for h in listeners if h not in routed)
        self.batches = [(i, h) for i, hs in enumerate(self.handlers) for h in hs if isinstance(h, Batch)]
        self.each = {i: each for i, hs in enumerate(self.handlers)
                     if (each := [h for h in hs if not isinstance(h, Batch)])}

    def deliver(self, found: BlockMatches, t: float, failed: Failed) -> None:
        """A block's hits read at ``t``: each Batch once, the per-line handlers in line order."""
        for index, batch in self.batches:
            if found.hits[index]:
                try:
                    batch.hits(t, MatchedLines(found, index))
                except Exception as exc:  # garbage in one line must never stop the source
                    failed(exc)
        if len(self.each) == 1:
            [index] = self.each
            hits = [(end, index) for end in found.hits[index]]
        else:
            hits = sorted((end, index) for index in self.each for end in found.hits[index])
        line_of, match_of, each = found.line, found.match, self.each
        for end, index in hits:
            line, match = line_of(end), match_of(index, end)
            for handler in each[index]:
                try:
                    handler(t, line, match)
                except Exception as exc:
                    failed(exc)

    def in_order(self, found: BlockMatches, when: Callable[[str], float], failed: Failed) -> None:
        """Every hit in line order, at the time ``when(line)`` gives (the line's own)."""
        for end, index in found.ordered():
            line, match = found.line(end), found.match(index, end)
            t = when(line)
            for handler in self.handlers[index]:
                try:
                    if isinstance(handler, Batch):
                        handler.hits(t, OneLine(line, match))
                    else:
                        handler(t, line, match)
                except Exception as exc:
                    failed(exc)
