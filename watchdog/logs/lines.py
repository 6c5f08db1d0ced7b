"""From raw bytes to lines: framing with a length cap, ANSI stripping, decoding, times.

Sources hand over arbitrary chunks; ``LineFramer`` turns them into *blocks* of
complete lines (bytes, each ending in ``\\n``), the unit the matcher works on.
Lines stay bytes until a pattern is a candidate for them, so the 99 % of lines
no check cares about are never decoded one by one.

The cap bounds memory: an unterminated line that grows past ``max_line_bytes``
is cut, emitted, and the rest of it (up to the next newline) dropped, so the
line after it starts clean. A complete line longer than the cap inside a block
is cut when it is decoded (``line_at``): both give the same ``line[:cap]``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from itertools import accumulate

#: CSI (colours, cursor), OSC (titles, links) and two-byte escapes.
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(block: bytes) -> bytes:
    """``block`` without ANSI escape sequences (a no-op scan when there are none)."""
    return ANSI.sub(b"", block) if b"\x1b" in block else block


def count_lines(block: bytes) -> int:
    """``block.count(b"\\n")``, measured 2.5x faster (``bytes.count`` of one byte is a plain loop)."""
    return len(block) - len(block.replace(b"\n", b""))


def clean_block(block: bytes, strip: bool, lines: int) -> tuple[bytes, frozenset[int]]:
    """The block the matcher reads, and the ends of its lines still to be stripped of escapes.

    CSI and two-byte escapes never hold ``\\n``, so they are stripped from the few lines
    holding one (the matcher does, for the lines a regex reads) instead of from the
    whole block. An OSC sequence (``ESC ]``) may span lines, and a block with escapes on
    more than 1 line in 64 is cheaper stripped at once: both are stripped here, whole.
    """
    find = block.find
    pos = find(b"\x1b") if strip else -1
    if pos < 0:
        return block, frozenset()
    escaped: set[int] = set()
    limit = lines // 64
    while pos >= 0:
        if block[pos + 1:pos + 2] == b"]" or len(escaped) > limit:
            return ANSI.sub(b"", block), frozenset()
        escaped.add(find(b"\n", pos) + 1)
        pos = find(b"\x1b", pos + 1)
    return block, frozenset(escaped)


class LineFramer:
    """Chunks in, blocks of complete, capped, ANSI-free, UTF-8 lines out."""

    def __init__(self, max_line_bytes: int = 64 * 1024, *, strip_ansi: bool = True,
                 encoding: str = "utf-8") -> None:
        self.cap = max_line_bytes
        self.strip = strip_ansi
        self.encoding = encoding
        self.truncated = 0  # lines cut by the framer (an unterminated line past the cap)
        self._carry = b""
        self._skipping = False

    def feed(self, chunk: bytes) -> bytes:
        """The complete lines now available (maybe ``b""``); keeps the unterminated rest."""
        first = 0
        if self._skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                return b""
            first, self._skipping, self._carry = nl + 1, False, b""
        last = chunk.rfind(b"\n", first)
        if last < 0:
            self._carry += chunk[first:]
            return self._cut(b"")
        rest = chunk[last + 1:]
        if not self._carry and first == 0 and not rest:
            block = chunk  # the common case of a pipe: whole lines, no copy
        else:  # one copy (b"".join of views), not a concatenation and then a slice
            block = b"".join((self._carry, memoryview(chunk)[first:last + 1]))
        self._carry = rest
        return self._cut(block)

    def _cut(self, block: bytes) -> bytes:
        """Cut the unterminated rest when it grew past the cap (the rest of that line is dropped)."""
        rest = self._carry
        if len(rest) > self.cap:
            block += rest[: self.cap] + b"\n"
            rest, self._skipping = b"", True
            self.truncated += 1
        self._carry = rest
        return self._clean(block)

    def flush(self) -> bytes:
        """At the end of the stream: the last, unterminated line (if any) as a block."""
        rest, self._carry, self._skipping = self._carry, b"", False
        return self._clean(rest + b"\n") if rest else b""

    def _clean(self, block: bytes) -> bytes:
        if not block:
            return block
        if self.encoding != "utf-8":  # everything downstream searches UTF-8 bytes
            block = block.decode(self.encoding, "replace").encode("utf-8")
        return strip_ansi(block) if self.strip else block


def line_at(block: bytes, start: int, end: int, cap: int) -> str:
    """The decoded line ``block[start:end]``: cut at ``cap`` bytes, ``\\r`` dropped, bad bytes replaced."""
    if end - start > cap:
        end = start + cap
    if end > start and block[end - 1] == 13:  # CRLF
        end -= 1
    return block[start:end].decode("utf-8", "replace")


def line_ending(block: bytes, end: int, cap: int, strip: bool = False) -> str:
    """The decoded line whose ``\\n`` is at ``end - 1`` (lines are named by their end), its
    escape sequences stripped first when ``strip``."""
    start = block.rfind(b"\n", 0, end - 1) + 1
    if strip and block.find(b"\x1b", start, end) >= 0:
        raw = ANSI.sub(b"", block[start:end - 1])
        return line_at(raw, 0, len(raw), cap)
    return line_at(block, start, end - 1, cap)


def line_ends(block: bytes) -> list[int]:
    """The end of every line of a block (the slow path for patterns with no literal text)."""
    return list(accumulate(len(raw) + 1 for raw in block.split(b"\n")[:-1]))


def has_long_lines(block: bytes, cap: int) -> bool:
    """Whether some line of the block may be longer than ``cap`` bytes (False: none is).

    Every window of ``cap // 2`` bytes holding a newline means no line is longer
    than the cap; a few ``find`` calls per block instead of a pass over it.
    """
    step = max(1, cap // 2)
    find = block.find
    return any(find(b"\n", i, i + step) < 0 for i in range(0, len(block) - step, step))


def split_lines(block: bytes, cap: int) -> list[str]:
    """Every line of a block, decoded (the slow path for patterns with no literal text)."""
    return [line_at(raw, 0, len(raw), cap) for raw in block.split(b"\n")[:-1]]


def parse_time(text: object) -> float | None:
    """Unix seconds from an ISO-8601 string (naive means UTC) or epoch seconds/millis; None if not a time."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text) / 1000.0 if text > 1e11 else float(text)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def json_field(line: str, path: str) -> object:
    """The value at dotted ``path`` of a JSON-object line, or None (not JSON, no such field)."""
    if not line.startswith("{"):
        line = line.lstrip()
        if not line.startswith("{"):
            return None
    try:
        value: object = json.loads(line)
    except ValueError:
        return None
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def json_field_text(line: str, path: str) -> str | None:
    """The value at dotted ``path`` of a JSON-object line as a pattern sees it: a string's
    text, any other value (number, true/false/null, array, object) exactly as the line writes
    it (``5e2``, ``[1, 2]``), so a literal found in the raw line is found in the value too.
    None when the line is not a JSON object or has no such field."""
    text, start = line, 0
    for part in path.split("."):
        found = _member(text, start, part)
        if found is None:
            return None
        text, start = found
    value, end = _DECODER.raw_decode(text, start)
    return value if isinstance(value, str) else text[start:end]


def _member(text: str, start: int, key: str) -> tuple[str, int] | None:
    """Where the value of ``key`` starts in the object at ``start`` (the last one wins, as in json.loads)."""
    index = _skip(text, start)
    if index >= len(text) or text[index] != "{":
        return None
    index, where = _skip(text, index + 1), None
    try:
        while index < len(text) and text[index] != "}":
            name, index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            if not isinstance(name, str) or text[index] != ":":
                return None
            index = _skip(text, index + 1)
            where = index if name == key else where
            _, index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            index = _skip(text, index + 1) if index < len(text) and text[index] == "," else index
    except (ValueError, IndexError):
        return None
    closed = index < len(text)  # a line cut in the middle of its object is not a JSON line
    return (text, where) if where is not None and closed else None


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _SPACE:
        index += 1
    return index


class LineClock:
    """Reads a line's own time (``timestamp_field`` or ``timestamp_pattern`` of a source)."""

    def __init__(self, field: str | None = None, pattern: str | None = None) -> None:
        self.field = field
        self.pattern = re.compile(pattern) if pattern else None
        self._group: str | int = "ts" if self.pattern and "ts" in self.pattern.groupindex else 1

    def __bool__(self) -> bool:
        return bool(self.field or self.pattern)

    def time_of(self, line: str) -> float | None:
        if self.field:
            return parse_time(json_field(line, self.field))
        if self.pattern:
            found = self.pattern.search(line)
            return parse_time(found.group(self._group)) if found else None
        return None

    def last_line_time(self, block: bytes, cap: int, strip: bool = False) -> float | None:
        """The time of the block's last line (where a block's line count is booked)."""
        return self.time_of(line_ending(block, len(block), cap, strip))
