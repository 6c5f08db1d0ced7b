"""The distribution ships every package of the source tree, the built-in kinds as ``watchdog.checks``."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_directory_is_listed_in_pyproject() -> None:
    tool = _pyproject()["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "watchdog").rglob("__init__.py")}
    on_disk.add("watchdog.checks")
    assert set(tool["packages"]) == on_disk


def test_the_builtin_kinds_install_under_watchdog_not_as_a_top_level_checks_package() -> None:
    assert _pyproject()["tool"]["setuptools"]["package-dir"] == {"watchdog.checks": "checks"}
    import watchdog.checks.http_endpoint as http_endpoint

    assert Path(http_endpoint.__file__).parent == ROOT / "checks"
