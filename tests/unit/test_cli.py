"""The command line through Typer's runner: help, usage errors and preflight reports."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import vntp.cli
import vntp.toolchain
from vntp.cli import app
from vntp.config import get_settings

HEAVY_MODULES = ("docker", "locust", "gevent", "sqlalchemy", "opentelemetry.sdk", "litestar", "httpx")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # NOTE: not tmp_path: its parent is 0700, and as root Postgres runs as a user that must traverse it.
    path = Path(tempfile.mkdtemp(prefix="vntp-cli-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def listener() -> Iterator[int]:
    """A port held by this test process, as another program would hold it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_exported_members_are_pinned() -> None:
    assert vntp.cli.__all__ == ("app", "main")


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "down", "status", "logs"):
        assert command in result.output


@pytest.mark.parametrize("command", ["up", "down", "status", "logs"])
def test_each_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output


def test_logs_of_an_unknown_component_exits_2_listing_the_components(state_dir: Path) -> None:
    result = runner.invoke(app, ["logs", "nosuch"], env={"VNTP_STATE_DIR": str(state_dir)})
    assert result.exit_code == 2
    assert "nosuch" in result.output
    for name in ("postgres-oracle", "redis", "otel-collector", "oracle", "imisanzu"):
        assert name in result.output
    assert "Traceback" not in result.output


def test_logs_of_a_component_never_started_exits_1(state_dir: Path) -> None:
    result = runner.invoke(app, ["logs", "oracle"], env={"VNTP_STATE_DIR": str(state_dir)})
    assert result.exit_code == 1
    assert "vntp up" in result.output


def test_a_port_in_use_is_reported_before_anything_starts(state_dir: Path, listener: int) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir), "VNTP_POSTGRES_ORACLE_PORT": str(listener)}
    result = runner.invoke(app, ["up", "--runtime", "local", "--component", "postgres-oracle"], env=env)
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())  # undo Rich's wrapping
    assert f"Port {listener}" in output
    assert "postgres-oracle" in output
    assert "VNTP_POSTGRES_ORACLE_PORT" in output
    assert f"pid {os.getpid()}" in output  # what holds it
    assert "Nothing was started" in output
    assert not (state_dir / "vntp" / "data").exists()
    assert not list(state_dir.glob("vntp/run/*.json"))


def test_a_port_in_use_in_json(state_dir: Path, listener: int) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir), "VNTP_REDIS_PORT": str(listener)}
    result = runner.invoke(app, ["up", "--runtime", "local", "--component", "redis", "--json"], env=env)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["stage"] == "preflight"
    (problem,) = [p for p in report["problems"] if p["kind"] == "port"]
    assert problem["port"] == listener
    assert problem["component"] == "redis"
    assert "VNTP_REDIS_PORT" in problem["fix"]


def test_a_missing_binary_names_the_build_command(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vntp.toolchain, "find", lambda name, tools_dir=None: None)
    result = runner.invoke(
        app, ["up", "--runtime", "local", "--component", "otel-collector"], env={"VNTP_STATE_DIR": str(state_dir)}
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "'otelcol-vntp' binary, which was not found" in output
    assert "python -m vntp.toolchain build" in output
    assert not (state_dir / "vntp" / "data").exists()


def test_a_profile_the_local_runtime_cannot_run_is_reported(state_dir: Path) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir)}
    result = runner.invoke(app, ["up", "--runtime", "local", "--profile", "grafana", "--json"], env=env)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert any(p["component"] == "grafana" and p["kind"] == "unsupported" for p in problems)


def test_docker_without_an_engine_points_to_the_local_runtime(state_dir: Path) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir), "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = runner.invoke(app, ["status", "--runtime", "docker"], env=env)
    assert result.exit_code == 1
    assert "--runtime local" in result.output


def test_status_of_a_stack_never_started(state_dir: Path) -> None:
    result = runner.invoke(app, ["status", "--json"], env={"VNTP_STATE_DIR": str(state_dir)})
    assert result.exit_code == 1  # nothing runs, so "the stack is healthy" does not hold
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {c["state"] for c in report["components"]} == {"stopped"}
    assert [c["name"] for c in report["components"]][:3] == ["postgres-imisanzu", "postgres-oracle", "redis"]


def test_down_with_nothing_running_succeeds(state_dir: Path) -> None:
    # No engine answers, so --runtime auto (the default) means local.
    env = {"VNTP_STATE_DIR": str(state_dir), "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = runner.invoke(app, ["down", "--json"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "runtime": "local", "stopped": [], "purged": False}


def test_a_bad_setting_is_a_usage_error(state_dir: Path) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir), "VNTP_ORACLE_PORT": "abc"}
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 2
    assert "VNTP_ORACLE_PORT='abc'" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_component_to_up_is_a_usage_error(state_dir: Path) -> None:
    result = runner.invoke(app, ["up", "-c", "nosuch", "--json"], env={"VNTP_STATE_DIR": str(state_dir)})
    assert result.exit_code == 2
    assert "postgres-oracle" in json.loads(result.stdout)["components"]


def test_an_unknown_runtime_is_a_usage_error() -> None:
    result = runner.invoke(app, ["status", "--runtime", "podman"])
    assert result.exit_code == 2


_PROBE = """
import json, sys
{action}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


_RUN_MAIN = "from vntp.cli import main\nsys.argv = {argv!r}\ntry:\n    main()\nexcept SystemExit:\n    pass"


@pytest.mark.parametrize(
    "action",
    [
        "import vntp.cli",
        _RUN_MAIN.format(argv=["vntp", "--help"]),
        _RUN_MAIN.format(argv=["vntp", "up", "--help"]),
        _RUN_MAIN.format(argv=["vntp", "logs", "--help"]),
    ],
    ids=["import", "help", "up-help", "logs-help"],
)
def test_startup_does_not_import_heavy_modules(action: str) -> None:
    code = _PROBE.format(action=action, heavy=HEAVY_MODULES)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_bind_host_that_is_no_address_is_a_usage_error() -> None:
    from typer.testing import CliRunner

    from vntp.cli import app
    from vntp.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["status"], env={"VNTP_BIND_HOST": "notahost"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "VNTP_BIND_HOST" in result.output
