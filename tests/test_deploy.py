"""Deployment as shipped: the example config under ``$PORT`` (Railway, Fly), the Dockerfile where a
container runtime answers."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_config_answers_healthz_on_port(tmp_path, daemon_process) -> None:
    daemon = daemon_process(ROOT / "config.example.toml")
    daemon.start(listen=False, env={"WATCHDOG_STATE_DIR": str(tmp_path / "state")})
    assert daemon.answer("/healthz") == (200, "ok: 13 checks\n")
