"""The local runtime without starting servers: config rendering, placeholders, preflight, runtime choice."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

import vntp.runtimes
import vntp.toolchain
from vntp.config import Settings
from vntp.runtimes import LocalRuntime, RuntimeUnavailableError, get_runtime
from vntp.runtimes._local import _Record


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    path = Path(tempfile.mkdtemp(prefix="vntp-unit-", dir="/tmp"))
    path.chmod(0o755)
    yield LocalRuntime(Settings(state_dir=path, ports={"prometheus": 19090, "otel-collector.metrics": 18899}))
    shutil.rmtree(path, ignore_errors=True)


def test_exported_members_are_pinned() -> None:
    assert set(vntp.runtimes.__all__) == {
        "BUILD_COMMAND",
        "ComponentStartError",
        "ComponentState",
        "ComponentStats",
        "ComponentStatus",
        "DockerRuntime",
        "Health",
        "LocalRuntime",
        "LogNotFoundError",
        "PreflightError",
        "Problem",
        "ProgressCallback",
        "ProgressEvent",
        "Runtime",
        "RuntimeUnavailableError",
        "StackRuntimeError",
        "engine_answers",
        "get_runtime",
    }
    assert vntp.runtimes.BUILD_COMMAND == "python -m vntp.toolchain build"


def test_prometheus_config_is_rendered_with_local_addresses(runtime: LocalRuntime) -> None:
    stack = runtime.stack()
    runtime._render_configs(stack, stack.get("prometheus"))
    rendered = (runtime.root / "config" / "prometheus" / "prometheus.yml").read_text()
    assert '"127.0.0.1:19090"' in rendered  # Prometheus itself, was localhost:9090
    assert '"127.0.0.1:18899"' in rendered  # the collector's own metrics, was otel-collector:8888
    assert "otel-collector:8888" not in rendered
    assert "localhost:9090" not in rendered


def test_collector_config_keeps_longer_names_intact(runtime: LocalRuntime) -> None:
    stack = runtime.stack(["signoz"])
    runtime._render_configs(stack, stack.get("otel-collector"))
    overlay = (runtime.root / "config" / "otel-collector" / "config.signoz.yaml").read_text()
    assert "signoz-otel-collector:4317" in overlay  # not mistaken for otel-collector:4317


def test_placeholders_are_filled(runtime: LocalRuntime) -> None:
    stack = runtime.stack()
    collector = stack.get("otel-collector")
    assert collector.local is not None
    filled = runtime._fill(collector.local.environment["VNTP_TELEMETRY_FILE"], collector)
    assert filled == str(runtime.root / "data" / "otel-collector" / "telemetry.jsonl")
    config_dir = runtime.root / "config" / "otel-collector"
    assert runtime._fill("{config}/config.yaml", collector) == str(config_dir / "config.yaml")


def test_a_record_only_matches_the_same_process() -> None:
    me = psutil.Process()
    record = _Record("x", me.pid, me.create_time(), tuple(me.cmdline()), 0.0)
    assert record.process() is not None
    assert _Record("x", me.pid, me.create_time() - 100, tuple(me.cmdline()), 0.0).process() is None
    assert _Record("x", me.pid, me.create_time(), ("/usr/bin/other-program",), 0.0).process() is None


def test_preflight_reports_missing_memory(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=16 * 1024 * 1024))
    problems = [p for p in runtime.preflight(components=["redis"]) if p.kind == "memory"]
    assert len(problems) == 1
    assert "only 16 MiB are available" in str(problems[0])


def test_preflight_reports_each_missing_tool(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vntp.toolchain, "find", lambda name, tools_dir=None: None)
    problems = [p for p in runtime.preflight() if p.kind == "binary"]
    assert {p.component for p in problems} == {"prometheus", "jaeger", "otel-collector"}
    assert all("python -m vntp.toolchain build" in p.fix for p in problems)


def test_runtime_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # no engine: auto means local
    settings = Settings(state_dir=Path("/srv/vntp-unit"))
    assert isinstance(get_runtime("auto", settings), LocalRuntime)
    assert isinstance(get_runtime("local", settings), LocalRuntime)
    with pytest.raises(RuntimeUnavailableError, match="--runtime local"):
        get_runtime("docker", settings)
    with pytest.raises(ValueError, match="'podman' is not a runtime"):
        get_runtime("podman", settings)


def test_status_of_a_fresh_state_folder_lists_core_as_stopped(runtime: LocalRuntime) -> None:
    statuses = runtime.status()
    assert [s.state for s in statuses] == ["stopped"] * 8
    assert not any(s.ok for s in statuses)
    assert not runtime.root.exists()  # looking does not create anything


def test_auto_finds_a_local_stack_before_docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vntp.runtimes as runtimes
    from vntp.config import Settings

    monkeypatch.setattr(runtimes, "engine_answers", lambda: True)
    settings = Settings(state_dir=tmp_path, stack="auto")
    assert runtimes.get_runtime("auto", settings).name == "docker"
    (tmp_path / "auto").mkdir()
    (tmp_path / "auto" / "stack.json").write_text("{}")
    assert runtimes.get_runtime("auto", settings).name == "local"
