"""`watchdog check` and `logs scan` without Typer: which command lines are read directly, and what
a one-off check validates."""

from __future__ import annotations

import pytest

from watchdog.cli.once import CheckRun, parse
from watchdog.cli.scan import ScanRun, parse_scan


@pytest.mark.parametrize(
    ("args", "run"),
    [
        ([], CheckRun()),
        (["api", "-f", "nagios"], CheckRun(names=["api"], output="nagios")),
        (["-fjson", "--config=w.toml", "-t", "app", "--tag", "infra"],
         CheckRun(tags=["app", "infra"], output="json", config="w.toml")),
        (["-v", "--log-window", "1m", "--source-stdin=railway", "--", "-odd-name"],
         CheckRun(names=["-odd-name"], log_window="1m", source_stdin="railway", verbose=True)),
    ],
)
def test_plain_check_command_lines_are_read_without_typer(args: list[str], run: CheckRun) -> None:
    assert parse(args) == run


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["-f", "bogus"], ["-c"], ["-c", "-v"], ["--nope"], ["-vf", "json"]])
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert parse(args) is None


@pytest.mark.parametrize(
    ("args", "run"),
    [
        (["app.log"], ScanRun(target=["app.log"])),
        (["-", "-f", "json", "--check", "a", "--check=b", "--evidence", "0"],
         ScanRun(target=["-"], checks=["a", "b"], output="json", evidence=0)),
        (["railway", "-c", "w.toml"], ScanRun(target=["railway"], config="w.toml")),
        ([], None),
        (["a.log", "b.log"], None),
        (["a.log", "--evidence", "many"], None),
        (["a.log", "-f", "nagios"], None),
    ],
)
def test_plain_scan_command_lines_are_read_without_typer(args: list[str], run: ScanRun | None) -> None:
    assert parse_scan(args) == run


UNUSED_BAD = """
[checks.off]
type = "http"
url = "http://127.0.0.1:1/"
enabled = false
tiemout = "1s"

[channels.pager]
type = "webhook"
url = "not a url"
"""


def test_check_validates_only_the_tables_it_runs(run_cli, write_config, http_service) -> None:  # type: ignore[no-untyped-def]
    path = write_config(f'[checks.api]\ntype = "http"\nurl = "{http_service.url}/health"\n' + UNUSED_BAD)
    outcome = run_cli("check", "-c", path, "-f", "nagios")
    assert (outcome.code, outcome.out.split(" - ")[0]) == (0, "WATCHDOG OK")


def test_config_validate_still_names_a_bad_key_in_a_table_check_skips(run_cli, write_config, http_service) -> None:  # type: ignore[no-untyped-def]
    path = write_config(f'[checks.api]\ntype = "http"\nurl = "{http_service.url}/health"\n' + UNUSED_BAD)
    outcome = run_cli("config", "validate", "-c", path)
    assert (outcome.code, outcome.err.splitlines()[0]) == (2, f"watchdog: {path}: checks.off.tiemout: unknown key "
                                                              "(did you mean 'timeout'?)")
