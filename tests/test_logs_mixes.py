"""The bench's three mixes, small: the checks' results through the one-pass hub are exactly those of
one regex per line with every hit handed over one by one (the way the hub worked before issue 15)."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from watchdog import runner
from watchdog.config import from_document
from watchdog.logs import hub as hub_module
from watchdog.logs.hub import LogHub
from watchdog.logs.lines import split_lines, strip_ansi
from watchdog.logs.matcher import field_text
from watchdog.logs.routes import Batch, OneLine

_spec = importlib.util.spec_from_file_location("log_mixes", Path(__file__).parent.parent / "bench" / "log_mixes.py")
assert _spec is not None and _spec.loader is not None
log_mixes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(log_mixes)


class PerLineHub(LogHub):
    """The reference: each block stripped whole, every line given to every regex, hits one by one."""

    def _process(self, run: Any, block: bytes) -> None:
        if not block:
            return
        t = self.clock()
        block = strip_ansi(block) if run.config.strip_ansi else block
        count = block.count(b"\n")
        run.status.lines += count
        run.status.bytes += len(block)
        for reg in self._regs.values():
            if reg.on_lines is not None and reg.source == run.name:
                reg.on_lines(t, count)
        specs = run.matcher.specs
        for line in split_lines(block, run.config.max_line_bytes):
            for index, spec in enumerate(specs):
                text = line if spec.field is None else field_text(line, spec.field)
                found = None if text is None else spec.compile().search(text)
                for handler in run.routes.handlers[index] if found is not None else ():
                    if isinstance(handler, Batch):
                        handler.hits(t, OneLine(line, found))
                    else:
                        handler(t, line, found)


class Ticks:
    """A clock that moves a quarter of a second each time it is read."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


def scan(path: Path, mix: str, hub: type[LogHub], monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    document = {"sources": {"log": {"file": str(path), "from_start": True}},
                "checks": {name: {"source": "log", **body} for name, body in log_mixes.checks_for(mix).items()}}
    config = from_document(document, file="mix.toml", env={})
    monkeypatch.setattr(hub_module, "LogHub", functools.partial(hub, clock=Ticks()))
    context = runner.context_for(config, logs_to_end=True)
    checks = runner.build(config, list(config.checks), context)
    results = asyncio.run(runner.run_checks(checks))
    asyncio.run(context.aclose())
    latest = [c.evidence.lines(False) for c in checks if hasattr(c, "evidence")]  # what the daemon shows
    return [(r.check, r.status, r.summary, r.metrics, r.evidence, r.labels) for r in results] + latest


@pytest.mark.parametrize("mix", ["a", "b", "c"])
def test_results_are_those_of_one_regex_per_line(mix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"{mix}.log"
    log_mixes.write_mix(path, mix, 40_000, seed=11)
    assert scan(path, mix, LogHub, monkeypatch) == scan(path, mix, PerLineHub, monkeypatch)
