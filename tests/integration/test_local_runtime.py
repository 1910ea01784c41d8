"""The local runtime with real Postgres clusters and Redis: up, status, kill, restart, down --purge."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from tests._services import free_port
from vntp.cli import app
from vntp.config import Settings, get_settings
from vntp.runtimes import ComponentStatus, LocalRuntime, ProgressEvent

pytestmark = pytest.mark.integration

BACKING = ["postgres-imisanzu", "postgres-oracle", "redis"]


def _processes_under(root: Path) -> list[psutil.Process]:
    """Processes whose command line or working directory lies in ``root``."""
    found = []
    for proc in psutil.process_iter():
        try:
            where = " ".join(proc.cmdline()) + " " + proc.cwd()
        except psutil.Error:
            continue
        if str(root) in where:
            found.append(proc)
    return found


def _wait_until(condition: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # NOTE: mkdtemp under /tmp and 0755: pytest's tmp_path sits under a 0700 folder that the
    # unprivileged user Postgres runs as (when the tests run as root) cannot traverse.
    path = Path(tempfile.mkdtemp(prefix="vntp-local-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def runtime(state_dir: Path) -> Iterator[LocalRuntime]:
    ports = {name: free_port() for name in BACKING}
    settings = Settings(state_dir=state_dir, stack="itest", ports=ports)
    local = LocalRuntime(settings)
    yield local
    local.down(purge=True)


def _by_name(statuses: list[ComponentStatus]) -> dict[str, ComponentStatus]:
    return {status.name: status for status in statuses}


def test_up_status_kill_restart_and_purge(runtime: LocalRuntime, state_dir: Path) -> None:
    events: list[ProgressEvent] = []
    started = runtime.up(components=BACKING, progress=events.append)

    assert [s.name for s in started] == BACKING
    assert all(s.state == "running" and s.health == "healthy" for s in started), started
    assert {(e.component, e.phase) for e in events} >= {(name, "healthy") for name in BACKING}
    pids = {s.name: s.pid for s in started}

    # A second up is harmless: the same processes, reported as already running.
    events.clear()
    again = runtime.up(components=BACKING, progress=events.append)
    assert {s.name: s.pid for s in again} == pids
    assert {e.phase for e in events} == {"running", "healthy"}

    # Resource use is reported per component, Postgres with its backends.
    stats = {s.name: s for s in runtime.stats(interval=0.2)}
    assert set(stats) == set(BACKING)
    assert stats["postgres-oracle"].processes > 1
    assert all(s.memory_bytes > 0 for s in stats.values())

    # A paused component answers nothing until it is let go.
    runtime.pause_component("redis")
    assert _by_name(runtime.status())["redis"].state == "paused"
    runtime.unpause_component("redis")
    assert _by_name(runtime.status())["redis"].ok

    # Killed components show as dead, with a hint where to look.
    runtime.kill_component("redis")
    runtime.kill_component("postgres-oracle")
    status = _by_name(runtime.status())
    assert status["redis"].state == "dead"
    assert status["postgres-oracle"].state == "dead"
    assert "vntp logs redis" in status["redis"].detail
    assert status["postgres-imisanzu"].ok

    # Logs are there for each component.
    assert any("Ready to accept connections" in line for line in runtime.logs("redis"))
    assert len(list(runtime.logs("postgres-imisanzu", lines=2))) == 2

    # up brings the dead ones back; a clean stop shows as stopped, not dead.
    restored = _by_name(runtime.up(components=BACKING))
    assert all(s.ok for s in restored.values()), restored
    assert restored["postgres-imisanzu"].pid == pids["postgres-imisanzu"]
    assert restored["redis"].pid != pids["redis"]
    runtime.stop_component("redis")
    assert _by_name(runtime.status())["redis"].state == "stopped"
    assert runtime.start_component("redis").ok

    # down --purge leaves no process and no data behind.
    live = [s.pid for s in runtime.status() if s.pid]
    runtime.down(purge=True)
    assert _wait_until(lambda: not any(psutil.pid_exists(pid) and _is_live(pid) for pid in live))
    assert _wait_until(lambda: not _processes_under(state_dir))
    assert not (state_dir / "itest").exists()


def _is_live(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_down_never_signals_a_process_that_is_not_the_recorded_one(runtime: LocalRuntime) -> None:
    runtime.up(components=["redis"])
    # Pretend the recorded pid was reused by an unrelated process.
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        record_path = runtime.root / "run" / "redis.json"
        record = json.loads(record_path.read_text())
        real_pid = record["pid"]
        record["pid"] = stranger.pid
        record_path.write_text(json.dumps(record))

        assert _by_name(runtime.status())["redis"].state == "dead"
        runtime.down()
        assert stranger.poll() is None, "down killed a process it did not start"
    finally:
        stranger.kill()
        stranger.wait()
        os.kill(real_pid, 9)  # the real server, forgotten on purpose above


def test_the_command_line_drives_the_same_runtime(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"VNTP_STATE_DIR": str(state_dir), "VNTP_STACK": "itest-cli", "VNTP_REDIS_PORT": str(free_port())}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        result = runner.invoke(app, ["up", "--runtime", "local", "-c", "redis", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["ok"] is True
        assert [c["name"] for c in report["components"]] == ["redis"]

        result = runner.invoke(app, ["status", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["components"][0]["state"] == "running"

        result = runner.invoke(app, ["logs", "redis", "-n", "1"])
        assert result.exit_code == 0
        assert len(result.stdout.splitlines()) == 1
    finally:
        result = runner.invoke(app, ["down", "--purge", "--json"])
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stopped"] == ["redis"]
    assert not (state_dir / "itest-cli").exists()
