"""The root ``watchdog`` app: mounts the command groups and owns the error boundary.

``main()`` runs click in non-standalone mode so that every error ends as one
line on stderr with a documented exit code: usage errors exit 3 for ``check``
and ``probe`` (the Nagios convention: UNKNOWN) and 2 elsewhere; a
``WatchdogError`` exits with its own code; an unexpected exception is reported
in one line as a bug (exit 3), with the traceback only under WATCHDOG_DEBUG=1.

A plain ``watchdog check ...`` (what cron and NRPE run every minute) and
``watchdog logs scan ...`` never import Typer: ``watchdog.cli.once`` and
``watchdog.cli.scan`` read their arguments and run them; anything those
command lines do not hold (``--help``, an argument error) goes through the
Typer app below, built on first use, whose commands run the same code.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from watchdog import __version__


#: the commands and command groups, in the order ``watchdog --help`` lists them:
#: (name, "module:attribute" under watchdog.cli, short help or None for a group's own)
COMMANDS: tuple[tuple[str, str, str | None], ...] = (
    ("check", "check:check", "Run checks once; exit code = worst status."),
    ("probe", "check:probe", "Ad-hoc check of a URL (HTTP, WebSocket, Socket.IO), no config."),
    ("config", "config_cmd:app", None),
    ("run", "run:run", "Run the daemon (schedule, alerts, reports)."),
    ("status", "status:status", "What the daemon sees now."),
    ("logs", "logs:app", "Scan a log with the log checks, or tail a source."),
    ("alert", "alert:app", None),
    ("runbook", "runbook:runbook", "List the runbooks, or show one."),
    ("silence", "silence:app", None),
    ("ack", "ack:ack", "Acknowledge a firing alert: reminders and escalations stop."),
    ("report", "report:report", "Checkpoint report of a window, or daily."),
    ("window", "report:window_app", None),
    ("completion", "completion:completion", "Print the shell completion script (bash, zsh, fish)."),
)


def build_app() -> Any:
    """The Typer app with every command group mounted."""
    import importlib

    import typer

    app = typer.Typer(
        name="watchdog",
        help="Watch a production web service: checks, alerts, checkpoint reports.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain help: rich panels cost ~90 ms of a 0.25 s budget
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for name, target, short_help in COMMANDS:
        module, _, attr = target.partition(":")
        found = getattr(importlib.import_module(f"watchdog.cli.{module}"), attr)
        if isinstance(found, typer.Typer):
            app.add_typer(found, name=name, **({"short_help": short_help} if short_help else {}))
        else:
            app.command(name, short_help=short_help)(found)
    _root(app)
    _arguments_in_words()
    return app


def _arguments_in_words() -> None:
    """Typer prints an argument's Python type after its name (``CHECK <list[str]>``); every
    argument here has a metavar that says what it is in words, so the type is left out."""
    from typer.core import TyperArgument

    original = getattr(TyperArgument, "display_type_rich", None)
    if original is None or getattr(original, "in_words", False):
        return

    def display(self: Any, ctx: Any) -> Any:
        return None if self.metavar else original(self, ctx)

    display.in_words = True  # type: ignore[attr-defined]
    TyperArgument.display_type_rich = display  # type: ignore[method-assign]


def __getattr__(name: str) -> Any:
    if name == "app":  # ``watchdog.cli.main.app``, built when asked for
        return build_app()
    raise AttributeError(name)


#: commands whose argument errors exit 3 (UNKNOWN) so Nagios/cron read them right
NAGIOS_COMMANDS = {"check", "probe"}


def _version(value: bool) -> None:
    if value:
        import typer

        print(f"watchdog {__version__} (ops-watchdog)")
        raise typer.Exit(0)


def _root(app: Any) -> None:
    import typer

    @app.callback()
    def root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    ) -> None:
        """Watch a production web service: checks, alerts, checkpoint reports."""


def _click_exceptions():  # type: ignore[no-untyped-def]
    """Typer >= 0.2x vendors click as ``typer._click``; older releases depend on click."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - depends on the installed typer
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    plain = _plain(args)
    code = _guarded(plain if plain is not None else lambda: _typer(args))
    sys.exit(code if isinstance(code, int) else 0)


def _plain(args: list[str]) -> Any:
    """The run of a plain ``check`` or ``logs scan`` command line, which needs no Typer, or None."""
    if args[:1] == ["check"]:
        from watchdog.cli.once import parse, run_check

        run = parse(args[1:])
        return None if run is None else lambda: run_check(run)
    if args[:2] == ["logs", "scan"]:
        from watchdog.cli.scan import parse_scan, run_scan

        scan = parse_scan(args[2:])
        return None if scan is None else lambda: run_scan(scan)
    return None


def _typer(args: list[str]) -> object:
    """Run the Typer app; click's usage errors and aborts become one line and an exit code."""
    import typer

    from watchdog.cli.completion import COMPLETE_VAR, answering

    click_exceptions = _click_exceptions()
    command = typer.main.get_command(build_app())
    try:
        return command.main(args=args, prog_name="watchdog", standalone_mode=False,
                            complete_var=COMPLETE_VAR if answering() else None)
    except click_exceptions.UsageError as err:
        path = err.ctx.command_path.split() if err.ctx else ["watchdog"]
        code = 3 if path[1:2] and path[1] in NAGIOS_COMMANDS else 2
        if not err.format_message().strip():  # no arguments: the help was printed already
            return code
        print(f"watchdog: {err.format_message()} (see '{' '.join(path)} --help')", file=sys.stderr)
        return code
    except (getattr(click_exceptions, "Abort", typer.Abort), typer.Abort):
        print("watchdog: interrupted", file=sys.stderr)
        return 130


def _guarded(run: Any) -> object:
    """The one error boundary: a WatchdogError is its line and code, a bug one line (exit 3)."""
    from watchdog.errors import WatchdogError

    try:
        return run()
    except WatchdogError as err:
        print(f"watchdog: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("watchdog: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: one line, the traceback only on request
        if os.environ.get("WATCHDOG_DEBUG"):
            raise
        print(f"watchdog: internal error: {type(err).__name__}: {err} (set WATCHDOG_DEBUG=1 for the traceback; "
              "please report it)", file=sys.stderr)
        return 3
