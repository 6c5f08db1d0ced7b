"""Install a plugin distribution for one test: a ``*.dist-info`` directory on ``sys.path``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from watchdog import registry


def write_distribution(directory: Path, entry_points: str) -> Path:
    """A ``*.dist-info`` declaring ``entry_points`` in ``directory`` (put it on sys.path or
    PYTHONPATH, a child process's too, and importlib.metadata finds the distribution)."""
    info = directory / "wd_test_plugins-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wd-test-plugins\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    return directory


@pytest.fixture
def install_distribution(tmp_path, monkeypatch) -> Iterator[Callable[[str], None]]:  # type: ignore[no-untyped-def]
    """``install(entry_points_txt)``: importlib.metadata now finds a distribution declaring them."""

    def install(entry_points: str) -> None:
        write_distribution(tmp_path, entry_points)
        monkeypatch.syspath_prepend(str(tmp_path))
        registry.clear_caches()

    yield install
    registry.clear_caches()
