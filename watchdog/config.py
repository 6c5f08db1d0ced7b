"""Loading the configuration: find the file, read TOML, interpolate ``${ENV}``, validate.

The file has two parts:

* settings (``state_dir``, ``[defaults]``, ``[server]``...): ``watchdog.settings``,
  one pydantic-settings model, so ``WATCHDOG_STATE_DIR`` or
  ``WATCHDOG_DEFAULTS__TIMEOUT`` override the file;
* named tables (``[checks.NAME]``, ``[sources.NAME]``, ``[channels.NAME]``,
  ``[windows.NAME]``): each validated by the model of its kind, found by ``type``.

Every problem becomes one ``ConfigError`` line naming the file, the table and
the key: ``watchdog.toml: checks.health.interval: invalid duration 'fast' ...``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from watchdog import registry
from watchdog.errors import ConfigError
from watchdog.kinds import CheckConfig, CheckKind
from watchdog.redact import Redactor, looks_secret, secret_values
from watchdog.settings import Settings
from watchdog.thresholds import unknown_metrics
from watchdog.validation import describe_errors

if TYPE_CHECKING:
    from watchdog.alerting.channels.base import ChannelConfig
    from watchdog.logs.config import SourceConfig
    from watchdog.reports.config import WindowSpec

SEARCH_PATH = ("./watchdog.toml", "/etc/watchdog/watchdog.toml")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


#: Named tables other subsystems own: table -> "module:function(name, table, ctx) -> model".
#: Imported only when the file has that table, so a config without logs never imports them.
TABLES: dict[str, str] = {
    "sources": "watchdog.logs.config:validate_source",
    "channels": "watchdog.alerting.config:validate_channel",
    "windows": "watchdog.reports.config:validate_window",
}
TableValidator = Callable[[str, Mapping[str, Any], "LoadContext"], Any]


def _table_validator(table: str) -> TableValidator:
    import importlib

    module, _, func = TABLES[table].partition(":")
    return getattr(importlib.import_module(module), func)


@dataclass(frozen=True)
class LoadContext:
    """What validators may look at: table validators and each kind's ``validate_config``."""

    file: str
    #: the document as written, before ``${ENV}`` interpolation (is a password typed in the file?)
    raw_document: Mapping[str, Any]
    #: the document after interpolation
    document: Mapping[str, Any]
    settings: Settings
    #: the ``[sources.NAME]`` names, sorted
    source_names: tuple[str, ...] = ()
    #: check name -> the metrics it can produce (window criteria are checked against it)
    metrics: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def raw_check(self, name: str) -> Mapping[str, Any]:
        """``[checks.NAME]`` as written in the file (``{}`` when it is not a table)."""
        checks = self.raw_document.get("checks")
        table = checks.get(name) if isinstance(checks, Mapping) else None
        return table if isinstance(table, Mapping) else {}


@dataclass
class Config:
    """A loaded, validated configuration."""

    path: Path
    settings: Settings
    checks: dict[str, CheckConfig]
    kinds: dict[str, type[CheckKind]]
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    channels: dict[str, ChannelConfig] = field(default_factory=dict)
    windows: dict[str, WindowSpec] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor)
    document: Mapping[str, Any] = field(default_factory=dict)

    def named_tables(self) -> dict[str, Mapping[str, Any]]:
        """The validated ``[sources.*]``, ``[channels.*]``, ``[windows.*]`` models, by table."""
        return {"sources": self.sources, "channels": self.channels, "windows": self.windows}


def find_config(explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """``-c FILE``, else ``$WATCHDOG_CONFIG``, else ./watchdog.toml, else /etc/watchdog/watchdog.toml."""
    if explicit:
        return _existing(Path(explicit), "-c")
    if env.get("WATCHDOG_CONFIG"):
        return _existing(Path(env["WATCHDOG_CONFIG"]), "$WATCHDOG_CONFIG")
    for candidate in SEARCH_PATH:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ConfigError(
        f"no config file found (looked for {', '.join(SEARCH_PATH)}); "
        "pass -c FILE or set $WATCHDOG_CONFIG (see config.example.toml)"
    )


def _existing(path: Path, origin: str) -> Path:
    if not path.exists():
        raise ConfigError(f"config file not found (from {origin})", file=str(path))
    if not path.is_file():
        raise ConfigError(f"not a file (from {origin})", file=str(path))
    return path


#: given the ``[checks.*]`` tables as written, the names of those to validate (``watchdog check``)
Selection = Callable[[Mapping[str, Mapping[str, Any]], Path], list[str]]


def load(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None, *,
         only: Selection | None = None, sources: bool = False) -> Config:
    """Find, read, interpolate and validate; raises ConfigError naming the key.

    With ``only``, just the checks it picks are validated - and ``[sources.*]`` when one of
    them reads a source, or ``sources`` asks - not the channels or windows: what a one-off
    ``watchdog check`` uses. ``config validate`` and ``run`` validate everything."""
    env = os.environ if env is None else env
    file = find_config(path, env)
    document = read_toml(file)
    return from_document(document, file=file, env=env, only=only, sources=sources)


def read_toml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(file)) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=str(file)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=str(file)) from None


def from_document(document: Mapping[str, Any], *, file: Path | str = "watchdog.toml",
                  env: Mapping[str, str] | None = None, only: Selection | None = None,
                  sources: bool = False) -> Config:
    """Validate an already-parsed document (tests and `config validate` use this too);
    ``only`` and ``sources`` as for ``load``."""
    env = os.environ if env is None else env
    name = str(file)
    redactor = Redactor()
    doc = interpolate(document, env, redactor, file=name)
    named = {key: doc.get(key) for key in ("checks", *TABLES) if key in doc}
    plain = {k: v for k, v in doc.items() if k not in named}
    settings = _settings(plain, name, env)
    source_tables = named.get("sources")
    ctx = LoadContext(file=name, raw_document=document, document=doc, settings=settings,
                      source_names=tuple(sorted(source_tables)) if isinstance(source_tables, dict) else ())
    check_tables = _as_tables(named.get("checks") or {}, "checks", name)
    wanted = set(TABLES)
    if only is not None:
        check_tables = {n: check_tables[n] for n in only(check_tables, Path(file))}
        wanted = {"sources"} if sources or any("source" in t for t in check_tables.values()) else set()
    kinds, checks = _checks(check_tables, ctx)
    ctx = replace(ctx, metrics={n: kinds[n].known_metrics(c) for n, c in checks.items()})
    tables = {
        table: {n: _validate_named(table, n, t, ctx) for n, t in _as_tables(named[table] or {}, table, name).items()}
        for table in TABLES
        if named.get(table) and table in wanted
    }
    for check_name, check in checks.items():
        _cross_check(kinds[check_name], check_name, check, ctx)
    # the channels an alert names must exist, even where their tables are not validated
    channels = tables["channels"] if "channels" in tables else named.get("channels") or {}
    _check_channel_names(settings, checks, channels if isinstance(channels, dict) else {}, name)
    _collect_secrets(redactor, {"settings": settings}, checks, tables)
    return Config(Path(file), settings, checks, kinds, sources=tables.get("sources", {}),
                  channels=tables.get("channels", {}), windows=tables.get("windows", {}), redactor=redactor,
                  document=doc)


def interpolate(value: Any, env: Mapping[str, str], redactor: Redactor, *, file: str, key: str = "") -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string; ``$$`` is a literal ``$``."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, redactor, file=file, key=_join(key, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, redactor, file=file, key=f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        var, default = m.group("name"), m.group("default")
        found = env.get(var)
        if found is None or (found == "" and default is not None):
            if default is None:
                raise ConfigError(
                    f"environment variable {var} is not set (export it, or write ${{{var}:-default}})",
                    file=file, key=key,
                )
            found = default
        if looks_secret(var) or looks_secret(key.rsplit(".", 1)[-1]):
            redactor.add(found)
        return found

    return _VAR.sub(repl, value)


def _settings(plain: Mapping[str, Any], file: str, env: Mapping[str, str]) -> Settings:
    try:
        return Settings.from_sources(plain, env)
    except ValidationError as exc:
        raise _config_error(exc, file, prefix="", model=Settings) from None


def _checks(
    tables: Mapping[str, Mapping[str, Any]], ctx: LoadContext
) -> tuple[dict[str, type[CheckKind]], dict[str, CheckConfig]]:
    kinds: dict[str, type[CheckKind]] = {}
    checks: dict[str, CheckConfig] = {}
    defaults = ctx.settings.defaults
    for name, table in tables.items():
        kind = registry.CHECKS.resolve(table, file=ctx.file, key=f"checks.{name}")
        merged = {"interval": defaults.interval, "timeout": defaults.timeout, **table}
        try:
            config = kind.Config.model_validate(merged)
        except ValidationError as exc:
            raise _config_error(exc, ctx.file, prefix=f"checks.{name}", model=kind.Config) from None
        _known_metrics_only(kind, name, config, ctx.file)
        kinds[name], checks[name] = kind, config
    return kinds, checks


def _known_metrics_only(kind: type[CheckKind], name: str, config: CheckConfig, file: str) -> None:
    """Every metric a rule reads must be one the kind produces: a typo would never trip."""
    known = kind.known_metrics(config)
    for level in ("warning", "critical", "recover"):
        rules = getattr(config, level)
        for bad, metric in unknown_metrics(rules, known):
            raise ConfigError(
                f"metric {metric!r} is never produced by {kind.type} checks "
                f"(known: {', '.join(sorted(known)) or 'none'})",
                file=file, key=f"checks.{name}.{level}[{rules.index(bad)}]",
            )


def _validate_named(table: str, name: str, body: Mapping[str, Any], ctx: LoadContext) -> Any:
    try:
        return _table_validator(table)(name, body, ctx)
    except ValidationError as exc:
        raise _config_error(exc, ctx.file, prefix=f"{table}.{name}") from None
    except ValueError as exc:
        raise ConfigError(str(exc), file=ctx.file, key=f"{table}.{name}") from None


def _cross_check(kind: type[CheckKind], name: str, config: CheckConfig, ctx: LoadContext) -> None:
    try:
        kind.validate_config(name, config, ctx)
    except ValueError as exc:
        key, _, message = str(exc).partition(": ")
        if not message:
            key, message = "", key
        raise ConfigError(message, file=ctx.file, key=_join(f"checks.{name}", key)) from None


def _check_channel_names(settings: Settings, checks: Mapping[str, CheckConfig],
                         channels: Mapping[str, Any], file: str) -> None:
    """Every channel an alert names (its own, its escalation steps', the deploy notices') must be a
    [channels.NAME] table."""
    named = [("defaults.alert", settings.defaults.alert), *((f"checks.{n}.alert", c.alert) for n, c in checks.items())]
    named = [pair for key, rules in named for pair in _channel_lists(key, rules)]
    for key, names in named:
        for index, channel in enumerate(names):
            if channel not in channels:
                have = ", ".join(channels) or "none: add a [channels.NAME] table"
                raise ConfigError(f"no channel named {channel!r} (channels: {have})", file=file, key=f"{key}[{index}]")


def _channel_lists(key: str, rules: Any) -> list[tuple[str, Sequence[str]]]:
    lists = [(f"{key}.channels", rules.channels), (f"{key}.deploy_channels", rules.deploy_channels)]
    return lists + [(f"{key}.escalate[{i}].channels", step.channels) for i, step in enumerate(rules.escalate)]


def _as_tables(value: Any, table: str, file: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError(f"must be a table of [{table}.NAME] tables", file=file, key=table)
    for name, body in value.items():
        if not _NAME.match(name):
            raise ConfigError(
                "invalid name (use letters, digits, '-', '_' and '.')", file=file, key=f"{table}.{name}"
            )
        if not isinstance(body, dict):
            raise ConfigError(
                f"must be a table ([{table}.{name}]), got {type(body).__name__}", file=file, key=f"{table}.{name}"
            )
    return value


def _collect_secrets(redactor: Redactor, *groups: Mapping[str, Any]) -> None:
    for group in groups:
        redactor.add(*secret_values(group))


def _config_error(exc: ValidationError, file: str, *, prefix: str,
                  model: type[BaseModel] | None = None) -> ConfigError:
    lines = describe_errors(exc, prefix=prefix, model=model)
    key, message = lines[0]
    more = len(lines) - 1
    if more:
        message += f" (and {more} more: run 'watchdog config validate')"
    error = ConfigError(message, file=file, key=key or None)
    error.all = [ConfigError(m, file=file, key=k or None) for k, m in lines]  # type: ignore[attr-defined]
    return error


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and key else prefix or key
