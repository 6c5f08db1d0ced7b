"""Two real Socket.IO replicas (``tests/support/socketio_app.py``, each its own process) sharing a
private redis-server through ``socketio.AsyncRedisManager``.

    def test_x(socketio_replicas):          # shared by the tests of a module: do not kill its Redis
        socketio_replicas.urls               # ["http://127.0.0.1:P1", "http://127.0.0.1:P2"]
        socketio_replicas.forwarding(1, False)   # replica 2 stops delivering replica 1's broadcasts
        socketio_replicas.env                # {"SIO_TOKEN": ...}: auth = { token = "${SIO_TOKEN}" }

    def test_y(fresh_socketio_replicas):     # a pair of its own (its Redis may be stopped)

Every process is killed at teardown whatever happened; forwarding is switched back on after each test.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer, _require_redis_server, free_port

TOKEN = "sio-Tr0ub4dor-token"
READY_WITHIN_S = 20.0
ROOT = Path(__file__).resolve().parents[2]


class Replicas:
    """The running pair; ``urls[i]`` is replica i's origin."""

    def __init__(self, redis: RedisServer, count: int = 2) -> None:
        self.redis = redis
        self.ports = [free_port() for _ in range(count)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.env = {"SIO_TOKEN": TOKEN}
        self.processes: list[subprocess.Popen[bytes]] = []

    def command(self, index: int, port: int) -> list[str]:
        """The argv of replica ``index`` (a subclass runs another server, e.g. Node's)."""
        return [sys.executable, "-m", "tests.support.socketio_app", "--port", str(port),
                "--redis", self.redis.url, "--name", f"replica-{index + 1}", "--token", TOKEN]

    def start(self) -> Replicas:
        for index, port in enumerate(self.ports):
            self.processes.append(subprocess.Popen(self.command(index, port), cwd=ROOT, stdin=subprocess.DEVNULL,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        try:
            for url in self.urls:
                self._wait_ready(url)
        except BaseException:
            self.stop()
            raise
        return self

    def forwarding(self, index: int, enabled: bool) -> None:
        """Replica ``index`` delivers (True) or drops (False) what the other replicas publish."""
        post(f"{self.urls[index]}/test/forwarding", {"enabled": enabled})

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait(10)
        self.processes.clear()

    def _wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a Socket.IO replica exited at start: {' '.join(self.command(0, self.ports[0]))}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the Socket.IO replica at {url} did not answer within {READY_WITHIN_S}s")


def post(url: str, body: object) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


def started_pair(directory: Path, kind: type[Replicas] = Replicas) -> tuple[RedisServer, Replicas]:
    """A private redis-server and two replicas of ``kind`` on it, started."""
    _require_redis_server()
    redis = RedisServer(directory)
    redis.start()
    try:
        return redis, kind(redis).start()
    except BaseException:
        redis.stop()
        raise


@contextlib.contextmanager
def pair_in(tmp_path_factory: pytest.TempPathFactory, kind: type[Replicas] = Replicas) -> Iterator[Replicas]:
    """Replicas of ``kind`` on their own redis-server, all stopped on leaving."""
    redis, replicas = started_pair(tmp_path_factory.mktemp("sio", numbered=True), kind)
    try:
        yield replicas
    finally:
        replicas.stop()
        redis.stop()


@pytest.fixture(scope="module")
def _shared_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    with pair_in(tmp_path_factory) as replicas:
        yield replicas


@pytest.fixture
def socketio_replicas(_shared_replicas: Replicas) -> Iterator[Replicas]:
    try:
        yield _shared_replicas
    finally:
        for index in range(len(_shared_replicas.urls)):
            _shared_replicas.forwarding(index, True)


@pytest.fixture
def fresh_socketio_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    with pair_in(tmp_path_factory) as replicas:
        yield replicas
