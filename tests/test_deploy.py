"""Deployment as shipped: the example config under ``$PORT`` (Railway, Fly), the Dockerfile where a
container runtime answers."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_config_answers_healthz_on_port(tmp_path, daemon_process) -> None:
    daemon = daemon_process(ROOT / "config.example.toml")
    daemon.start(listen=False, env={"WATCHDOG_STATE_DIR": str(tmp_path / "state")})
    assert daemon.answer("/healthz") == (200, "ok: 13 checks\n")


def test_railway_builds_the_dockerfile_and_checks_healthz() -> None:
    config = tomllib.loads((ROOT / "deploy" / "railway.toml").read_text())
    assert config["build"] == {"builder": "DOCKERFILE", "dockerfilePath": "Dockerfile"}
    assert (config["deploy"]["healthcheckPath"], config["deploy"]["restartPolicyType"]) == ("/healthz", "ON_FAILURE")


def test_the_image_runs_as_a_user_with_its_state_on_a_volume_and_healthz_as_its_health() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert "USER watchdog" in lines and 'VOLUME ["/var/lib/watchdog"]' in lines
    health = next(i for i, line in enumerate(lines) if line.startswith("HEALTHCHECK"))
    assert "/healthz" in lines[health + 1]


def test_the_entrypoint_started_as_a_user_runs_the_command_as_it_is(tmp_path: Path) -> None:
    entry = ROOT / "deploy" / "docker-entrypoint.sh"
    done = subprocess.run(["sh", str(entry), "echo", "started"], capture_output=True, text=True, timeout=10,
                          env={"PATH": "/usr/bin:/bin", "WATCHDOG_STATE_DIR": str(tmp_path)},
                          user=65534 if os.getuid() == 0 else None)
    assert (done.returncode, done.stdout) == (0, "started\n")


@functools.cache
def _container_runtime() -> str | None:
    """Why no image can be built and run here, or None when a container engine answers."""
    docker = shutil.which("docker")
    if docker is None:
        return "no docker client"
    if subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode != 0:
        return "`docker info` fails: no container engine answers here"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_container_runtime() is not None, reason=str(_container_runtime()))
def test_the_image_builds_runs_as_non_root_and_turns_healthy(tmp_path: Path) -> None:
    tag = "ops-watchdog:test"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=900)
    name = f"watchdog-test-{os.getpid()}"
    subprocess.run(["docker", "run", "-d", "--name", name, "-e", "PORT=9321", tag], check=True, timeout=60)
    try:
        assert subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True, text=True,
                              timeout=30).stdout.strip() == "10001"
        for _ in range(60):
            health = subprocess.run(["docker", "inspect", "-f", "{{.State.Health.Status}}", name],
                                    capture_output=True, text=True, timeout=30).stdout.strip()
            if health != "starting":
                break
            time.sleep(2)
        assert health == "healthy"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
