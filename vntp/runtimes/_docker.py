"""The docker runtime: the stack as containers on a Docker engine, through the Docker SDK.

What it creates for stack ``<stack>`` (names and labels come from :mod:`vntp.stack.containers`, which
the compose export shares)::

    network    <stack>-net                  every component answers to its own name inside it
    volumes    <stack>-<volume>             kept by ``down``, deleted by ``down --purge``
    containers <stack>-<component>          ports published on the stack's bind host (127.0.0.1)

Everything carries ``vntp.stack=<stack>``; containers also ``vntp.component``, ``vntp.profile``,
``vntp.spec`` (a hash of what shaped the container, so ``up`` recreates one whose image, settings or
config files changed) and ``vntp.wanted`` (the components the ``up`` that created it asked for, so
``status`` still lists a component whose container was removed). The engine holds all state: there
is no state file, and a stack started elsewhere, or by ``docker compose`` from ``stack/compose.yaml``,
is seen the same way.

Health: ``command`` checks run inside the container (``docker exec``); ``http`` checks are asked from
this host through the published port, like the local runtime does. A killed container (non-zero exit)
shows as ``dead``, a stopped one (exit 0) as ``stopped``; ``up`` restarts either.

The Docker SDK is imported only here and only when the runtime talks to the engine, never when the
command line starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vntp.config import PROFILES, Settings, image_env_var
from vntp.runtimes._base import (
    ComponentStartError,
    ComponentStats,
    ComponentStatus,
    LogNotFoundError,
    PreflightError,
    Problem,
    ProgressCallback,
    ProgressEvent,
    Runtime,
    RuntimeUnavailableError,
    StackRuntimeError,
)
from vntp.runtimes._probes import memory_problems, missing_file_problems, port_problems, probe
from vntp.stack import Component, Stack
from vntp.stack.containers import (
    COMPONENT_LABEL,
    PROFILE_LABEL,
    STACK_LABEL,
    ContainerSpec,
    container_name,
    container_spec,
    network_name,
)

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container
    from docker.models.networks import Network

__all__ = ("OFFLINE_HINT", "DockerRuntime", "engine_answers")

logger = logging.getLogger(__name__)

OFFLINE_HINT = (
    "Without a registry, 'scripts/docker-setup' (or 'python -m vntp.images build') builds stand-in images "
    "for the core components and VNTP_CONFIG=stack/images/offline.yaml selects them."
)
"""How to run the stack on an engine that cannot pull, for error messages."""

SPEC_LABEL = "vntp.spec"
WANTED_LABEL = "vntp.wanted"

_DEFAULT_SOCKET = Path("/var/run/docker.sock")
_PING_TIMEOUT = 3.0
_CLIENT_TIMEOUT = 600  # seconds; pulls and builds stream for long
_STOP_TIMEOUT = 10
_LOG_TAIL_LINES = 20
_EXEC_OUTPUT_CHARS = 200


def engine_answers(timeout: float = _PING_TIMEOUT) -> bool:
    """Return True when a Docker engine answers, without waiting long when there is none.

    With neither ``DOCKER_HOST`` nor ``/var/run/docker.sock``, the answer is False at once and the
    Docker SDK is not even imported.
    """
    if not os.environ.get("DOCKER_HOST") and not _DEFAULT_SOCKET.exists():
        return False
    try:
        _connect(timeout).close()
    except RuntimeUnavailableError:
        return False
    return True


def _connect(timeout: float) -> docker.DockerClient:
    """Return a client of the engine that ``DOCKER_HOST`` (or the default socket) names, after a ping.

    Raises:
        RuntimeUnavailableError: when no engine answers; the message says how to start one.
    """
    where = os.environ.get("DOCKER_HOST") or f"unix://{_DEFAULT_SOCKET}"
    try:
        import docker
        import requests
        from docker.errors import DockerException
    except ImportError as exc:  # pragma: no cover - docker is one of vntp's dependencies
        msg = "The Docker SDK for Python is not installed; install vntp with its dependencies ('pip install -e .')."
        raise RuntimeUnavailableError(msg) from exc
    try:
        client = docker.from_env(timeout=int(max(timeout, 1)))
        client.ping()
    except (DockerException, requests.RequestException, OSError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        fix = (
            "your user may not use the socket: run as root or join the 'docker' group"
            if "Permission denied" in reason
            else "start Docker (on Debian: 'scripts/docker-setup' installs docker.io and starts dockerd), "
            "or set DOCKER_HOST to an engine that runs"
        )
        msg = (
            f"No Docker engine answers at {where} ({reason[:300]}); {fix}. "
            "Or run the stack as processes on this host with '--runtime local'."
        )
        raise RuntimeUnavailableError(msg) from exc
    client.api.timeout = _CLIENT_TIMEOUT
    return client


def _started_at(value: object) -> float | None:
    """Seconds since the epoch of Docker's ``State.StartedAt`` (RFC 3339 with nanoseconds)."""
    if not isinstance(value, str) or value.startswith("0001-"):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Split a stream of log chunks into lines (a chunk may hold several, or part of one)."""
    pending = ""
    for chunk in chunks:
        pending += chunk.decode("utf-8", errors="replace")
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


class _ChunkReader(io.RawIOBase):
    """A file object over a stream of byte chunks (``get_archive``'s answer), for :mod:`tarfile`."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class DockerRuntime(Runtime):
    """Runs the stack as containers on the Docker engine that ``DOCKER_HOST`` (or the default socket) names."""

    name = "docker"

    def __init__(self, settings: Settings, client: docker.DockerClient | None = None) -> None:
        super().__init__(settings)
        self._client = client

    @property
    def client(self) -> docker.DockerClient:
        """The engine's client, connected on first use.

        Raises:
            RuntimeUnavailableError: when no engine answers.
        """
        if self._client is None:
            self._client = _connect(_PING_TIMEOUT)
        return self._client

    # -- what exists -----------------------------------------------------------------------------

    def _label(self) -> str:
        return f"{STACK_LABEL}={self.settings.stack}"

    def _containers(self) -> dict[str, Container]:
        """The stack's containers by component; the one vntp named wins over others with the same labels."""
        found: dict[str, Container] = {}
        for container in self.client.containers.list(all=True, filters={"label": self._label()}):
            component = (container.labels or {}).get(COMPONENT_LABEL)
            if not component:
                continue
            named = container.name == container_name(self.settings.stack, component)
            if component not in found or named:
                found[component] = container
        return found

    def active_profiles(self) -> tuple[str, ...]:
        """The profiles of the containers that exist; the settings' when there are none."""
        try:
            return self._profiles_of(self._containers())
        except RuntimeUnavailableError:
            return self.settings.profiles

    def _profiles_of(self, containers: Mapping[str, Container]) -> tuple[str, ...]:
        if not containers:
            return self.settings.profiles
        present = {(c.labels or {}).get(PROFILE_LABEL, "core") for c in containers.values()}
        return tuple(profile for profile in PROFILES if profile == "core" or profile in present)

    def _snapshot(self) -> tuple[Stack, dict[str, Container]]:
        """The stack as its containers say, and those containers, from one listing."""
        containers = self._containers()
        return self.stack(self._profiles_of(containers)), containers

    # -- preflight -------------------------------------------------------------------------------

    def preflight(
        self, profiles: Iterable[str] | None = None, components: Iterable[str] | None = None
    ) -> list[Problem]:
        stack = self.stack(profiles)
        selected = stack.select(names=None if components is None else list(components))
        existing = self._containers()
        # A running or paused container holds its own ports; anything else is (re)started and needs them free.
        to_start = [
            c for c in selected if c.name not in existing or existing[c.name].status not in ("running", "paused")
        ]
        problems: list[Problem] = []
        problems += self._check_ports(stack, to_start)
        problems += self._check_files(stack, to_start)
        problems += self._check_builds(stack, to_start)
        problems += self._check_memory(to_start)
        return problems

    def _check_ports(self, stack: Stack, components: list[Component]) -> list[Problem]:
        return port_problems(components, stack.bind_host)

    def _check_files(self, stack: Stack, components: list[Component]) -> list[Problem]:
        return missing_file_problems(stack, components, "mounts")

    def _check_builds(self, stack: Stack, components: list[Component]) -> list[Problem]:
        from docker.errors import ImageNotFound

        problems = []
        for component in components:
            if component.build is None:
                continue
            dockerfile = stack.files_dir.parent / component.build.context / component.build.dockerfile
            if dockerfile.is_file():
                continue
            try:
                self.client.images.get(component.image)
            except ImageNotFound:
                problems.append(
                    Problem(
                        component.name,
                        f"The image {component.image!r} of {component.name} is not on this engine, "
                        f"and {dockerfile} to build it does not exist.",
                        f"Run vntp from a checkout of the project, or point it at a built image with "
                        f"{image_env_var(component.name)}=<image>.",
                        kind="file",
                    )
                )
        return problems

    def _check_memory(self, components: list[Component]) -> list[Problem]:
        host = os.environ.get("DOCKER_HOST", "")
        if host and not host.startswith("unix://"):
            return []  # a remote engine's memory is not this host's
        return memory_problems(components)

    # -- images ----------------------------------------------------------------------------------

    def _obtain_images(self, stack: Stack, components: Iterable[Component], notify: ProgressCallback) -> dict[str, str]:
        """Return ``{image: id}`` for every component's image, pulling or building what is missing.

        Raises:
            PreflightError: listing every image that could be neither found, pulled nor built.
        """
        from docker.errors import APIError, ImageNotFound

        ids: dict[str, str] = {}
        problems: list[Problem] = []
        for component in components:
            if component.image in ids:
                continue
            try:
                ids[component.image] = str(self.client.images.get(component.image).id)
                continue
            except ImageNotFound:
                pass
            try:
                if component.build is not None:
                    ids[component.image] = self._build(stack, component, notify)
                else:
                    ids[component.image] = self._pull(component, notify)
            except (APIError, StackRuntimeError) as exc:
                reason = exc.explanation if isinstance(exc, APIError) and exc.explanation else str(exc)
                how = "built" if component.build is not None else "pulled"
                notify(ProgressEvent(component.name, "failed", f"no image {component.image}"))
                problems.append(
                    Problem(
                        component.name,
                        f"The image {component.image!r} of {component.name} is not on this engine and could not "
                        f"be {how} ({str(reason).strip()[:300]}).",
                        f"Get it onto the engine yourself, or point {component.name} at another image with "
                        f"{image_env_var(component.name)}=<image> (or 'images:' in vntp.yaml).",
                        kind="image",
                    )
                )
        if problems:
            last = problems[-1]
            problems[-1] = dataclasses.replace(last, fix=f"{last.fix} {OFFLINE_HINT}")  # once, not per image
            raise PreflightError(problems)
        return ids

    def _pull(self, component: Component, notify: ProgressCallback) -> str:
        from docker.utils import parse_repository_tag

        repository, tag = parse_repository_tag(component.image)
        began = time.monotonic()
        notify(ProgressEvent(component.name, "starting", f"pulling {component.image}"))
        last = ""
        for event in self.client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if "error" in event:
                raise StackRuntimeError(str(event["error"]))
            status = str(event.get("status", ""))
            if status and status != last:
                last = status
                notify(ProgressEvent(component.name, "starting", f"pulling {component.image}: {status}", elapsed=0.0))
        logger.debug("pulled %s in %.1f s", component.image, time.monotonic() - began)
        return str(self.client.images.get(component.image).id)

    def _build(self, stack: Stack, component: Component, notify: ProgressCallback) -> str:
        build = component.build
        assert build is not None
        context = stack.files_dir.parent / build.context
        notify(ProgressEvent(component.name, "starting", f"building {component.image} from {build.dockerfile}"))
        tail: list[str] = []
        stream = self.client.api.build(
            path=str(context),
            dockerfile=build.dockerfile,
            tag=component.image,
            buildargs=dict(build.args) or None,
            target=build.target,
            rm=True,
            forcerm=True,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                lines = "".join(tail[-_LOG_TAIL_LINES:])
                msg = f"{str(chunk['error']).strip()}; the build's last lines:\n{lines}"
                raise StackRuntimeError(msg)
            text = str(chunk.get("stream", ""))
            if text:
                tail.append(text)
                if text.startswith("Step "):
                    notify(ProgressEvent(component.name, "starting", f"building {component.image}: {text.strip()}"))
        return str(self.client.images.get(component.image).id)

    # -- network and volumes ---------------------------------------------------------------------

    def _ensure_network(self, stack: Stack) -> Network:
        name = network_name(stack.name)
        for network in self.client.networks.list(names=[name]):
            if network.name != name:
                continue
            if (network.attrs.get("Labels") or {}).get(STACK_LABEL) != stack.name:
                msg = (
                    f"A Docker network named {name!r} exists but does not belong to stack {stack.name!r}; "
                    f"remove it ('docker network rm {name}') or choose another stack name with VNTP_STACK."
                )
                raise StackRuntimeError(msg)
            return network
        return self.client.networks.create(
            name, driver="bridge", labels={STACK_LABEL: stack.name}, check_duplicate=True
        )

    def _ensure_volumes(self, stack: Stack, spec: ContainerSpec) -> None:
        from docker.errors import NotFound

        for volume in spec.volumes:
            try:
                existing = self.client.volumes.get(volume.name)
            except NotFound:
                self.client.volumes.create(
                    name=volume.name,
                    driver="local",
                    driver_opts=dict(volume.driver_opts) or None,
                    labels={STACK_LABEL: stack.name, COMPONENT_LABEL: spec.component},
                )
                continue
            if (existing.attrs.get("Labels") or {}).get(STACK_LABEL) != stack.name:
                msg = (
                    f"A Docker volume named {volume.name!r} exists but does not belong to stack {stack.name!r}; "
                    f"remove it ('docker volume rm {volume.name}') or choose another stack name with VNTP_STACK."
                )
                raise StackRuntimeError(msg)

    # -- up --------------------------------------------------------------------------------------

    def up(
        self,
        profiles: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        components: Iterable[str] | None = None,
    ) -> list[ComponentStatus]:
        notify = progress or (lambda event: None)
        stack = self.stack(profiles)
        names = None if components is None else list(components)
        selected = stack.select(names=names)
        problems = self.preflight(stack.profiles, names)
        if problems:
            raise PreflightError(problems)

        image_ids = self._obtain_images(stack, selected, notify)
        network = self._ensure_network(stack)
        existing = self._containers()
        wanted = {c.name for c in selected}
        for container in existing.values():
            wanted.update(n for n in (container.labels or {}).get(WANTED_LABEL, "").split(",") if n)
        wanted_list = [n for n in stack.names if n in wanted]
        ensured = {
            component.name: self._ensure(
                stack, component, existing.get(component.name), image_ids, network, wanted_list, notify
            )
            for component in selected
        }
        return [self._status(stack, component, ensured[component.name]) for component in selected]

    def _ensure(
        self,
        stack: Stack,
        component: Component,
        container: Container | None,
        image_ids: Mapping[str, str],
        network: Network,
        wanted: list[str],
        notify: ProgressCallback,
    ) -> Container:
        spec = container_spec(stack, component)
        fingerprint = spec.fingerprint(image_ids[component.image], str(network.id), files_dir=stack.files_dir)
        if container is not None:
            current = (container.labels or {}).get(SPEC_LABEL)
            if current != fingerprint or container.name != spec.name or container.status in ("dead", "removing"):
                notify(ProgressEvent(component.name, "starting", "recreating: its image or settings changed"))
                self._remove(container)
                container = None
            elif container.status == "running":
                notify(ProgressEvent(component.name, "running", "already running"))
            elif container.status == "paused":
                container.unpause()
                notify(ProgressEvent(component.name, "running", "resumed from pause"))
            else:
                notify(ProgressEvent(component.name, "starting", f"restarting the {container.status} container"))
                container.start()
        if container is None:
            notify(ProgressEvent(component.name, "starting"))
            self._ensure_volumes(stack, spec)
            container = self._run(stack, spec, fingerprint, wanted)
        self._wait_healthy(stack, component, container, notify)
        return container

    def _run(self, stack: Stack, spec: ContainerSpec, fingerprint: str, wanted: list[str]) -> Container:
        """Create and start the container of ``spec`` (``docker run -d``)."""
        from docker.errors import APIError, NotFound
        from docker.types import Mount

        try:
            stranger = self.client.containers.get(spec.name)
        except NotFound:
            stranger = None
        if stranger is not None:
            if (stranger.labels or {}).get(STACK_LABEL) != spec.labels[STACK_LABEL]:
                reason = (
                    f"cannot be created: a container named {spec.name!r} exists and does not belong to stack "
                    f"{spec.labels[STACK_LABEL]!r}; remove it ('docker rm -f {spec.name}') or choose another "
                    "stack name with VNTP_STACK"
                )
                raise ComponentStartError(spec.component, reason)
            self._remove(stranger)

        mounts = [Mount(target=v.target, source=v.name, type="volume") for v in spec.volumes]
        mounts += [
            Mount(target=m.target, source=str(m.host_path(stack.files_dir)), type="bind", read_only=True)
            for m in spec.mounts
        ]
        healthcheck = None
        if spec.health is not None:
            ns = 1_000_000_000
            healthcheck = {
                "test": list(spec.health.test),
                "interval": int(spec.health.interval * ns),
                "timeout": int(spec.health.timeout * ns),
                "retries": spec.health.retries,
                "start_period": int(spec.health.start_period * ns),
            }
        labels = {**spec.labels, SPEC_LABEL: fingerprint, WANTED_LABEL: ",".join(wanted)}
        try:
            container = self.client.containers.create(
                spec.image,
                command=list(spec.command) or None,
                name=spec.name,
                hostname=spec.component,
                environment=dict(spec.environment),
                user=spec.user or "",
                labels=labels,
                ports={f"{p.container_port}/tcp": (p.host_ip, p.host_port) for p in spec.ports},
                mounts=mounts,
                network=spec.network,
                networking_config={spec.network: self.client.api.create_endpoint_config(aliases=[spec.component])},
                healthcheck=healthcheck,
                security_opt=["no-new-privileges:true"],
                detach=True,
            )
            container.start()
        except APIError as exc:
            reason = f"could not be started by the engine: {exc.explanation or exc}"
            raise ComponentStartError(spec.component, reason) from exc
        return container

    def _wait_healthy(self, stack: Stack, component: Component, container: Container, notify: ProgressCallback) -> None:
        check = component.health
        timeout = check.start_timeout if check else 10.0
        interval = check.interval if check else 0.2
        began = time.monotonic()
        while True:
            elapsed = time.monotonic() - began
            container.reload()
            state = container.attrs.get("State") or {}
            if container.status in ("exited", "dead"):
                how = f"exited with status {state.get('ExitCode')}"
                notify(ProgressEvent(component.name, "failed", how, elapsed))
                raise ComponentStartError(
                    component.name,
                    f"{how} while starting; 'vntp logs {component.name}' shows why",
                    None,
                    self._tail(container),
                )
            healthy, answer = self._probe(stack, component, container)
            if healthy:
                notify(ProgressEvent(component.name, "healthy", answer, elapsed))
                return
            if elapsed > timeout:
                notify(ProgressEvent(component.name, "failed", answer, elapsed))
                reason = f"did not become healthy within {timeout:.0f} s (last check: {answer})"
                raise ComponentStartError(component.name, reason, None, self._tail(container))
            notify(ProgressEvent(component.name, "waiting", answer, elapsed))
            time.sleep(interval)

    def _probe(self, stack: Stack, component: Component, container: Container) -> tuple[bool, str]:
        """Ask the component's health check once: ``command`` checks inside the container, others from here."""
        from docker.errors import APIError

        check = component.health
        if check is None or check.kind != "command":
            return probe(component, stack.connect_host)
        try:
            result = container.exec_run(list(check.command))
        except APIError as exc:
            return False, f"{check.command[0]} could not run ({exc.explanation or exc})"
        if result.exit_code == 0:
            return True, f"{check.command[0]} succeeded"
        output = (result.output or b"").decode("utf-8", errors="replace").strip().splitlines()
        last = output[-1][:_EXEC_OUTPUT_CHARS] if output else ""
        return False, f"{check.command[0]} exited with status {result.exit_code}" + (f": {last}" if last else "")

    def _tail(self, container: Container) -> str:
        from docker.errors import APIError

        try:
            return bytes(container.logs(tail=_LOG_TAIL_LINES)).decode("utf-8", errors="replace")
        except APIError:
            return ""

    # -- down, stop, kill ------------------------------------------------------------------------

    def _remove(self, container: Container) -> None:
        """Stop and remove a container with its anonymous volumes (``docker rm -f -v``)."""
        from docker.errors import APIError, NotFound

        with contextlib.suppress(NotFound):
            if container.status == "paused":
                container.unpause()
            if container.status in ("running", "restarting", "paused"):
                try:
                    container.stop(timeout=_STOP_TIMEOUT)
                except APIError as exc:
                    logger.warning("stopping %s failed (%s); removing it anyway", container.name, exc)
            container.remove(v=True, force=True)

    def down(self, purge: bool = False, progress: ProgressCallback | None = None) -> None:
        from docker.errors import APIError, NotFound

        notify = progress or (lambda event: None)
        order = {name: index for index, name in enumerate(self.stack().names)}
        containers = self.client.containers.list(all=True, filters={"label": self._label()})
        containers.sort(key=lambda c: order.get((c.labels or {}).get(COMPONENT_LABEL, ""), -1), reverse=True)
        for container in containers:
            component = (container.labels or {}).get(COMPONENT_LABEL) or container.name
            notify(ProgressEvent(component, "stopping"))
            began = time.monotonic()
            self._remove(container)
            notify(ProgressEvent(component, "stopped", elapsed=time.monotonic() - began))
        for network in self.client.networks.list(filters={"label": self._label()}):
            try:
                network.remove()
            except NotFound:
                continue
            except APIError as exc:
                msg = (
                    f"The network {network.name!r} could not be removed ({exc.explanation or exc}); a container "
                    f"outside the stack may still use it: 'docker network inspect {network.name}' shows which."
                )
                raise StackRuntimeError(msg) from exc
        if not purge:
            return
        for volume in self.client.volumes.list(filters={"label": self._label()}):
            try:
                volume.remove(force=True)
            except NotFound:
                continue
            except APIError as exc:
                msg = (
                    f"The volume {volume.name!r} could not be removed ({exc.explanation or exc}); "
                    f"'docker ps -a --filter volume={volume.name}' shows what still uses it."
                )
                raise StackRuntimeError(msg) from exc
        notify(ProgressEvent("*", "purged", f"volumes of stack {self.settings.stack}"))

    def _existing(self, component: str, verb: str) -> Container:
        stack, containers = self._snapshot()
        stack.get(component)  # an unknown name is an error before anything else
        container = containers.get(component)
        if container is None:
            msg = (
                f"{component} has no container in stack {self.settings.stack!r}, so it cannot be {verb}; "
                "start it with 'vntp up'."
            )
            raise StackRuntimeError(msg)
        return container

    def stop_component(self, component: str) -> None:
        from docker.errors import APIError

        container = self._existing(component, "stopped")
        try:
            if container.status == "paused":
                container.unpause()
            container.stop(timeout=_STOP_TIMEOUT)
        except APIError as exc:
            msg = f"{component} could not be stopped: {exc.explanation or exc}"
            raise StackRuntimeError(msg) from exc

    def kill_component(self, component: str) -> None:
        from docker.errors import APIError

        container = self._existing(component, "killed")
        if container.status not in ("running", "paused", "restarting"):
            return
        try:
            container.kill()
        except APIError as exc:
            msg = f"{component} could not be killed: {exc.explanation or exc}"
            raise StackRuntimeError(msg) from exc

    def pause_component(self, component: str) -> None:
        from docker.errors import APIError

        container = self._existing(component, "paused")
        if container.status == "paused":
            return
        if container.status != "running":
            msg = f"{component} is not running, so it cannot be paused; start it with 'vntp up'."
            raise StackRuntimeError(msg)
        try:
            container.pause()
        except APIError as exc:
            msg = f"{component} could not be paused: {exc.explanation or exc}"
            raise StackRuntimeError(msg) from exc

    def unpause_component(self, component: str) -> None:
        from docker.errors import APIError

        container = self._existing(component, "unpaused")
        if container.status != "paused":
            return
        try:
            container.unpause()
        except APIError as exc:
            msg = f"{component} could not be unpaused: {exc.explanation or exc}"
            raise StackRuntimeError(msg) from exc

    def start_component(self, component: str, progress: ProgressCallback | None = None) -> ComponentStatus:
        notify = progress or (lambda event: None)
        stack, containers = self._snapshot()
        target = stack.get(component)
        container = containers.get(component)
        if container is None or container.status not in ("running", "paused"):
            problems = self._check_ports(stack, [target]) + self._check_files(stack, [target])
            if problems:
                raise PreflightError(problems)
        image_ids = self._obtain_images(stack, [target], notify)
        network = self._ensure_network(stack)
        wanted = (container.labels or {}).get(WANTED_LABEL, component).split(",") if container else [component]
        return self._status(stack, target, self._ensure(stack, target, container, image_ids, network, wanted, notify))

    # -- status, logs, stats ---------------------------------------------------------------------

    def status(self) -> list[ComponentStatus]:
        stack, containers = self._snapshot()
        if not containers:
            return [self._status(stack, component, None) for component in stack.select()]
        wanted = set(containers)
        for container in containers.values():
            wanted.update(n for n in (container.labels or {}).get(WANTED_LABEL, "").split(",") if n)
        return [self._status(stack, c, containers.get(c.name)) for c in stack.components if c.name in wanted]

    def _status(self, stack: Stack, component: Component, container: Container | None) -> ComponentStatus:
        common: dict[str, Any] = {
            "name": component.name,
            "profile": component.profile,
            "ports": {port.name: port.host_port for port in component.ports},
        }
        if container is None:
            return ComponentStatus(state="stopped", detail="no container", **common)
        state = container.attrs.get("State") or {}
        started_at = _started_at(state.get("StartedAt"))
        pid = int(state.get("Pid") or 0) or None
        status = container.status
        if status == "paused":
            return ComponentStatus(state="paused", pid=pid, started_at=started_at, detail="paused", **common)
        if status in ("running", "restarting"):
            healthy, answer = self._probe(stack, component, container)
            return ComponentStatus(
                state="running",
                health="healthy" if healthy else "unhealthy",
                pid=pid,
                started_at=started_at,
                detail="" if healthy else answer,
                **common,
            )
        code = int(state.get("ExitCode") or 0)
        if status == "created" or (status == "exited" and code == 0):
            return ComponentStatus(state="stopped", started_at=started_at, **common)
        oom = " (out of memory)" if state.get("OOMKilled") else ""
        detail = f"exited with status {code}{oom}; 'vntp logs {component.name}' shows why"
        return ComponentStatus(state="dead", started_at=started_at, detail=detail, **common)

    def logs(self, component: str, follow: bool = False, lines: int | None = None) -> Iterator[str]:
        stack, containers = self._snapshot()
        stack.get(component)  # an unknown name is an error before anything else
        container = containers.get(component)
        if container is None:
            msg = (
                f"{component} has no container in stack {self.settings.stack!r}, so it has no log; "
                "start it with 'vntp up'."
            )
            raise LogNotFoundError(msg)
        tail: int | str = "all" if lines is None else max(lines, 0)
        if tail == 0 and not follow:
            return iter(())
        chunks = container.logs(stream=True, follow=follow, tail=tail, stdout=True, stderr=True)
        return _lines(chunks)

    def stats(self, interval: float = 0.5) -> list[ComponentStats]:
        from docker.errors import APIError, NotFound

        running = [c for c in self._containers().items() if c[1].status == "running"]

        def sample() -> dict[str, tuple[float, dict[str, Any]]]:
            out = {}
            for name, container in running:
                with contextlib.suppress(APIError, NotFound):
                    out[name] = (time.monotonic(), container.stats(stream=False, one_shot=True))
            return out

        first = sample()
        if first:
            time.sleep(interval)
        second = sample()
        results = []
        for name, (when, stats) in second.items():
            cpu = 0.0
            if name in first:
                before_when, before = first[name]
                used = _cpu_ns(stats) - _cpu_ns(before)
                wall = max(when - before_when, 1e-6) * 1e9
                cpu = max(used, 0) / wall * 100.0
            memory = stats.get("memory_stats") or {}
            details = memory.get("stats") or {}
            cache = details.get("inactive_file", details.get("total_inactive_file", details.get("cache", 0)))
            used_memory = max(int(memory.get("usage") or 0) - int(cache or 0), 0)
            processes = int((stats.get("pids_stats") or {}).get("current") or 1)
            results.append(ComponentStats(name, cpu, used_memory, processes))
        order = {n: i for i, n in enumerate(self.stack().names)}
        return sorted(results, key=lambda s: order.get(s.name, len(order)))

    def telemetry_export(self) -> Iterator[str]:
        """Lines of the collector's file export, copied out of its container, rotated backups first."""
        from docker.errors import APIError, NotFound

        stack, containers = self._snapshot()
        component = stack.get("otel-collector")
        path = component.environment.get("VNTP_TELEMETRY_FILE", "/var/lib/otelcol/telemetry.jsonl")
        folder, _, filename = path.rpartition("/")
        stem = filename.rsplit(".", 1)[0]
        container = containers.get(component.name)
        if container is None:
            return
        try:
            chunks, _ = container.get_archive(folder or "/")
        except (APIError, NotFound):
            return
        with tempfile.TemporaryDirectory(prefix="vntp-telemetry-") as tmp:
            with tarfile.open(fileobj=io.BufferedReader(_ChunkReader(chunks)), mode="r|") as archive:
                for member in archive:
                    name = member.name.rsplit("/", 1)[-1]
                    if member.isfile() and name.startswith(stem) and name.endswith(".jsonl"):
                        source = archive.extractfile(member)
                        if source is not None:
                            with (Path(tmp) / name).open("wb") as target:
                                shutil.copyfileobj(source, target)
            files = sorted(p for p in Path(tmp).iterdir() if p.name != filename)
            files.append(Path(tmp) / filename)
            for file in files:
                with contextlib.suppress(FileNotFoundError), file.open(encoding="utf-8", errors="replace") as handle:
                    yield from handle


def _cpu_ns(stats: Mapping[str, Any]) -> int:
    return int(((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage") or 0)
