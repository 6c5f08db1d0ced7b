"""The shape of the code, checked: no import cycles, imports follow the flow, small functions.

The flow (README "Module map") in layers; a module may import its own layer and
the ones before it, never one after it:

    0 foundation   values and helpers every part uses (status, errors, durations, model, thresholds...)
    1 settings     the top-level settings and the alert rules every check carries
    2 measure      the config loader, the check contract, the kinds, HTTP, log sources, the runner
    3 store        history, alert states, outbox queue, silences, windows
    4 alerting     policy, messages, dispatch, outbox, channels
    5 reports      windows, checkpoints, renderers
    6 daemon       the daemon's wing
    7 cli          the commands

Imports are read with ``ast`` from every module of ``watchdog/`` and ``checks/``
(installed as ``watchdog.checks``), lazy ones inside functions included; only
``if TYPE_CHECKING:`` blocks are skipped (they never run). Importing a package's
submodule counts as importing that module, not the package's ``__init__``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOUNDATION = ("watchdog", "watchdog.status", "watchdog.errors", "watchdog.durations",
              "watchdog.text", "watchdog.redact", "watchdog.stats", "watchdog.model", "watchdog.thresholds",
              "watchdog.types", "watchdog.validation", "watchdog.restarts", "watchdog.runbooks",
              "watchdog.backoff", "watchdog.neterrors")
#: longest prefix wins
LAYERS: dict[str, int] = {
    **{name: 0 for name in FOUNDATION},
    "watchdog.settings": 1, "watchdog.alerting.rules": 1,
    "watchdog.config": 2, "watchdog.kinds": 2, "watchdog.registry": 2, "watchdog.http": 2, "watchdog.logs": 2,
    "watchdog.checks": 2, "watchdog.runner": 2,
    "watchdog.store": 3,
    "watchdog.alerting": 4,
    "watchdog.reports": 5,
    "watchdog.daemon": 6,
    "watchdog.cli": 7, "watchdog.__main__": 7,
}
MAX_FUNCTION_LINES = 40
MAX_DAEMON_CLASS_LINES = 200


def module_files() -> dict[str, Path]:
    found = {}
    for path in [*(ROOT / "watchdog").rglob("*.py"), *(ROOT / "checks").rglob("*.py")]:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[0] == "checks":
            parts = ["watchdog", *parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statements(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except the bodies of ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for other in node.orelse:
                yield other
                yield from _statements(other)
            continue
        yield node
        yield from _statements(node)


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    out: set[str] = set()
    for node in _statements(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(module, path, node)
            subs = {f"{origin}.{a.name}" for a in node.names if f"{origin}.{a.name}" in MODULES}
            out |= subs
            if len(subs) < len(node.names):
                out.add(origin)
    return {name for name in out if name in MODULES and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def layer(module: str) -> int:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise AssertionError(f"{module} has no layer: add it to LAYERS in {__file__}")


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_the_projects_modules() -> None:
    assert cycles() == []


def test_no_module_imports_one_later_in_the_flow() -> None:
    upward = sorted(f"{m} (layer {layer(m)}) imports {i} (layer {layer(i)})"
                    for m, targets in GRAPH.items() for i in targets if layer(i) > layer(m))
    assert upward == []


def _definitions() -> Iterator[tuple[str, ast.AST]]:
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield module, node


def _length(node: ast.AST) -> int:
    return node.end_lineno - node.lineno + 1  # type: ignore[attr-defined, no-any-return]


def test_no_function_over_forty_lines() -> None:
    long = [f"{m}.{n.name}: {_length(n)} lines" for m, n in _definitions()  # type: ignore[attr-defined]
            if not isinstance(n, ast.ClassDef) and _length(n) > MAX_FUNCTION_LINES]
    assert long == []


def test_no_class_in_the_daemon_over_two_hundred_lines() -> None:
    long = [f"{m}.{n.name}: {_length(n)} lines" for m, n in _definitions()  # type: ignore[attr-defined]
            if isinstance(n, ast.ClassDef) and m.startswith("watchdog.daemon") and _length(n) > MAX_DAEMON_CLASS_LINES]
    assert long == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    saved = dict(GRAPH)
    try:
        GRAPH.update({"watchdog.status": {"watchdog.errors"}, "watchdog.errors": {"watchdog.status"}})
        assert ["watchdog.errors", "watchdog.status"] in cycles()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
