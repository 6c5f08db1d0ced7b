"""Runbooks: Markdown files in ``runbooks/`` that alerts link to.

Each file starts with a short front matter, read by a tiny ``key: value``
parser (no YAML dependency)::

    ---
    title: Redis unreachable or slow
    severity: critical
    applies_to: [redis]
    ---

A check links one with ``alert.runbook = "redis-unreachable"``; Slack messages
carry its title, its ``## First steps`` and a link built from
``[runbooks] base_url`` (``{name}`` is replaced, else the name is appended).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.errors import WatchdogError

if TYPE_CHECKING:
    from watchdog.config import Config

REQUIRED = ("title", "severity", "applies_to")
_ITEM = re.compile(r"^(?:\d+[.)]|[-*+])\s+(?P<text>.+)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class RunbookError(WatchdogError):
    """A runbook does not exist or cannot be read."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Runbook:
    name: str
    title: str
    severity: str
    applies_to: tuple[str, ...]
    body: str  # the Markdown after the front matter
    path: Path | None = None

    def first_steps(self, n: int = 3) -> list[str]:
        """The first ``n`` items of the ``## First steps`` section, one line each."""
        return _list_items(_section(self.body, "first steps"))[:n]

    def link(self, base_url: str) -> str | None:
        """``base_url`` with ``{name}`` replaced (or the name appended); None without a base."""
        if not base_url:
            return None
        if "{name}" in base_url:
            return base_url.replace("{name}", self.name)
        return base_url if base_url.endswith(self.name) else base_url.rstrip("/") + "/" + self.name


def parse(text: str, name: str, path: Path | None = None) -> Runbook:
    """Read a runbook's text; raises ValueError naming what is missing."""
    meta, body = split_front_matter(text)
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ValueError(f"runbook {name!r}: front matter is missing {', '.join(missing)}")
    applies = meta["applies_to"]
    applies_to = tuple(applies) if isinstance(applies, list) else (str(applies),)
    return Runbook(name, str(meta["title"]), str(meta["severity"]), applies_to, body.lstrip("\n"), path)


def split_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """``(meta, body)``; a file without front matter has empty meta."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return _meta(lines[1:end]), "\n".join(lines[end + 1:])
    raise ValueError("front matter opened with '---' is never closed")


def _meta(lines: list[str]) -> dict[str, str | list[str]]:
    meta: dict[str, str | list[str]] = {}
    key = ""
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- ") and key:  # a YAML-style block list under the last key
            current = meta.get(key)
            meta[key] = [*(current if isinstance(current, list) else []), _unquote(line[2:])]
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"front matter line {raw!r} is not 'key: value'")
        key, value = key.strip(), value.strip()
        if value.startswith("[") and value.endswith("]"):
            meta[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        else:
            meta[key] = _unquote(value) if value else []
    return meta


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _section(body: str, heading: str) -> str:
    out: list[str] = []
    inside = False
    for line in body.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip().lower() == heading
            continue
        if inside:
            out.append(line)
    return "\n".join(out)


def _list_items(text: str) -> list[str]:
    items: list[str] = []
    for line in text.splitlines():
        if line[:1].isspace():  # continuation or nested list: not a step of its own
            continue
        match = _ITEM.match(line)
        if match:
            items.append(match.group("text").strip())
    return items


def shipped_dir() -> Path:
    """The runbooks that come with watchdog: a source checkout's, else the installed copy."""
    import sys

    checkout = Path(__file__).resolve().parent.parent / "runbooks"
    installed = Path(sys.prefix) / "share" / "ops-watchdog" / "runbooks"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


def default_dir(config: Config | None = None) -> Path:
    """``[runbooks] dir`` (relative to the config file), else ``runbooks/`` next to the config,
    else the runbooks shipped with watchdog."""
    bundled = shipped_dir()
    if config is None:
        return bundled
    base = config.path.parent
    configured = config.settings.runbooks.dir
    if configured is not None:
        return configured if configured.is_absolute() else base / configured
    beside = base / "runbooks"
    return beside if beside.is_dir() else bundled


def iter_runbooks(directory: Path) -> Iterator[Runbook]:
    """Every ``*.md`` runbook in ``directory``, by name; a broken file raises RunbookError."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        yield _read(path)


def load(name: str, directory: Path) -> Runbook:
    """One runbook by name; RunbookError lists the ones that exist."""
    path = directory / f"{name}.md"
    if not _NAME.match(name) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.md")) if p.name.lower() != "readme.md")
        raise RunbookError(f"no runbook {name!r} in {directory} (available: {known or 'none'})")
    return _read(path)


def _read(path: Path) -> Runbook:
    try:
        return parse(path.read_text(encoding="utf-8"), path.stem, path)
    except OSError as exc:
        raise RunbookError(f"cannot read runbook {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RunbookError(f"{path}: {exc}") from None


def missing_runbooks(config: Config) -> list[tuple[str, str]]:
    """``(key, name)`` of every ``alert.runbook`` that names no file (``config validate`` fails on them)."""
    directory = default_dir(config)
    wanted: list[tuple[str, Any]] = [("defaults.alert.runbook", config.settings.defaults.alert.runbook)]
    wanted += [(f"checks.{n}.alert.runbook", c.alert.runbook) for n, c in config.checks.items()]
    return [
        (key, str(name)) for key, name in wanted
        if name and not (_NAME.match(str(name)) and (directory / f"{name}.md").is_file())
    ]


def alert_context(name: str | None, config: Config, steps: int = 3) -> dict[str, Any] | None:
    """What a channel puts in an alert: ``{name, title, severity, first_steps, url}``, or None.

    A missing runbook gives None here (``config validate`` reports it), never an exception
    in the middle of sending a page.
    """
    if not name:
        return None
    try:
        book = load(name, default_dir(config))
    except RunbookError:
        return None
    return {
        "name": book.name,
        "title": book.title,
        "severity": book.severity,
        "first_steps": book.first_steps(steps),
        "url": book.link(config.settings.runbooks.base_url),
    }
