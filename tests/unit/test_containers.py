"""How components become containers: names, labels, users, ports, mounts and health checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import vntp.stack.containers
from vntp.config import Settings
from vntp.stack import Stack, build_stack
from vntp.stack.containers import (
    COMPONENT_LABEL,
    STACK_LABEL,
    container_name,
    container_spec,
    container_specs,
    network_name,
    volume_name,
)

DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


@pytest.fixture
def stack() -> Stack:
    return build_stack(Settings(state_dir=Path("/srv/vntp-unit"), stack="unit"), profiles=["core", "grafana"])


def test_exported_members_are_pinned() -> None:
    assert set(vntp.stack.containers.__all__) == {
        "COMPONENT_LABEL",
        "HEALTH_INTERVAL",
        "PROFILE_LABEL",
        "STACK_LABEL",
        "BindMount",
        "ContainerHealth",
        "ContainerSpec",
        "PortBinding",
        "VolumeMount",
        "container_name",
        "container_spec",
        "container_specs",
        "network_name",
        "volume_name",
    }


def test_every_container_is_named_and_labelled_after_its_stack(stack: Stack) -> None:
    for spec in container_specs(stack):
        assert spec.name == container_name("unit", spec.component) == f"unit-{spec.component}"
        assert spec.labels[STACK_LABEL] == "unit"
        assert spec.labels[COMPONENT_LABEL] == spec.component
        assert spec.network == network_name("unit") == "unit-net"
        for volume in spec.volumes:
            assert volume.name == volume_name("unit", volume.key) == f"unit-{volume.key}"


def test_ports_are_published_on_loopback_unless_configured(stack: Stack) -> None:
    bindings = [port for spec in container_specs(stack) for port in spec.ports]
    assert bindings
    assert {port.host_ip for port in bindings} == {"127.0.0.1"}

    wide = build_stack(Settings(state_dir=Path("/srv/vntp-unit"), bind_host="0.0.0.0"))
    assert {port.host_ip for spec in container_specs(wide) for port in spec.ports} == {"0.0.0.0"}


def test_images_that_start_as_root_are_given_their_own_user(stack: Stack) -> None:
    users = {spec.component: spec.user for spec in container_specs(stack)}
    assert users["postgres-oracle"] == users["postgres-imisanzu"] == "postgres"
    assert users["redis"] == "redis"
    # Every other image runs as a non-root user of its own.
    assert {name for name, user in users.items() if user} == {"postgres-oracle", "postgres-imisanzu", "redis"}


def test_no_container_mounts_the_docker_socket_or_writes_its_config(stack: Stack) -> None:
    for spec in container_specs(stack):
        for mount in spec.mounts:
            assert mount.host_path(stack.files_dir) not in {Path(s) for s in DOCKER_SOCKETS}
            assert not mount.source.startswith("/")
        assert all(not volume.target.startswith(DOCKER_SOCKETS) for volume in spec.volumes)


def test_health_checks_run_inside_only_where_the_image_can(stack: Stack) -> None:
    specs = {spec.component: spec for spec in container_specs(stack)}
    postgres = specs["postgres-oracle"].health
    assert postgres is not None
    assert postgres.test[:2] == ("CMD", "pg_isready")
    oracle = specs["oracle"].health
    assert oracle is not None
    assert oracle.test[:2] == ("CMD", "python")
    assert "http://127.0.0.1:3002/ready" in oracle.test[-1]
    # Distroless official images (collector, Prometheus, Jaeger) cannot run a check inside.
    assert specs["otel-collector"].health is None
    assert specs["prometheus"].health is None


def test_the_collector_export_volume_is_writable_by_the_collector_user(stack: Stack) -> None:
    (volume,) = container_spec(stack, stack.get("otel-collector")).volumes
    assert volume.driver_opts["type"] == "tmpfs"
    assert "uid=10001" in volume.driver_opts["o"]
    assert all(
        not v.driver_opts
        for c in stack.components
        if c.name != "otel-collector"
        for v in container_spec(stack, c).volumes
    )


def test_the_fingerprint_follows_what_shapes_the_container(stack: Stack) -> None:
    spec = container_spec(stack, stack.get("oracle"))
    same = container_spec(stack, stack.get("oracle"))
    assert spec.fingerprint("sha256:a") == same.fingerprint("sha256:a")
    assert spec.fingerprint("sha256:a") != spec.fingerprint("sha256:b")
    changed = replace(spec, environment={**spec.environment, "OTEL_SERVICE_NAME": "other"})
    assert changed.fingerprint("sha256:a") != spec.fingerprint("sha256:a")
