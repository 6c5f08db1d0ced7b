"""The two literal scanners (Hyperscan, standard library) find exactly the same lines."""

from __future__ import annotations

import random

import pytest

from watchdog.logs.engine import FindScanner, Upgrading, engine_name, scanner_for

PROBES = [((b"error", b"failed"), True), ((b"WebSocket disconnected",), False), ((b"\xc4\xb0", b"\xc4\xb1"), False),
          ((b'"level": "error"', b'"level":"error"'), False), ((b"\\u",), False), ((b"\x00x",), False)]
WORDS = [b"error", b"ERROR", b"Failed", b"fail", b"WebSocket", b"disconnected", b"WebSocket disconnected",
         "İ".encode(), "ı".encode(), b'"level":', b' "error"', b'"level": "error"', b"\\u0065", b"\x00x", b"\xff", b" "]


def random_block(seed: int, lines: int) -> bytes:
    rnd = random.Random(seed)
    return b"".join(b"".join(rnd.choice(WORDS) for _ in range(rnd.randint(0, 6))) + b"\n" for _ in range(lines))


@pytest.mark.skipif(engine_name() != "hyperscan", reason="hyperscan is not installed")
def test_hyperscan_finds_the_lines_the_standard_library_finds() -> None:
    block = random_block(1, 5000)
    assert scanner_for(PROBES).lines(block) == FindScanner(PROBES).lines(block)


def test_lines_are_named_by_their_end() -> None:
    block = b"no\nan ERROR here\n\nfailed and error\n"
    assert FindScanner([((b"error", b"failed"), True)]).lines(block) == [[17, 35]]


def test_the_standard_library_scanner_is_used_on_request() -> None:
    assert isinstance(scanner_for(PROBES, engine="find"), FindScanner)


@pytest.mark.skipif(engine_name() != "hyperscan", reason="hyperscan is not installed")
def test_the_default_scanner_answers_at_once_and_hyperscan_alike_once_compiled() -> None:
    block = random_block(2, 3000)
    scanner = scanner_for(PROBES)
    assert isinstance(scanner, Upgrading)
    before = scanner.lines(block)
    assert scanner.ready(timeout=30)
    assert scanner.lines(block) == before == FindScanner(PROBES).lines(block)
