"""stack/compose.yaml: generated from the stack description, committed, and valid for docker-compose."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import vntp.stack.compose
from vntp.stack.compose import COMPOSE_FILE, default_stack, render_compose

STACK_DIR = Path(__file__).resolve().parents[2] / "stack"
COMMITTED = STACK_DIR / COMPOSE_FILE


def test_exported_members_are_pinned() -> None:
    assert set(vntp.stack.compose.__all__) == {"COMPOSE_FILE", "default_stack", "main", "render_compose", "to_compose"}


def test_the_committed_compose_file_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_compose(), (
        "stack/compose.yaml is stale: regenerate it with 'python -m vntp.stack.compose --write'."
    )


def test_the_environment_does_not_leak_into_the_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNTP_ORACLE_PORT", "4002")
    monkeypatch.setenv("VNTP_REDIS_IMAGE", "registry.example/redis:7")
    monkeypatch.setenv("VNTP_STACK", "other")
    assert render_compose() == COMMITTED.read_text(encoding="utf-8")


def test_every_component_is_a_service_with_loopback_ports_and_no_docker_socket() -> None:
    document = yaml.safe_load(render_compose())
    services = document["services"]
    assert set(services) == set(default_stack().names)
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
        for volume in service.get("volumes", []):
            assert "docker.sock" not in volume, (name, volume)
        assert service["labels"]["vntp.component"] == name
    assert services["grafana"]["profiles"] == ["grafana"]
    assert "profiles" not in services["oracle"]
    assert services["imisanzu"]["depends_on"]["oracle"] == {"condition": "service_healthy"}


@pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="docker-compose is not installed (apt-get install docker-compose)"
)
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker-compose", "-f", str(COMMITTED), "-p", "vntp", "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
