"""One pass over a block for every literal of every pattern: which lines hold which literals.

A *probe* is a set of literals (searched ASCII-case-insensitively when
``caseless``); ``Scanner.lines(block)`` returns, for each probe, the lines of
the block that hold one of its literals, ascending, each line named by its
*end*: the offset just past its ``\\n`` (the next line's start), which is what
Hyperscan reports for ``(?:literal|...)[^\\n]*\\n`` - once per line, not once
per occurrence, so a line needs no Python work to be found. Two scanners give
identical answers (tests/test_logs_engine.py runs both):

* ``HyperscanScanner`` - Intel's Hyperscan (the ``hyperscan`` wheel): all probes
  in one SIMD pass, caseless natively, so no lower-cased copy of the block.
  Measured on a 4 MB block of the bench's logs (bench/log_bench.py): 2.6-4 ms
  for the 12 literals of the example's checks, where one ``bytes.find`` sweep
  per literal took ~30 ms, ``ahocorasick_rs`` 10-12 ms, and RE2's set matcher
  20 ms without saying where (``pyahocorasick`` searches ``str`` only: the block
  would have to be decoded first);
* ``FindScanner`` - the standard library: one ``bytes.find`` sweep per literal
  (in ``block.lower()`` for caseless probes), where Hyperscan has no wheel.

``scanner_for(probes)`` picks Hyperscan when it imports (once its database is compiled). A literal never holds
``\\n`` (the literal extraction never produces one), and a block always ends
with one (``LineFramer``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

#: (literals, caseless)
Probe = tuple[tuple[bytes, ...], bool]


class Scanner(Protocol):
    def lines(self, block: bytes) -> list[list[int]]:
        """Per probe: the ends of the lines holding one of its literals, ascending."""


def scanner_for(probes: Sequence[Probe], *, engine: str = "auto") -> Scanner:
    """``auto``: ``FindScanner`` until Hyperscan's database is compiled (in a thread: 40-60 ms
    that a one-off ``watchdog check`` of a quiet log should not wait for), then Hyperscan;
    ``hyperscan``: Hyperscan at once; ``find``: the standard library only."""
    hyperscan = _hyperscan() if engine != "find" and probes else None
    if engine == "hyperscan":
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        return HyperscanScanner(probes, hyperscan)
    return FindScanner(probes) if hyperscan is None else Upgrading(probes, hyperscan)


class Upgrading:
    """``FindScanner``'s answers until a Hyperscan database compiled in a thread is ready (the same
    answers, faster); a database that cannot be compiled leaves the standard library in charge."""

    def __init__(self, probes: Sequence[Probe], hyperscan: Any) -> None:
        self._find = FindScanner(probes)
        self._fast: HyperscanScanner | None = None
        self._thread = threading.Thread(target=self._compile, args=(probes, hyperscan), daemon=True,
                                        name="hyperscan-compile")
        self._thread.start()

    def _compile(self, probes: Sequence[Probe], hyperscan: Any) -> None:
        try:
            self._fast = HyperscanScanner(probes, hyperscan)  # compiling releases the GIL
        except Exception:  # noqa: BLE001 - an engine error must not stop the log path
            return

    def ready(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` for the database; whether Hyperscan answers from now on."""
        self._thread.join(timeout)
        return self._fast is not None

    def lines(self, block: bytes) -> list[list[int]]:
        fast = self._fast
        return fast.lines(block) if fast is not None else self._find.lines(block)


def engine_name() -> str:
    """``hyperscan`` or ``find``: what ``scanner_for`` uses on this machine."""
    return "hyperscan" if _hyperscan() is not None else "find"


def _hyperscan() -> Any:
    try:
        import hyperscan
    except ImportError:
        return None
    return hyperscan


class HyperscanScanner:
    """All probes in one Hyperscan block-mode database, one expression per probe."""

    def __init__(self, probes: Sequence[Probe], hyperscan: Any) -> None:
        self.count = len(probes)
        expressions = [b"(?:%s)[^\\n]*\\n" % b"|".join(map(_escaped, literals)) for literals, _c in probes]
        flags = [hyperscan.HS_FLAG_CASELESS if caseless else 0 for _l, caseless in probes]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=expressions, ids=list(range(self.count)), elements=self.count, flags=flags)
        self._scratch = hyperscan.Scratch(self._db)

    def lines(self, block: bytes) -> list[list[int]]:
        ends: list[list[int]] = [[] for _ in range(self.count)]
        add = [e.append for e in ends]

        def found(pid: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            add[pid](end)

        self._db.scan(block, match_event_handler=found, scratch=self._scratch)
        return ends


def _escaped(literal: bytes) -> bytes:
    return b"".join(b"\\x%02x" % c for c in literal)


class FindScanner:
    """One ``bytes.find`` sweep per literal; caseless probes search ``block.lower()``."""

    def __init__(self, probes: Sequence[Probe]) -> None:
        self.probes = [(literals, caseless) for literals, caseless in probes]
        self._caseless = any(caseless for _l, caseless in self.probes)

    def lines(self, block: bytes) -> list[list[int]]:
        lowered = block.lower() if self._caseless else block
        return [sorted(line_ends_holding(lowered if caseless else block, literals))
                for literals, caseless in self.probes]


def line_ends_holding(haystack: bytes, literals: tuple[bytes, ...]) -> set[int]:
    """The ends of the lines of ``haystack`` holding one of ``literals`` (every line ends with ``\\n``)."""
    ends: set[int] = set()
    find = haystack.find
    for literal in literals:
        if find(literal[:1]) < 0:  # memchr: skips the rare bytes of ı, ſ, \\u at once
            continue
        pos = find(literal)
        while pos >= 0:
            end = find(b"\n", pos) + 1
            if not end:
                break
            ends.add(end)
            pos = find(literal, end)
    return ends
