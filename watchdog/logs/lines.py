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

#: CSI (colours, cursor), OSC (titles, links) and two-byte escapes.
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(block: bytes) -> bytes:
    """``block`` without ANSI escape sequences (a no-op scan when there are none)."""
    return ANSI.sub(b"", block) if b"\x1b" in block else block


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
        data = self._carry + chunk if self._carry else chunk
        self._carry = b""
        if self._skipping:
            nl = data.find(b"\n")
            if nl < 0:
                return b""
            data, self._skipping = data[nl + 1:], False
        last = data.rfind(b"\n")
        block, rest = (data[: last + 1], data[last + 1:]) if last >= 0 else (b"", data)
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

    def last_line_time(self, block: bytes, cap: int) -> float | None:
        """The time of the block's last line (where a block's line count is booked)."""
        end = len(block) - 1
        start = block.rfind(b"\n", 0, end) + 1
        return self.time_of(line_at(block, start, end, cap))
