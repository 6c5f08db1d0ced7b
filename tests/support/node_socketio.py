"""The seeds' exact stack for the tests: two Node ``socket.io`` 4 replicas with ``@socket.io/redis-adapter``.

    def test_x(node_socketio_replicas):      # skipped, with the reason, without node/npm or the packages
        node_socketio_replicas.urls

The packages of ``tests/support/node_socketio/package.json`` are installed with npm
into ``.cache/node-socketio/`` (gitignored; reinstalled when package.json changes),
so only the first run on a machine downloads them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.socketio_server import ROOT, TOKEN, Replicas, pair_in

SOURCE = ROOT / "tests" / "support" / "node_socketio"
CACHE = ROOT / ".cache" / "node-socketio"
INSTALL_WITHIN_S = 300


def installed() -> Path:
    """The folder with server.js and its node_modules; ``pytest.skip`` when that cannot be had."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the Node socket.io test needs them")
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = (SOURCE / "package.json").read_text()
    if not (CACHE / "node_modules").is_dir() or _read(CACHE / "package.json") != wanted:
        (CACHE / "package.json").write_text(wanted)
        try:
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CACHE,
                                  capture_output=True, text=True, timeout=INSTALL_WITHIN_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install of socket.io did not finish within {INSTALL_WITHIN_S}s")
        if done.returncode != 0:
            (CACHE / "package.json").unlink(missing_ok=True)  # try again next time
            pytest.skip(f"npm install of socket.io failed: {(done.stderr or done.stdout).strip()[-300:]}")
    shutil.copyfile(SOURCE / "server.js", CACHE / "server.js")
    return CACHE


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


class NodeReplicas(Replicas):
    def command(self, index: int, port: int) -> list[str]:
        return [str(shutil.which("node")), str(CACHE / "server.js"), str(port), self.redis.url,
                f"replica-{index + 1}", TOKEN]


@pytest.fixture
def node_socketio_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    installed()
    with pair_in(tmp_path_factory, NodeReplicas) as replicas:
        yield replicas
