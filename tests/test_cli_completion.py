"""Shell completion: the script for each shell, and the candidates the shell asks watchdog for."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def watchdog(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watchdog", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o default -F _watchdog_completion watchdog"),
    ("zsh", "compdef _watchdog_completion watchdog"),
    ("fish", "complete --command watchdog"),
])
def test_the_completion_script_of_each_shell(shell: str, marker: str) -> None:
    done = watchdog("completion", shell)
    assert done.returncode == 0 and marker in done.stdout and "_WATCHDOG_COMPLETE" in done.stdout


def test_the_shell_is_offered_commands_and_options() -> None:
    asked = {"_WATCHDOG_COMPLETE": "complete_bash", "COMP_WORDS": "watchdog check --fo", "COMP_CWORD": "2"}
    assert watchdog(env=asked).stdout.split() == ["--format"]
    assert "status" in watchdog(env={**asked, "COMP_WORDS": "watchdog st", "COMP_CWORD": "1"}).stdout.split()
