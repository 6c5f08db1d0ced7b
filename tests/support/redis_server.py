"""A real, private ``redis-server`` on a free port of 127.0.0.1 that a test can stop and start.

Never the machine's shared Redis on 6379: every server here is a child process
of the test run, with no persistence (``--save "" --appendonly no``), its own
directory and a unix socket, and it is killed at teardown whatever happened.

    async def test_x(redis_server):          # a plain server
        redis_server.url                     # redis://127.0.0.1:PORT/0
        redis_server.stop(); redis_server.start()   # same port again
        redis_server.pause(); redis_server.resume() # SIGSTOP / SIGCONT: a hung server

    def test_y(make_redis_server):           # a server with options
        server = make_redis_server(password="s3cret", maxmemory="64mb")
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SHARED_PORT = 6379  # the machine's own Redis: never started, stopped or flushed here
READY_WITHIN_S = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now (never the shared 6379)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != SHARED_PORT:
            return port


class RedisServer:
    """One ``redis-server`` child process; ``url``/``port``/``socket_path`` stay the same across restarts."""

    def __init__(self, directory: Path, *, password: str | None = None, maxmemory: str | None = None) -> None:
        self.directory = directory
        self.password = password
        self.maxmemory = maxmemory
        self.port = free_port()
        self.socket_path = str(directory / "redis.sock")
        self.log_path = directory / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0`` (no password in it: tests add ``${VAR}`` themselves)."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def unix_url(self) -> str:
        return f"unix://{self.socket_path}"

    def command(self) -> list[str]:
        cmd = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", str(self.directory), "--unixsocket", self.socket_path, "--unixsocketperm", "700",
            "--logfile", str(self.log_path),
        ]
        if self.password is not None:
            cmd += ["--requirepass", self.password]
        if self.maxmemory is not None:
            cmd += ["--maxmemory", self.maxmemory]
        return cmd

    def start(self) -> None:
        """Start (again, on the same port) and wait until it answers PING."""
        assert self.port != SHARED_PORT
        if self.running:
            return
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()

    def stop(self) -> None:
        """Stop it and wait until the port refuses connections."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a paused server would not see SIGTERM
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections (kernel backlog) but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {self._log_tail()}")
            if self._answers():
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer within {READY_WITHIN_S}s")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
        except OSError:
            return False
        # -NOAUTH: a server with requirepass is up, it only wants the password
        return reply.startswith((b"+PONG", b"-NOAUTH"))

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-3:])
        except OSError:
            return "(no log)"


def _require_redis_server() -> None:
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.fail(f"redis-server not found at {REDIS_SERVER}: install it (apt-get install redis-server)")


@pytest.fixture
def make_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RedisServer]]:
    """A factory: ``make_redis_server(password=..., maxmemory=...)``, each started; all killed at teardown."""
    _require_redis_server()
    servers: list[RedisServer] = []

    def make(**options: str | None) -> RedisServer:
        # a short directory: unix socket paths are limited to ~107 bytes
        server = RedisServer(tmp_path_factory.mktemp("redis", numbered=True), **options)  # type: ignore[arg-type]
        servers.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def redis_server(make_redis_server: Callable[..., RedisServer]) -> RedisServer:
    """A plain running server (no password, no maxmemory)."""
    return make_redis_server()
