"""Fixtures of the docker tests: an engine (else every test skips), the stand-in images, and a stack
on free ports whose containers, networks and volumes are recorded and removed afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests._backends import free_ports
from vntp.config import Settings
from vntp.runtimes import DockerRuntime, engine_answers
from vntp.stack import build_stack
from vntp.stack.containers import STACK_LABEL

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_FILE = ROOT / "stack" / "images" / "offline.yaml"


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """A client of the engine; every docker test skips when none answers."""
    if not engine_answers():
        pytest.skip("no Docker engine answers (DOCKER_HOST, /var/run/docker.sock); 'scripts/docker-setup' starts one")
    import docker

    client = docker.from_env(timeout=600)
    yield client
    client.close()


@pytest.fixture(scope="session")
def stand_ins(docker_client: Any) -> dict[str, str]:
    """The offline stand-in images, built when missing or stale (reused otherwise, in about a second)."""
    from vntp import images

    try:
        images.build()
    except images.ImageBuildError as exc:
        pytest.skip(f"the stand-in images could not be built: {exc}")
    return images.offline_overrides()


@dataclass
class Created:
    """Every container, network and volume a test stack made, by name, for the report and the clean-up."""

    containers: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    volumes: set[str] = field(default_factory=set)


@dataclass
class DockerStack:
    """A stack under test: its name, the environment the CLI needs, and its runtime."""

    name: str
    env: dict[str, str]
    settings: Settings
    runtime: DockerRuntime
    client: Any
    created: Created

    def record(self) -> Created:
        """Note everything that now carries the stack's label."""
        label = {"label": f"{STACK_LABEL}={self.name}"}
        self.created.containers |= {c.name for c in self.client.containers.list(all=True, filters=label)}
        self.created.networks |= {n.name for n in self.client.networks.list(filters=label)}
        self.created.volumes |= {v.name for v in self.client.volumes.list(filters=label)}
        return self.created

    def leftovers(self) -> dict[str, list[str]]:
        """What still carries the stack's label."""
        label = {"label": f"{STACK_LABEL}={self.name}"}
        return {
            "containers": [c.name for c in self.client.containers.list(all=True, filters=label)],
            "networks": [n.name for n in self.client.networks.list(filters=label)],
            "volumes": [v.name for v in self.client.volumes.list(filters=label)],
        }

    def remove_everything(self) -> None:
        """Remove every recorded or labelled container, network and volume (``docker rm -f -v`` and co)."""
        from docker.errors import APIError, NotFound

        self.record()
        for name in self.created.containers:
            with contextlib.suppress(NotFound):
                self.client.containers.get(name).remove(force=True, v=True)
        for name in self.created.networks:
            with contextlib.suppress(NotFound, APIError):
                self.client.networks.get(name).remove()
        for name in self.created.volumes:
            with contextlib.suppress(NotFound):
                self.client.volumes.get(name).remove(force=True)


@pytest.fixture(scope="module")
def docker_stack(docker_client: Any, stand_ins: dict[str, str]) -> Iterator[DockerStack]:
    """A core stack of stand-ins on free (uncommon) ports, under a stack name of its own; not started."""
    name = f"vntptest{os.getpid()}"
    state_dir = Path(tempfile.mkdtemp(prefix="vntp-docker-", dir="/tmp"))
    env = {"VNTP_STACK": name, "VNTP_STATE_DIR": str(state_dir), "VNTP_CONFIG": str(OFFLINE_FILE)}
    ports = [port for component in build_stack(Settings(state_dir=state_dir)).select() for port in component.ports]
    env.update({port.env_var: str(free) for port, free in zip(ports, free_ports(len(ports)), strict=True)})
    settings = Settings.from_env(env)
    stack = DockerStack(name, env, settings, DockerRuntime(settings), docker_client, Created())
    yield stack
    stack.remove_everything()
    shutil.rmtree(state_dir, ignore_errors=True)
    left = stack.leftovers()
    assert not any(left.values()), f"left behind after the clean-up: {left}"
