"""Build bookkeeping of vntp.toolchain, with a stand-in `go` so nothing is compiled."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from vntp import toolchain

STACK = toolchain.stack_dir()

# A stand-in for `go`: `go version` answers, `go build -o OUT` writes an executable OUT, and setting
# FAKE_GO_FAIL makes every other call print that text and fail.
FAKE_GO = """#!/bin/sh
if [ "$1" = version ]; then echo "go version go0.0-fake linux/amd64"; exit 0; fi
if [ -n "$FAKE_GO_FAIL" ]; then echo "$FAKE_GO_FAIL"; exit 1; fi
echo "$@" >> "$FAKE_GO_CALLS"
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then printf '#!/bin/sh\\n' > "$2"; /bin/chmod +x "$2"; fi
  shift
done
"""


@pytest.fixture
def tools_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tools"
    monkeypatch.setenv("VNTP_TOOLS_DIR", str(folder))
    return folder


@pytest.fixture
def no_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the stand-in `go` alone on PATH; returns the file that records its calls."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    calls = tmp_path / "go-calls"
    calls.touch()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_GO_CALLS", str(calls))
    monkeypatch.delenv("FAKE_GO_FAIL", raising=False)
    return calls


def _install_current(tools_dir: Path, name: str) -> Path:
    """Place an executable with a stamp that matches the current pins, as a finished build leaves it."""
    tools_dir.mkdir(parents=True, exist_ok=True)
    binary = tools_dir / name
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    tool = toolchain.TOOLS[name]
    toolchain._write_stamp(binary, tool, toolchain._fingerprint(tool, STACK), 1.0, "go version test")
    return binary


def test_pins_agree_with_build_inputs() -> None:
    assert toolchain.check_pins() == []


def test_manifest_pins_every_component_to_the_toolchain_versions() -> None:
    manifest = yaml.safe_load((STACK / "otel-collector" / "builder-config.yaml").read_text())
    modules = [
        entry["gomod"] for kind in ("receivers", "processors", "exporters", "extensions") for entry in manifest[kind]
    ]
    modules.append(manifest["telemetry"]["gomod"])
    providers = [entry["gomod"] for entry in manifest["providers"]]

    assert manifest["dist"]["name"] == "otelcol-vntp"
    assert {module.split()[1] for module in modules} == {toolchain.COLLECTOR_VERSION}
    assert {module.split()[1] for module in providers} == {toolchain.CONFMAP_VERSION}


def test_a_manifest_at_another_release_is_reported(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(STACK / "otel-collector", stack / "otel-collector")
    manifest = stack / "otel-collector" / "builder-config.yaml"
    manifest.write_text(manifest.read_text().replace("batchprocessor v0.161.0", "batchprocessor v0.160.0"))

    problems = toolchain.check_pins(stack, ["otelcol-vntp"])

    assert len(problems) == 1
    assert "batchprocessor is at v0.160.0" in problems[0]


def test_a_wrapper_module_at_another_version_is_reported(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(STACK / "tools" / "jaeger", stack / "tools" / "jaeger")
    gomod = stack / "tools" / "jaeger" / "go.mod"
    gomod.write_text(gomod.read_text().replace(f"jaeger {toolchain.JAEGER_VERSION}", "jaeger v1.74.0"))

    problems = toolchain.check_pins(stack, ["jaeger"])

    assert len(problems) == 1
    assert f"go get -tool github.com/jaegertracing/jaeger/cmd/jaeger@{toolchain.JAEGER_VERSION}" in problems[0]


def test_build_without_go_says_how_to_fix(tools_dir: Path, no_go: None) -> None:
    with pytest.raises(toolchain.GoNotFoundError, match=r"`go` command is not on PATH.*Install Go"):
        toolchain.build(["jaeger"])


def test_an_up_to_date_binary_is_not_rebuilt(tools_dir: Path, no_go: None) -> None:
    binary = _install_current(tools_dir, "jaeger")
    lines: list[str] = []

    [result] = toolchain.build(["jaeger"], progress=lines.append)

    assert result.skipped
    assert result.path == binary
    assert lines == [f"jaeger {toolchain.JAEGER_VERSION}: up to date ({binary})"]


def test_a_stamp_for_another_pin_means_a_rebuild(tools_dir: Path, no_go: None) -> None:
    binary = _install_current(tools_dir, "prometheus")
    stamp = binary.with_name("prometheus.stamp")
    stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "version": "v0.1.0"}))

    with pytest.raises(toolchain.GoNotFoundError):
        toolchain.build(["prometheus"])


def test_force_rebuilds_an_up_to_date_binary(tools_dir: Path, no_go: None) -> None:
    _install_current(tools_dir, "jaeger")

    with pytest.raises(toolchain.GoNotFoundError):
        toolchain.build(["jaeger"], force=True)


def test_build_writes_binary_and_stamp_then_skips(tools_dir: Path, fake_go: Path) -> None:
    [first] = toolchain.build(["jaeger"])
    [second] = toolchain.build(["jaeger"])

    assert not first.skipped
    assert second.skipped
    assert (tools_dir / "jaeger").is_file()
    stamp = json.loads((tools_dir / "jaeger.stamp").read_text())
    assert stamp["version"] == toolchain.JAEGER_VERSION
    assert stamp["go"] == "go version go0.0-fake linux/amd64"
    [call] = fake_go.read_text().splitlines()
    assert call.startswith("build -mod=readonly -ldflags=-s -w -o ")


def test_an_unreachable_module_proxy_is_named(tools_dir: Path, fake_go: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_GO_FAIL", "go: downloading x: dial tcp: lookup proxy.example: no such host")

    with pytest.raises(toolchain.ModuleProxyError, match="could not download modules"):
        toolchain.build(["prometheus"])


def test_a_failed_compile_points_at_the_log(tools_dir: Path, fake_go: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_GO_FAIL", "main.go:1: syntax error")

    with pytest.raises(toolchain.BuildFailedError) as caught:
        toolchain.build(["prometheus"])

    assert caught.value.log_path is not None
    assert "syntax error" in caught.value.log_path.read_text()
    assert not (tools_dir / "prometheus").exists()


def test_unknown_tool_is_refused(tools_dir: Path) -> None:
    with pytest.raises(toolchain.ToolchainError, match="Unknown tool 'grafana'"):
        toolchain.build(["grafana"])


def test_find_prefers_the_tools_dir_then_path(tools_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = tmp_path / "path-bin"
    on_path.mkdir()
    for folder in (tools_dir, on_path):
        folder.mkdir(exist_ok=True)
        (folder / "jaeger").write_text("#!/bin/sh\n")
        (folder / "jaeger").chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))

    assert toolchain.find("jaeger") == tools_dir / "jaeger"
    (tools_dir / "jaeger").unlink()
    assert toolchain.find("jaeger") == on_path / "jaeger"
    assert toolchain.find("prometheus") is None


def test_cli_path(tools_dir: Path, no_go: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert toolchain.main(["path", "jaeger"]) == 1
    assert "python -m vntp.toolchain build jaeger" in capsys.readouterr().err

    binary = _install_current(tools_dir, "jaeger")
    assert toolchain.main(["path", "jaeger"]) == 0
    assert capsys.readouterr().out.strip() == str(binary)


def test_cli_build_reports_and_fails_cleanly(tools_dir: Path, no_go: None, capsys: pytest.CaptureFixture[str]) -> None:
    _install_current(tools_dir, "jaeger")

    assert toolchain.main(["build", "jaeger"]) == 0
    assert "0 built, 1 up to date" in capsys.readouterr().out
    assert toolchain.main(["build", "prometheus"]) == 1
    assert capsys.readouterr().err.startswith("error: The `go` command is not on PATH")


def test_cli_unknown_tool_is_a_usage_error(tools_dir: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        toolchain.main(["build", "grafana"])

    assert caught.value.code == 2


def _pipelines(name: str) -> dict[str, dict[str, list[str]]]:
    config = yaml.safe_load((STACK / "otel-collector" / name).read_text())
    pipelines: dict[str, dict[str, list[str]]] = config["service"]["pipelines"]
    return pipelines


def test_memory_limiter_first_and_batch_last_in_every_pipeline() -> None:
    pipelines = _pipelines("config.yaml")

    assert set(pipelines) == {"traces", "metrics", "logs"}
    for pipeline in pipelines.values():
        assert pipeline["processors"][0] == "memory_limiter"
        assert pipeline["processors"][-1] == "batch"


def test_signoz_overlay_adds_its_exporter_to_the_core_lists() -> None:
    core = _pipelines("config.yaml")
    overlay = _pipelines("config.signoz.yaml")

    assert set(overlay) == set(core)
    for signal, pipeline in overlay.items():
        assert pipeline == {"exporters": [*core[signal]["exporters"], "otlp_grpc/signoz"]}


def test_local_addresses_can_be_overridden_from_the_environment() -> None:
    for path in ("otel-collector/config.yaml", "jaeger/config.yaml"):
        lines = (STACK / path).read_text().splitlines()
        addresses = [line for line in lines if line.strip().startswith(("endpoint:", "host:", "port:", "path:"))]
        assert addresses
        assert all("${env:" in line for line in addresses), path
