"""How each component runs as a container: what the docker runtime creates and the compose export writes.

Both read the same :class:`ContainerSpec`, derived here from the stack description and nothing else,
so a container started by ``vntp up --runtime docker`` and one started by ``docker compose`` from
``stack/compose.yaml`` get the same image, command, environment, user, ports, mounts and health check.

What the description leaves to container runtimes is decided here:

- Names: container ``<stack>-<component>``, network ``<stack>-net``, volume ``<stack>-<volume>``; inside
  the network every component answers to its own name (``postgres-oracle:5432``, ``otel-collector:4317``).
- Labels: ``vntp.stack``, ``vntp.component`` and ``vntp.profile`` on every container, network and volume,
  so ``down --purge`` finds everything by label.
- Users: the official Postgres and Redis images start as root only to drop to their own user; both
  support being started as that user directly, so they are (``postgres``, ``redis``). Every other
  image already runs as a non-root user.
- Health checks run inside the container where the image can run them: ``command`` checks as they
  are, ``http`` checks with ``python`` in the images vntp builds. The official collector, Prometheus
  and Jaeger images have no shell or HTTP client, so those are probed from outside instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vntp.stack import Build, Component, Stack

__all__ = (
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
)

STACK_LABEL = "vntp.stack"
"""Label holding the stack's name, on every container, network and volume of the stack."""
COMPONENT_LABEL = "vntp.component"
"""Label holding the component's name, on containers and volumes."""
PROFILE_LABEL = "vntp.profile"
"""Label holding the profile a container belongs to."""

HEALTH_INTERVAL = 5.0
"""Seconds between two runs of an in-container health check once the container is up."""

_USERS = {"postgres": "postgres", "redis": "redis"}
"""Container user by :attr:`~vntp.stack.LocalCommand.kind`, for images that would otherwise start as root."""


def container_name(stack: str, component: str) -> str:
    """The container of ``component`` in stack ``stack``."""
    return f"{stack}-{component}"


def network_name(stack: str) -> str:
    """The network every container of stack ``stack`` joins."""
    return f"{stack}-net"


def volume_name(stack: str, volume: str) -> str:
    """The engine's name of the stack's volume ``volume``."""
    return f"{stack}-{volume}"


@dataclass(frozen=True)
class PortBinding:
    """A container port published on the host."""

    name: str
    """The port's name in the description (``http``, ``otlp-grpc``)."""
    container_port: int
    """The port inside the container."""
    host_ip: str
    """The host address it is published on (``127.0.0.1`` by default)."""
    host_port: int
    """The port on the host."""


@dataclass(frozen=True)
class VolumeMount:
    """A named volume mounted into the container."""

    key: str
    """The volume's name in the description (``postgres-oracle-data``)."""
    name: str
    """The engine's name for it (``vntp-postgres-oracle-data``)."""
    target: str
    """Where it is mounted."""
    driver_opts: Mapping[str, str] = field(default_factory=dict)
    """Options of the ``local`` volume driver; empty for a plain directory on the engine's disk."""


@dataclass(frozen=True)
class BindMount:
    """A config file from the ``stack/`` folder, mounted read-only."""

    source: str
    """Path relative to the ``stack/`` folder."""
    target: str
    """Absolute path inside the container."""

    def host_path(self, files_dir: Path) -> Path:
        """The absolute path of the file on the host."""
        return (files_dir / self.source).resolve()


@dataclass(frozen=True)
class ContainerHealth:
    """A health check the engine runs inside the container (Docker's ``HEALTHCHECK``)."""

    test: tuple[str, ...]
    """``("CMD", argv...)``."""
    interval: float
    """Seconds between checks."""
    timeout: float
    """Seconds one check may take."""
    retries: int
    """Failures in a row before the container counts as unhealthy."""
    start_period: float
    """Seconds after start during which failures do not count."""


@dataclass(frozen=True)
class ContainerSpec:
    """Everything a container runtime needs to create one component's container."""

    component: str
    """The component's name; also its host name inside the stack's network."""
    name: str
    """The container's name."""
    image: str
    """The image reference."""
    command: tuple[str, ...] = ()
    """Arguments after the image's entrypoint; empty for the image's default command."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment variables."""
    user: str | None = None
    """The user to run as; None for the image's own."""
    ports: tuple[PortBinding, ...] = ()
    """Published ports."""
    volumes: tuple[VolumeMount, ...] = ()
    """Named volumes."""
    mounts: tuple[BindMount, ...] = ()
    """Read-only config files."""
    health: ContainerHealth | None = None
    """The in-container health check, when the image can run one."""
    depends_on: tuple[str, ...] = ()
    """Components that must be healthy first."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on the container."""
    network: str = ""
    """The network it joins."""
    build: Build | None = None
    """How to build the image when it is missing."""

    def fingerprint(self, *extra: str, files_dir: Path | None = None) -> str:
        """A hash of everything that shapes the container; a change means it must be recreated.

        Args:
            extra: More that counts, such as the id the image resolves to now (so a rebuilt image
                counts as a change) and the id of the network.
            files_dir: When given, the content of the mounted config files counts too.
        """
        data: dict[str, Any] = asdict(self)
        data.pop("build")
        data["extra"] = list(extra)
        if files_dir is not None:
            data["mounted"] = [_file_digest(mount.host_path(files_dir)) for mount in self.mounts]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _health(component: Component) -> ContainerHealth | None:
    check = component.health
    if check is None:
        return None
    if check.kind == "command":
        test: tuple[str, ...] = ("CMD", *check.command)
    elif check.kind == "http" and component.build is not None:
        port = component.port(check.port).container_port
        code = (
            "import urllib.request; "
            f"urllib.request.urlopen('http://127.0.0.1:{port}{check.path}', timeout={check.timeout:g})"
        )
        test = ("CMD", "python", "-c", code)
    else:
        return None
    return ContainerHealth(
        test=test,
        interval=HEALTH_INTERVAL,
        timeout=check.timeout,
        retries=3,
        start_period=check.start_timeout,
    )


def container_spec(stack: Stack, component: Component) -> ContainerSpec:
    """Derive the container of one component of ``stack``."""
    labels = {STACK_LABEL: stack.name, COMPONENT_LABEL: component.name, PROFILE_LABEL: component.profile}
    return ContainerSpec(
        component=component.name,
        name=container_name(stack.name, component.name),
        image=component.image,
        command=component.command,
        environment=dict(component.environment),
        user=_USERS.get(component.local.kind) if component.local is not None else None,
        ports=tuple(
            PortBinding(port.name, port.container_port, stack.bind_host, port.host_port) for port in component.ports
        ),
        volumes=tuple(
            VolumeMount(
                volume.name,
                volume_name(stack.name, volume.name),
                volume.target,
                dict(volume.driver_opts),
            )
            for volume in component.volumes
        ),
        mounts=tuple(BindMount(config.source, config.target) for config in component.config_files),
        health=_health(component),
        depends_on=component.depends_on,
        labels=labels,
        network=network_name(stack.name),
        build=component.build,
    )


def container_specs(stack: Stack, components: Iterable[Component] | None = None) -> tuple[ContainerSpec, ...]:
    """Derive the containers of ``components`` (every component of the stack when None), in start order."""
    return tuple(
        container_spec(stack, component) for component in (stack.components if components is None else components)
    )
