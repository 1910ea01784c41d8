"""``stack/compose.yaml``, exported from the stack description for people who prefer ``docker compose``.

The file is generated, never edited by hand; a test fails when the committed one is stale::

    python -m vntp.stack.compose > stack/compose.yaml

It describes the stack with default settings (default images, ports published on 127.0.0.1), every
component in it, optional ones under their compose profile. Containers, the network and the volumes
carry the same ``vntp.*`` labels as those of ``vntp up --runtime docker``, so ``vntp status``,
``vntp logs`` and ``vntp down --purge`` find them too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from vntp.config import Settings
from vntp.stack import Stack, build_stack
from vntp.stack.containers import STACK_LABEL, ContainerHealth, ContainerSpec, container_specs

__all__ = ("COMPOSE_FILE", "default_stack", "main", "render_compose", "to_compose")

COMPOSE_FILE = "compose.yaml"
"""The export's file name inside the ``stack/`` folder."""

_HEADER = """\
# GENERATED from the stack description (vntp/stack/) by `python -m vntp.stack.compose > stack/compose.yaml`.
# Do not edit: change the description and regenerate; a test fails when this file is stale.
#
#   docker compose -f stack/compose.yaml -p vntp up -d                  # core: databases, Redis, services, telemetry
#   docker compose -f stack/compose.yaml -p vntp --profile grafana up -d
#   docker compose -f stack/compose.yaml -p vntp down -v                # -v also drops the data
#
# With Compose v1 (Debian's docker-compose package) the command is `docker-compose` instead.
# Ports are published on 127.0.0.1 only. Images are the official ones; `vntp up --runtime docker`
# runs the same containers through the Docker SDK and can point each component at another image
# (VNTP_<COMPONENT>_IMAGE, or VNTP_CONFIG=stack/images/offline.yaml for the offline stand-ins).
"""


def default_stack() -> Stack:
    """The stack with default settings, as the committed file shows it (the environment is not read)."""
    return build_stack(Settings())


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _healthcheck(health: ContainerHealth) -> dict[str, Any]:
    return {
        "test": list(health.test),
        "interval": _duration(health.interval),
        "timeout": _duration(health.timeout),
        "retries": health.retries,
        "start_period": _duration(health.start_period),
    }


def _escape(value: str) -> str:
    """Compose interpolates ``$``; a literal one is written ``$$``."""
    return value.replace("$", "$$")


def _service(spec: ContainerSpec, specs: dict[str, ContainerSpec], profile: str) -> dict[str, Any]:
    service: dict[str, Any] = {"image": spec.image}
    if spec.build is not None:
        # Paths in the file are relative to the stack/ folder; the build context is relative to its parent.
        context = ".." if spec.build.context in (".", "") else f"../{spec.build.context}"
        build: dict[str, Any] = {"context": context, "dockerfile": spec.build.dockerfile}
        if spec.build.target:
            build["target"] = spec.build.target
        if spec.build.args:
            build["args"] = {key: _escape(value) for key, value in spec.build.args.items()}
        service["build"] = build
    if profile != "core":
        service["profiles"] = [profile]
    if spec.user:
        service["user"] = spec.user
    if spec.command:
        service["command"] = [_escape(arg) for arg in spec.command]
    if spec.environment:
        service["environment"] = {key: _escape(value) for key, value in spec.environment.items()}
    if spec.ports:
        service["ports"] = [f"{port.host_ip}:{port.host_port}:{port.container_port}" for port in spec.ports]
    mounts = [f"{volume.key}:{volume.target}" for volume in spec.volumes]
    mounts += [f"./{mount.source}:{mount.target}:ro" for mount in spec.mounts]
    if mounts:
        service["volumes"] = mounts
    if spec.health is not None:
        service["healthcheck"] = _healthcheck(spec.health)
    if spec.depends_on:
        service["depends_on"] = {
            name: {"condition": "service_healthy" if specs[name].health is not None else "service_started"}
            for name in spec.depends_on
        }
    service["labels"] = dict(spec.labels)
    return service


def to_compose(stack: Stack) -> dict[str, Any]:
    """Return the compose document of ``stack``: every component, optional ones under their profile."""
    specs = {spec.component: spec for spec in container_specs(stack)}
    profiles = {component.name: component.profile for component in stack.components}
    services = {name: _service(spec, specs, profiles[name]) for name, spec in specs.items()}
    volumes: dict[str, Any] = {}
    for spec in specs.values():
        for volume in spec.volumes:
            volumes[volume.key] = {"labels": {STACK_LABEL: stack.name}}
            if volume.driver_opts:
                volumes[volume.key]["driver_opts"] = dict(volume.driver_opts)
    return {
        "services": services,
        "networks": {"default": {"labels": {STACK_LABEL: stack.name}}},
        "volumes": volumes,
    }


class _Dumper(yaml.SafeDumper):
    """Block style, except that a list of plain values (a command, a health check) stays on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str | int) for item in data) and len(", ".join(map(str, data))) <= 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def render_compose(stack: Stack | None = None) -> str:
    """Return the text of ``stack/compose.yaml`` for ``stack`` (the default stack when None)."""
    document = to_compose(stack or default_stack())
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)
    return _HEADER + "\n" + body


def main(argv: Sequence[str] | None = None) -> int:
    """Print the compose file (or write it with ``--write``). Returns the exit status."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m vntp.stack.compose", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write stack/{COMPOSE_FILE} instead of printing it")
    args = parser.parse_args(argv)
    stack = default_stack()
    text = render_compose(stack)
    if args.write:
        target = Path(stack.files_dir) / COMPOSE_FILE
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
