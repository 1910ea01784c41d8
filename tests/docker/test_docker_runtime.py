"""The core stack on a real Docker engine, from the offline stand-in images, through the command line
and the runtime: up, health, the services through published ports, the rules every container keeps,
validate, kill and up again, logs and stats, down --purge.

The tests share one stack (module scope) and run in file order; the last one takes it down.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.docker.conftest import DockerStack
from vntp.cli import app
from vntp.config import get_settings
from vntp.stack.containers import STACK_LABEL

pytestmark = pytest.mark.docker

runner = CliRunner()
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
DOCKER_SOCKETS = {"/var/run/docker.sock", "/run/docker.sock"}
ROOT_ALLOWED: set[str] = set()  # no core component needs root (see vntp/stack/containers.py)


def _vntp(stack: DockerStack, *args: str) -> tuple[int, dict[str, Any]]:
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, [*args, "--runtime", "docker", "--json"], env=stack.env)
    finally:
        get_settings.cache_clear()
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"'vntp {' '.join(args)}' printed no JSON (exit {result.exit_code}):\n{result.output}")


def _get(url: str) -> tuple[int, Any]:
    with _NO_PROXY.open(url, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def _containers(stack: DockerStack) -> list[Any]:
    return stack.client.containers.list(all=True, filters={"label": f"{STACK_LABEL}={stack.name}"})


@pytest.fixture(scope="module")
def up(docker_stack: DockerStack) -> dict[str, Any]:
    code, report = _vntp(docker_stack, "up")
    docker_stack.record()
    assert code == 0, report
    return report


@pytest.mark.timeout(900)  # the first test may build the stand-in images
def test_up_starts_every_core_component_healthy(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    names = [c["name"] for c in up["components"]]
    assert names == list(docker_stack.runtime.stack().names[:8])
    assert all(c["state"] == "running" and c["health"] == "healthy" for c in up["components"]), up["components"]
    assert up["runtime"] == "docker"
    assert {container.name for container in _containers(docker_stack)} == {f"{docker_stack.name}-{n}" for n in names}


def test_status_reports_healthy(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    code, report = _vntp(docker_stack, "status")
    assert code == 0, report
    assert {c["name"]: c["health"] for c in report["components"]} == {c["name"]: "healthy" for c in up["components"]}


def test_the_services_answer_through_ports_published_on_loopback(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    endpoints = up["endpoints"]
    oracle, imisanzu = endpoints["oracle"]["http"], endpoints["imisanzu"]["http"]
    assert oracle.startswith("http://127.0.0.1:")
    assert imisanzu.startswith("http://127.0.0.1:")
    status, employees = _get(f"{oracle}/api/v1/employees")
    assert status == 200
    rssb = employees["items"][0]["rssbNumber"] if isinstance(employees, dict) else employees[0]["rssbNumber"]
    # imisanzu reaches oracle, Postgres and Redis by their names inside the stack's network.
    status, employee = _get(f"{imisanzu}/api/v1/employees/{rssb}")
    assert status == 200
    assert employee["rssbNumber"] == rssb
    status, _contributions = _get(f"{imisanzu}/api/v1/contributions/employee/{rssb}")
    assert status == 200


def test_every_published_port_is_on_loopback(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    published = 0
    for container in _containers(docker_stack):
        for bindings in (container.attrs["HostConfig"]["PortBindings"] or {}).values():
            for binding in bindings:
                assert binding["HostIp"] == "127.0.0.1", (container.name, binding)
                published += 1
    assert published >= 8


def test_no_container_runs_as_root_or_mounts_the_docker_socket(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    for container in _containers(docker_stack):
        component = container.labels["vntp.component"]
        user = container.attrs["Config"]["User"] or container.image.attrs["Config"]["User"]
        if component not in ROOT_ALLOWED:
            assert user not in ("", "0", "root", "0:0"), f"{component} runs as root"
            processes = container.top(ps_args="-o pid,uid,comm")["Processes"]
            assert processes, component
            assert all(uid != "0" for _, uid, _ in processes), (component, processes)
        for mount in container.attrs["Mounts"]:
            assert mount.get("Source") not in DOCKER_SOCKETS, (component, mount)
            assert mount["Type"] != "bind" or mount["RW"] is False, (component, mount)


def test_validate_passes_on_docker(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    code, report = _vntp(docker_stack, "validate")
    failed = [check for check in report.get("checks", []) if not check.get("ok")]
    assert code == 0, failed or report


def test_demo_passes_on_docker(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    code, report = _vntp(docker_stack, "demo", "--burst", "2")
    assert code == 0, [s for s in report.get("steps", []) if not s["ok"]] or report.get("validate")
    assert report["runtime"] == "docker"
    assert all(step["ok"] for step in report["steps"])
    assert report["burst"]["errors"] == 0
    assert report["validate"]["ok"] is True
    assert {"oracle", "imisanzu", "prometheus", "jaeger"} <= set(report["links"])


def test_a_killed_or_removed_container_is_restored_by_up(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    runtime = docker_stack.runtime
    runtime.kill_component("oracle")
    docker_stack.client.containers.get(f"{docker_stack.name}-redis").remove(force=True)
    states = {s.name: s.state for s in runtime.status()}
    assert states["oracle"] == "dead"
    assert states["redis"] == "stopped"

    code, report = _vntp(docker_stack, "up")
    docker_stack.record()
    assert code == 0, report
    assert all(c["health"] == "healthy" for c in report["components"])
    assert len(_containers(docker_stack)) == 8


def test_logs_and_stats_come_from_the_engine(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    runtime = docker_stack.runtime
    lines = list(runtime.logs("postgres-oracle"))
    assert any("database system is ready to accept connections" in line for line in lines)
    assert len(list(runtime.logs("postgres-oracle", lines=2))) == 2
    stats = {s.name: s for s in runtime.stats(interval=0.2)}
    assert set(stats) == {c["name"] for c in up["components"]}
    assert all(s.memory_bytes > 0 for s in stats.values())


def test_up_again_keeps_what_runs(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    before = {c.name: c.id for c in _containers(docker_stack)}
    code, report = _vntp(docker_stack, "up")
    assert code == 0, report
    assert {c.name: c.id for c in _containers(docker_stack)} == before


def test_down_purge_leaves_nothing_labelled(docker_stack: DockerStack, up: dict[str, Any]) -> None:
    created = docker_stack.record()
    assert len(created.containers) >= 8
    assert created.networks
    assert created.volumes
    code, report = _vntp(docker_stack, "down", "--purge")
    assert code == 0, report
    assert docker_stack.leftovers() == {"containers": [], "networks": [], "volumes": []}
