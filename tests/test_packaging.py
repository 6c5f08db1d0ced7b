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


def test_the_index_metadata_is_complete() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert "Typing :: Typed" in project["classifiers"] and "Topic :: System :: Monitoring" in project["classifiers"]
    assert set(project["urls"]) >= {"Homepage", "Source", "Issues", "Documentation"}


def test_the_type_hints_ship_with_the_package() -> None:
    assert (ROOT / "watchdog" / "py.typed").is_file()
    assert _pyproject()["tool"]["setuptools"]["package-data"] == {"watchdog": ["py.typed"]}


def test_the_version_is_written_once() -> None:
    import watchdog

    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "watchdog.__version__"}
    assert watchdog.__version__.count(".") == 2
