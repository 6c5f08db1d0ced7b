"""``watchdog completion bash|zsh|fish``: the shell's completion script, printed to install.

The script asks ``watchdog`` itself for candidates (``_WATCHDOG_COMPLETE`` in the
environment: command names, options, choices), which ``main()`` answers through
Typer's completion before anything else runs. Install it with::

    watchdog completion bash > ~/.local/share/bash-completion/completions/watchdog
    watchdog completion zsh > "${fpath[1]}/_watchdog"
    watchdog completion fish > ~/.config/fish/completions/watchdog.fish
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer

COMPLETE_VAR = "_WATCHDOG_COMPLETE"


class Shell(str, enum.Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")]) -> None:
    """Print the shell completion script (see 'watchdog completion --help' for where it goes)."""
    from typer.completion import get_completion_script

    print(get_completion_script(prog_name="watchdog", complete_var=COMPLETE_VAR, shell=shell.value))


def answering() -> bool:
    """Is this run a shell asking for completions? Then Typer's completion classes are set up."""
    import os

    if COMPLETE_VAR not in os.environ:
        return False
    from typer.completion import completion_init

    completion_init()
    return True
