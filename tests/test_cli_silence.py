"""``watchdog silence add|list|remove`` against a temp config and a temp state_dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from watchdog.cli.silence import app
from watchdog.store.sqlite import SqliteStore

T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "watchdog.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n\n'
        '[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:9/health"\n\n'
        '[checks.redis]\ntype = "http"\nurl = "http://127.0.0.1:9/redis"\n'
    )
    return path


def cli(config: Path, *args: str, now: float = T0) -> Result:
    return CliRunner().invoke(app, [*args, "-c", str(config)], obj={"clock": lambda: now})


def stored(config: Path) -> SqliteStore:
    return SqliteStore(config.parent / "state")


def test_add_writes_a_silence_and_says_until_when(config: Path) -> None:
    out = cli(config, "add", "health", "--for", "2h", "--reason", "deploy", "--by", "ana")
    assert out.exit_code == 0, out.output
    with stored(config) as store:
        (silence,) = store.silences(T0 + 60)
    assert (silence.check, silence.starts, silence.ends, silence.reason, silence.created_by) == (
        "health", T0, T0 + 7200, "deploy", "ana")
    assert out.stdout == f"silenced health for 2h, until 2024-05-01 14:00:00 UTC (id {silence.id}): deploy\n"


def test_star_silences_every_check(config: Path) -> None:
    out = cli(config, "add", "*", "--for", "30m")
    assert out.exit_code == 0
    assert out.stdout.startswith("silenced every check for 30m, until 2024-05-01 12:30:00 UTC (id ")


def test_list_shows_the_silences_in_force(config: Path) -> None:
    cli(config, "add", "health", "--for", "2h", "--reason", "deploy v3.8", "--by", "ana")
    cli(config, "add", "redis", "--for", "10m", "--by", "bo", now=T0 - 3600)  # over before T0
    with stored(config) as store:
        sid = store.silences(T0)[0].id
    out = cli(config, "list", now=T0 + 1800)
    assert out.exit_code == 0
    assert out.stdout.splitlines() == [
        "ID        CHECK   UNTIL                    LEFT   BY   REASON",
        f"{sid}  health  2024-05-01 14:00:00 UTC  1h30m  ana  deploy v3.8",
    ]
    assert len(cli(config, "list", "--all").stdout.splitlines()) == 3


def test_list_without_silences(config: Path) -> None:
    out = cli(config, "list")
    assert (out.exit_code, out.stdout) == (0, "no silences in force\n")


def test_list_as_json(config: Path) -> None:
    import json

    cli(config, "add", "health", "--for", "1h", "--by", "ana")
    (item,) = json.loads(cli(config, "list", "--json").stdout)
    assert {k: item[k] for k in ("check", "starts", "ends", "created_by", "active")} == {
        "check": "health", "starts": T0, "ends": T0 + 3600, "created_by": "ana", "active": True}


def test_remove_deletes_it(config: Path) -> None:
    cli(config, "add", "health", "--for", "2h")
    with stored(config) as store:
        sid = store.silences()[0].id
    out = cli(config, "remove", sid)
    assert (out.exit_code, out.stdout) == (0, f"removed silence {sid} (health)\n")
    with stored(config) as store:
        assert store.silences() == []


@pytest.mark.parametrize(("args", "message"), [
    (("add", "healht", "--for", "2h"),
     "watchdog: no check named 'healht' in {config} (checks: health, redis; '*' silences all)"),
    (("add", "health", "--for", "soon"),
     "watchdog: --for: invalid duration 'soon' (use 500ms, 30s, 5m, 1h, 1d)"),
    (("add", "health", "--for", "0s"),
     "watchdog: --for: invalid duration '0s': must be more than zero"),
    (("remove", "nope"), "watchdog: no silence with id 'nope' (see 'watchdog silence list')"),
])
def test_bad_arguments_are_one_line_exit_2(config: Path, args: tuple[str, ...], message: str) -> None:
    out = cli(config, *args)
    assert out.exit_code == 2
    assert out.stderr == message.format(config=config) + "\n"
    assert out.stdout == ""


def test_a_bad_config_is_one_line_with_its_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "watchdog.toml"
    bad.write_text('[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:9/"\n[checks.health.alert]\naftr = 2\n')
    out = cli(bad, "list")
    assert out.exit_code == 2
    assert out.stderr == f"watchdog: {bad}: checks.health.alert.aftr: unknown key (did you mean 'after'?)\n"


def test_an_unusable_state_dir_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    path = tmp_path / "watchdog.toml"
    path.write_text(f'state_dir = "{tmp_path / "file" / "state"}"\n')
    out = cli(path, "list")
    assert out.exit_code == 2
    assert out.stderr == f"watchdog: cannot create the state directory {tmp_path / 'file' / 'state'}: Not a directory\n"


def test_silence_list_takes_format_json_and_the_old_json_flag(run_cli, write_config, tmp_path):
    import json

    path = write_config(f'state_dir = "{tmp_path / "state"}"\n[checks.health]\ntype = "http"\nurl = "http://127.0.0.1:9/h"\n')
    assert run_cli("silence", "add", "health", "--for", "1h", "-c", path).code == 0
    for flag in (("--format", "json"), ("--json",)):
        [silence] = json.loads(run_cli("silence", "list", *flag, "-c", path).out)
        assert silence["check"] == "health"
