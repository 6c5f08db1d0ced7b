"""``watchdog config validate`` and ``watchdog config show``.

``validate`` exits 0 when the file is valid and 2 with one line per problem
otherwise. Besides the keys it checks what only the daemon would find out at
start: every check and channel is built (not run), so a plugin that cannot
start fails here instead of refusing a reload. ``show`` prints the effective configuration (defaults filled in,
environment interpolated) with every secret replaced by ``***``.
"""

from __future__ import annotations

import enum
import json
import sys
from typing import Annotated, Any

import typer

from watchdog.cli.common import ConfigOption, fail

app = typer.Typer(help="Validate or show the configuration.", no_args_is_help=True)


class ShowFormat(str, enum.Enum):
    toml = "toml"
    json = "json"


@app.command("validate")
def validate(
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also name the log patterns that run on every line (slow).")] = False,
) -> None:
    """Check the config file; exit 0 if valid, 2 with one line per problem."""
    from watchdog.config import load
    from watchdog.errors import ConfigError, WatchdogError

    try:
        cfg = load(config)
    except ConfigError as err:
        for line in getattr(err, "all", None) or [err]:
            print(f"watchdog: {line}", file=sys.stderr)
        raise typer.Exit(2) from None
    except WatchdogError as err:
        fail(str(err), 2)
    problems = _extra_problems(cfg)
    if problems:
        for line in problems:
            print(f"watchdog: {cfg.path}: {line}", file=sys.stderr)
        raise typer.Exit(2)
    print(f"{cfg.path}: OK - {_describe(cfg)}")
    if verbose:
        for line in slow_patterns(cfg):
            print(line)


def slow_patterns(cfg: Any) -> list[str]:
    """``slow: checks.NAME: 'REGEX' ...`` for each log pattern with no literal text to pre-filter on."""
    from watchdog import runner
    from watchdog.logs.engine import engine_name

    names = [n for n, c in cfg.checks.items() if hasattr(c, "source")]
    if not names:
        return []
    context = runner.context_for(cfg)
    runner.build(cfg, names, context)
    lines = [f"log matcher: {engine_name()}"]
    for name, patterns in context.logs.unfiltered().items():
        lines += [f"slow: checks.{name}: '{p}' has no literal text to pre-filter on, so it runs on every line "
                  "(~10x slower than a pattern holding a word)" for p in patterns]
    return lines


@app.command("show")
def show(
    config: ConfigOption = None,
    output: Annotated[ShowFormat, typer.Option("--format", metavar="FORMAT", help="toml or json.")] = ShowFormat.toml,
    short: Annotated[ShowFormat | None, typer.Option("-f", hidden=True, show_default=False)] = None,
) -> None:
    """Print the effective configuration, secrets shown as ***."""
    from watchdog.cli.common import load_config

    cfg = load_config(config, exit_code=2)
    document = effective(cfg)
    if (short or output) is ShowFormat.json:
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        import tomli_w

        print(tomli_w.dumps(_without_none(document)), end="")


def effective(cfg: Any) -> dict[str, Any]:
    """The validated config as plain data, every string passed through the redactor."""
    from watchdog.alerting.rules import effective_rules

    document: dict[str, Any] = cfg.settings.model_dump(mode="json")
    document["checks"] = {}
    for name, check in cfg.checks.items():
        shown = check.model_dump(mode="json", by_alias=True)
        # what applies, not what was typed: the defaults merged key by key
        shown["alert"] = effective_rules(cfg.settings.defaults.alert, check.alert).model_dump(mode="json", by_alias=True)
        document["checks"][name] = shown
    for table, models in cfg.named_tables().items():
        document[table] = {n: _dump(m) for n, m in models.items()}
    return _masked(document, cfg.redactor)


def _dump(model: Any) -> Any:
    """A validated table as plain data: a model's fields, a window's keys (``WindowSpec.as_table``)."""
    if hasattr(model, "as_table"):
        return model.as_table()
    return model.model_dump(mode="json", by_alias=True) if hasattr(model, "model_dump") else model


def _without_none(value: Any) -> Any:
    """TOML has no null: an unset key is left out, as it would be in the file."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _masked(value: Any, redact: Any) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, redact) for v in value]
    if isinstance(value, str):
        return "***" if set(value) == {"*"} else redact(value)
    return value


def _describe(cfg: Any) -> str:
    parts = [f"{len(cfg.checks)} checks ({', '.join(cfg.checks) or 'none'})"]
    parts += [f"{len(models)} {table}" for table, models in cfg.named_tables().items() if models]
    return ", ".join(parts)


def _extra_problems(cfg: Any) -> list[str]:
    """Problems found across tables after validation (a runbook that does not exist, a check
    or channel that cannot be built)."""
    from watchdog.runbooks import missing_runbooks

    problems = [f"{key}: no runbook named {name!r} in the runbooks directory" for key, name in missing_runbooks(cfg)]
    return problems + _unbuildable(cfg)


def _unbuildable(cfg: Any) -> list[str]:
    """Build every check and channel as the daemon does at start (nothing is run or sent)."""
    from watchdog import runner
    from watchdog.alerting.channels import build_channel

    problems = []
    context = runner.context_for(cfg)
    for name in cfg.checks:
        try:
            runner.build(cfg, [name], context)
        except Exception as exc:  # a plugin's own error, in one line
            problems.append(f"checks.{name}: cannot be built: {type(exc).__name__}: {cfg.redactor(str(exc))}")
    for name, channel in cfg.channels.items():
        try:
            build_channel(name, channel, cfg.redactor)
        except Exception as exc:
            problems.append(f"channels.{name}: cannot be built: {type(exc).__name__}: {cfg.redactor(str(exc))}")
    return problems
