"""Run the real ``watchdog`` entry point in-process and capture what a user would see."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from watchdog.cli.main import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def run(*args: str) -> Outcome:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_config(tmp_path):  # type: ignore[no-untyped-def]
    def write(text: str, name: str = "watchdog.toml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write
