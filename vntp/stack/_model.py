"""The stack as data: components, their ports, health checks and the order they start in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = (
    "Build",
    "Component",
    "ConfigFile",
    "HealthCheck",
    "LocalCommand",
    "Port",
    "Profile",
    "Stack",
    "StackError",
    "UnknownComponentError",
    "Volume",
    "connect_host",
    "order_components",
)

Profile = Literal["core", "grafana", "signoz"]
"""``core`` is always on; ``grafana`` and ``signoz`` add optional backends."""


class StackError(ValueError):
    """The stack description is inconsistent; the message names the component and the fix."""


class UnknownComponentError(StackError, LookupError):
    """A component name that the stack does not have."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"There is no component named {name!r}; choose one of: {', '.join(self.known)}.")


@dataclass(frozen=True)
class Port:
    """One TCP port of a component, published on the host."""

    name: str
    """Short name, unique within the component (``http``, ``otlp-grpc``)."""
    container_port: int
    """The port the component listens on inside its container."""
    host_port: int
    """The port published on the host; the local runtime listens on this one directly."""
    scheme: str = "tcp"
    """What speaks on it: ``http``, ``grpc``, ``postgresql``, ``redis`` or ``tcp``."""
    env_var: str = ""
    """The environment variable that moves ``host_port``; filled in by :func:`build_stack`."""

    def __post_init__(self) -> None:
        for what, value in (("container port", self.container_port), ("host port", self.host_port)):
            if not 0 < value < 65536:
                where = f" (set by {self.env_var})" if self.env_var else ""
                msg = f"The {what} {value!r} of {self.name!r}{where} is outside 1-65535; choose a port in that range."
                raise StackError(msg)

    def url(self, host: str = "127.0.0.1") -> str:
        """Return ``scheme://host:port`` for the published port."""
        return f"{self.scheme}://{host}:{self.host_port}"


@dataclass(frozen=True)
class HealthCheck:
    """How a runtime tells that a component is ready.

    ``kind`` is ``http`` (a GET on ``path`` at the named port answers 2xx), ``tcp`` (the named port
    accepts connections) or ``command`` (``command`` exits 0 inside the container). A runtime that
    cannot run ``command`` where the component lives (the local runtime) falls back to ``tcp``.
    """

    kind: Literal["http", "tcp", "command"]
    """Which probe to use."""
    port: str
    """The name of the port probed by ``http`` and ``tcp`` checks (and the ``command`` fallback)."""
    path: str = "/"
    """The HTTP path of an ``http`` check."""
    command: tuple[str, ...] = ()
    """The argv of a ``command`` check, run inside the container."""
    interval: float = 1.0
    """Seconds between probes while waiting."""
    timeout: float = 2.0
    """Seconds one probe may take."""
    start_timeout: float = 60.0
    """Seconds ``up`` waits for the component to become healthy before giving up."""

    def __post_init__(self) -> None:
        if self.kind == "command" and not self.command:
            msg = f"A 'command' health check on port {self.port!r} needs a command; give its argv."
            raise StackError(msg)
        if self.kind == "http" and not self.path.startswith("/"):
            msg = f"The health check path {self.path!r} must start with '/'."
            raise StackError(msg)


@dataclass(frozen=True)
class Volume:
    """A named volume holding a component's data; ``down --purge`` deletes it."""

    name: str
    """Volume name without the stack prefix (``postgres-oracle-data``)."""
    target: str
    """Where it is mounted inside the container."""
    driver_opts: Mapping[str, str] = field(default_factory=dict)
    """Options of the ``local`` volume driver, for a volume the image cannot prepare itself."""


@dataclass(frozen=True)
class ConfigFile:
    """A file from the ``stack/`` folder that a component reads.

    Container runtimes mount it read-only at ``target``. The local runtime renders a copy into
    ``{config}`` where every ``<component>:<container port>`` address in it is replaced by the
    address the local process listens on.
    """

    source: str
    """Path relative to the ``stack/`` folder (``prometheus/prometheus.yml``)."""
    target: str
    """Absolute path inside the container."""


@dataclass(frozen=True)
class Build:
    """How to build a component's image from a Dockerfile in the ``stack/`` folder's parent."""

    dockerfile: str = "stack/Dockerfile"
    """Dockerfile path relative to the build context."""
    context: str = "."
    """Build context relative to the project root (the ``stack/`` folder's parent)."""
    target: str | None = None
    """Multi-stage target, when not the last stage."""
    args: Mapping[str, str] = field(default_factory=dict)
    """Build arguments."""


@dataclass(frozen=True)
class LocalCommand:
    """How the local runtime runs a component as a process on this host.

    Arguments and environment values may hold placeholders the local runtime fills in:
    ``{data}`` (the component's data folder), ``{config}`` (its rendered config files),
    ``{files}`` (the ``stack/`` folder) and ``{state}`` (the stack's state folder).
    """

    program: str
    """``python`` (the running interpreter), a name :func:`vntp.toolchain.find` knows, or a name on PATH."""
    args: tuple[str, ...] = ()
    """Arguments after the program."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment added to the runtime's own."""
    kind: Literal["process", "postgres", "redis"] = "process"
    """``postgres`` and ``redis`` are run through their own server tools rather than as a plain process."""


@dataclass(frozen=True)
class Component:
    """One part of the stack: a database, a service, the collector or a backend."""

    name: str
    """Unique name; also the host name other components use inside a container network."""
    image: str
    """Container image reference."""
    profile: Profile = "core"
    """The profile that brings it up."""
    description: str = ""
    """One line for tables and help."""
    ports: tuple[Port, ...] = ()
    """Published ports; the first one is the main port."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment inside a container, addressing other components by name."""
    command: tuple[str, ...] = ()
    """Container command; empty for the image's default."""
    build: Build | None = None
    """How to build ``image`` when it is not pulled."""
    health: HealthCheck | None = None
    """Readiness probe; None means running is ready."""
    depends_on: tuple[str, ...] = ()
    """Components that must be healthy before this one starts."""
    volumes: tuple[Volume, ...] = ()
    """Named data volumes."""
    config_files: tuple[ConfigFile, ...] = ()
    """Files from the ``stack/`` folder it reads."""
    local: LocalCommand | None = None
    """How to run it without containers; None when only a container runtime can."""
    memory_mb: int = 64
    """Memory it needs to run, in MiB, for the preflight check."""
    ui_path: str | None = None
    """Path on the main port worth opening in a browser, if any."""

    def __post_init__(self) -> None:
        names = [port.name for port in self.ports]
        if len(set(names)) != len(names):
            msg = f"Component {self.name!r} declares the same port name twice ({names}); give each port its own name."
            raise StackError(msg)
        if self.health is not None and self.health.port not in names:
            msg = f"The health check of {self.name!r} probes port {self.health.port!r}, which it does not declare."
            raise StackError(msg)

    @property
    def main_port(self) -> Port | None:
        """The first declared port, if any."""
        return self.ports[0] if self.ports else None

    def port(self, name: str) -> Port:
        """Return the port called ``name``.

        Raises:
            StackError: when the component has no such port.
        """
        for port in self.ports:
            if port.name == name:
                return port
        known = ", ".join(port.name for port in self.ports) or "none"
        msg = f"Component {self.name!r} has no port named {name!r}; its ports are: {known}."
        raise StackError(msg)


def connect_host(bind_host: str) -> str:
    """Return the address a client on this host uses to reach a port published on ``bind_host``."""
    return "127.0.0.1" if bind_host in ("0.0.0.0", "::", "") else bind_host


def order_components(components: Iterable[Component]) -> tuple[Component, ...]:
    """Sort components so each one comes after everything it depends on.

    The order is stable: among components whose dependencies are met, the one declared first
    comes first.

    Raises:
        StackError: on duplicate names, a dependency that does not exist, or a cycle.
    """
    pending = list(components)
    by_name: dict[str, Component] = {}
    for component in pending:
        if component.name in by_name:
            msg = f"Two components are named {component.name!r}; give each component a unique name."
            raise StackError(msg)
        by_name[component.name] = component
    for component in pending:
        for dependency in component.depends_on:
            if dependency not in by_name:
                msg = (
                    f"Component {component.name!r} depends on {dependency!r}, which is not in the stack; "
                    f"remove it from depends_on or add that component."
                )
                raise StackError(msg)

    ordered: list[Component] = []
    placed: set[str] = set()
    while pending:
        ready = next((c for c in pending if all(d in placed for d in c.depends_on)), None)
        if ready is None:
            cycle = _find_cycle(pending)
            msg = (
                f"Components depend on each other in a cycle ({' -> '.join(cycle)}); "
                "remove one of those depends_on entries."
            )
            raise StackError(msg)
        ordered.append(ready)
        placed.add(ready.name)
        pending.remove(ready)
    return tuple(ordered)


def _find_cycle(pending: list[Component]) -> list[str]:
    by_name = {component.name: component for component in pending}
    path: list[str] = []
    current = pending[0].name
    while current not in path:
        path.append(current)
        current = next(d for d in by_name[current].depends_on if d in by_name)
    return [*path[path.index(current) :], current]


@dataclass(frozen=True)
class Stack:
    """Every component of one stack, in start order, with the profiles that are switched on."""

    name: str
    """The stack's name (``VNTP_STACK``)."""
    components: tuple[Component, ...]
    """All components of every profile, sorted by :func:`order_components`."""
    profiles: tuple[str, ...] = ("core",)
    """The profiles switched on."""
    bind_host: str = "127.0.0.1"
    """The host address ports are published on."""
    files_dir: Path = Path("stack")
    """The ``stack/`` folder that :class:`ConfigFile` sources are relative to."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", order_components(self.components))
        owners: dict[int, tuple[Component, Port]] = {}
        for component in self.components:
            if component.profile != "core" and component.profile not in self.profiles:
                continue  # a profile that is off holds no port
            for port in component.ports:
                if port.host_port in owners:
                    other, other_port = owners[port.host_port]
                    msg = (
                        f"Host port {port.host_port} is given to both {other.name!r} ({other_port.name}) and "
                        f"{component.name!r} ({port.name}); move one of them with {port.env_var or 'a port override'}."
                    )
                    raise StackError(msg)
                owners[port.host_port] = (component, port)

    @property
    def connect_host(self) -> str:
        """The address a client on this host uses to reach a published port."""
        return connect_host(self.bind_host)

    @property
    def names(self) -> tuple[str, ...]:
        """Every component name, in start order."""
        return tuple(component.name for component in self.components)

    def get(self, name: str) -> Component:
        """Return the component called ``name``.

        Raises:
            UnknownComponentError: when there is none; it lists the known names.
        """
        for component in self.components:
            if component.name == name:
                return component
        raise UnknownComponentError(name, self.names)

    def select(
        self, profiles: Iterable[str] | None = None, names: Iterable[str] | None = None
    ) -> tuple[Component, ...]:
        """Return the components to start, in start order.

        Args:
            profiles: Profiles to include (``core`` always is); the stack's own when None.
            names: Only these components and what they depend on, transitively; all when None.

        Raises:
            UnknownComponentError: when ``names`` holds a name the stack does not have.
        """
        wanted_profiles = {"core", *(self.profiles if profiles is None else profiles)}
        if names is None:
            return tuple(c for c in self.components if c.profile in wanted_profiles)

        wanted: set[str] = set()
        todo = list(names)
        while todo:
            component = self.get(todo.pop())
            if component.name not in wanted:
                wanted.add(component.name)
                todo.extend(component.depends_on)
        return tuple(c for c in self.components if c.name in wanted)

    def dependants(self, name: str) -> tuple[Component, ...]:
        """Return the components that depend on ``name``, directly or not, in start order."""
        found: set[str] = {name}
        for component in self.components:
            if found.intersection(component.depends_on):
                found.add(component.name)
        return tuple(c for c in self.components if c.name in found and c.name != name)
