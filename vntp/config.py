"""Settings of the vntp command line and its runtimes, read once from the environment.

Every setting has a default, an environment variable and a key in an optional YAML file
(``$VNTP_CONFIG``, else ``vntp.yaml`` in the working directory). The environment wins over
the file, the file over the defaults::

    # vntp.yaml
    stack: vntp
    state_dir: /var/lib/vntp
    profiles: [core, grafana]
    ports:
      oracle: 3102                  # the component's main port (VNTP_ORACLE_PORT)
      otel-collector:
        otlp-grpc: 14317            # one named port (VNTP_OTEL_COLLECTOR_OTLP_GRPC_PORT)
    images:
      postgres-oracle: registry.example/postgres:16-alpine   # (VNTP_POSTGRES_ORACLE_IMAGE)

Environment variables of the form ``VNTP_<COMPONENT>_PORT``, ``VNTP_<COMPONENT>_<PORT>_PORT``
and ``VNTP_<COMPONENT>_IMAGE`` are override namespaces: any variable matching them is read
as an override and checked against the stack's components when the stack is built.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = (
    "PROFILES",
    "RUNTIMES",
    "ConfigError",
    "Settings",
    "get_settings",
    "image_env_var",
    "override_key",
    "port_env_var",
)

PROFILES = ("core", "grafana", "signoz")
"""Every profile a component can belong to; ``core`` is always on."""

RUNTIMES = ("auto", "local", "docker")
"""The runtimes ``--runtime`` accepts; ``auto`` picks docker when an engine answers, else local."""

_STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_PORT_VAR = re.compile(r"^VNTP_(?P<key>[A-Z0-9_]+)_PORT$")
_IMAGE_VAR = re.compile(r"^VNTP_(?P<key>[A-Z0-9_]+)_IMAGE$")
_DEFAULT_FILE = "vntp.yaml"


class ConfigError(ValueError):
    """A setting holds a value vntp cannot use; the message names the value and the fix."""


def override_key(component: str, port: str | None = None) -> str:
    """Return the normalised key of a port or image override.

    ``override_key("otel-collector", "otlp-grpc")`` is ``"OTEL_COLLECTOR_OTLP_GRPC"``, the part
    between ``VNTP_`` and ``_PORT`` of the environment variable that sets it.
    """
    parts = [component] if port is None else [component, port]
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_").upper() for part in parts)


def image_env_var(component: str) -> str:
    """Return the environment variable that points a component at another image."""
    return f"VNTP_{override_key(component)}_IMAGE"


def port_env_var(component: str, port: str | None = None) -> str:
    """Return the environment variable that moves a component's port (its main one when ``port`` is None)."""
    return f"VNTP_{override_key(component, port)}_PORT"


def _default_state_dir(environ: Mapping[str, str]) -> Path:
    # NOTE: as root, Postgres runs as an unprivileged user that must be able to traverse the state
    # directory; /root is mode 0700, so root's state lives under /var/lib instead.
    if os.geteuid() == 0:
        return Path("/var/lib/vntp")
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vntp"


def _default_files_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "stack"


def _as_port(value: object, where: str) -> int:
    if isinstance(value, bool):
        value = str(value)
    try:
        port = int(str(value).strip())
    except ValueError as exc:
        msg = f"{where}={value!r} is not a TCP port number; set it to a whole number between 1 and 65535."
        raise ConfigError(msg) from exc
    if not 0 < port < 65536:
        msg = f"{where}={value!r} is outside the TCP port range; choose a port between 1 and 65535."
        raise ConfigError(msg)
    return port


def _as_profiles(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(item).strip() for item in value]
    else:
        msg = f"{where}={value!r} is not a list of profiles; use a comma-separated list such as 'core,grafana'."
        raise ConfigError(msg)
    profiles = ["core"]
    for item in items:
        if not item:
            continue
        if item not in PROFILES:
            msg = f"{where} names the profile {item!r}, which does not exist; choose from {', '.join(PROFILES)}."
            raise ConfigError(msg)
        if item not in profiles:
            profiles.append(item)
    return tuple(profiles)


@dataclass(frozen=True)
class Settings:
    """Where vntp keeps its state, which stack it manages and how that stack's components are placed."""

    state_dir: Path = field(default_factory=lambda: _default_state_dir(os.environ))
    """``VNTP_STATE_DIR``: where runtimes keep data, logs and pid files; one sub-folder per stack.

    Defaults to ``~/.local/state/vntp``, or ``/var/lib/vntp`` for root because the unprivileged
    user Postgres runs as must be able to traverse it.
    """
    stack: str = "vntp"
    """``VNTP_STACK``: the stack's name; it labels containers and names the state sub-folder."""
    profiles: tuple[str, ...] = ("core",)
    """``VNTP_PROFILES``: the profiles ``up`` starts when none are given; ``core`` is always on."""
    runtime: str = "auto"
    """``VNTP_RUNTIME``: ``auto``, ``local`` or ``docker``."""
    bind_host: str = "127.0.0.1"
    """``VNTP_BIND_HOST``: the host address published ports listen on."""
    ports: Mapping[str, int] = field(default_factory=dict)
    """``VNTP_<COMPONENT>[_<PORT>]_PORT`` and ``ports:``: host port overrides by :func:`override_key`."""
    images: Mapping[str, str] = field(default_factory=dict)
    """``VNTP_<COMPONENT>_IMAGE`` and ``images:``: image overrides by :func:`override_key`."""
    files_dir: Path = field(default_factory=_default_files_dir)
    """``VNTP_STACK_DIR``: the ``stack/`` folder holding the collector, Prometheus and Jaeger configs."""
    config_file: Path | None = None
    """The YAML file the settings were read from, if any."""
    strict_overrides: frozenset[str] = frozenset()
    """Override keys that came from the config file; an unknown one is an error, not a warning."""

    def __post_init__(self) -> None:
        if not _STACK_NAME.match(self.stack):
            msg = (
                f"VNTP_STACK={self.stack!r} is not a usable stack name; use lowercase letters, digits, '-' "
                "and '_', starting with a letter or digit (for example 'vntp')."
            )
            raise ConfigError(msg)
        if self.runtime not in RUNTIMES:
            msg = f"VNTP_RUNTIME={self.runtime!r} is not a runtime; choose one of {', '.join(RUNTIMES)}."
            raise ConfigError(msg)
        object.__setattr__(self, "profiles", _as_profiles(list(self.profiles), "VNTP_PROFILES"))
        ports = {override_key(key): _as_port(value, f"port override {key!r}") for key, value in self.ports.items()}
        object.__setattr__(self, "ports", ports)
        images: dict[str, str] = {}
        for key, value in self.images.items():
            if not isinstance(value, str) or not value.strip() or any(ch.isspace() for ch in value.strip()):
                msg = f"The image override for {key!r} is {value!r}; give an image reference such as 'redis:7-alpine'."
                raise ConfigError(msg)
            images[override_key(key)] = value.strip()
        object.__setattr__(self, "images", images)
        object.__setattr__(self, "state_dir", Path(self.state_dir).expanduser())
        try:
            ipaddress.ip_address(self.bind_host)
        except ValueError as exc:
            msg = (
                f"VNTP_BIND_HOST={self.bind_host!r} is not an IP address; ports are published on an address "
                "such as 127.0.0.1 (the default) or 0.0.0.0 (every interface)."
            )
            raise ConfigError(msg) from exc
        object.__setattr__(self, "files_dir", Path(self.files_dir).expanduser())

    @property
    def stack_state_dir(self) -> Path:
        """The state folder of this stack: ``<state_dir>/<stack>``."""
        return self.state_dir / self.stack

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
        """Read the settings from the environment and the optional YAML file.

        Args:
            environ: The environment to read; ``os.environ`` when None.
            cwd: Where to look for ``vntp.yaml``; the working directory when None.

        Raises:
            ConfigError: when a value is unusable; the message names it and says how to fix it.
        """
        env = os.environ if environ is None else environ
        config_file, data = _read_file(env, cwd or Path.cwd())

        ports = _file_overrides(data.get("ports"), "ports", config_file, nested=True)
        images = _file_overrides(data.get("images"), "images", config_file, nested=False)
        strict = frozenset(override_key(key) for key in (*ports, *images))
        for name, value in env.items():
            if (match := _PORT_VAR.match(name)) is not None:
                ports[match["key"]] = _as_port(value, name)
            elif (match := _IMAGE_VAR.match(name)) is not None and value.strip():
                images[match["key"]] = value

        kwargs: dict[str, Any] = {"ports": ports, "images": images, "config_file": config_file}
        for attr, var in (
            ("state_dir", "VNTP_STATE_DIR"),
            ("stack", "VNTP_STACK"),
            ("runtime", "VNTP_RUNTIME"),
            ("bind_host", "VNTP_BIND_HOST"),
            ("files_dir", "VNTP_STACK_DIR"),
        ):
            raw = env.get(var) or data.get(attr)
            if raw not in (None, ""):
                kwargs[attr] = Path(str(raw)) if attr.endswith("_dir") else str(raw)
        if "state_dir" not in kwargs:
            kwargs["state_dir"] = _default_state_dir(env)
        raw_profiles = env.get("VNTP_PROFILES") or data.get("profiles")
        if raw_profiles:
            kwargs["profiles"] = _as_profiles(raw_profiles, "VNTP_PROFILES")
        return cls(strict_overrides=strict, **kwargs)

    def with_profiles(self, profiles: Iterable[str]) -> Settings:
        """Return a copy whose active profiles are ``profiles`` (plus ``core``)."""
        return replace(self, profiles=_as_profiles(list(profiles), "--profile"))


def _read_file(environ: Mapping[str, str], cwd: Path) -> tuple[Path | None, dict[str, Any]]:
    explicit = environ.get("VNTP_CONFIG")
    path = Path(explicit).expanduser() if explicit else cwd / _DEFAULT_FILE
    if not path.is_file():
        if explicit:
            msg = f"VNTP_CONFIG={explicit!r} names no readable file; point it at a YAML file or unset it."
            raise ConfigError(msg)
        return None, {}

    import yaml  # only when a config file exists

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        msg = f"The config file {str(path)!r} could not be read ({exc}); fix its YAML or move it aside."
        raise ConfigError(msg) from exc
    if data is None:
        return path, {}
    if not isinstance(data, dict):
        msg = f"The config file {str(path)!r} must hold a mapping with keys such as 'ports' and 'images'."
        raise ConfigError(msg)
    return path, data


def _file_overrides(value: object, section: str, path: Path | None, *, nested: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        msg = f"'{section}:' in {str(path)!r} must map component names to values, not {value!r}."
        raise ConfigError(msg)
    out: dict[str, Any] = {}
    for component, item in value.items():
        if nested and isinstance(item, dict):
            for port, number in item.items():
                out[override_key(str(component), str(port))] = _as_port(number, f"{section}.{component}.{port}")
        elif nested:
            out[override_key(str(component))] = _as_port(item, f"{section}.{component}")
        else:
            out[override_key(str(component))] = item
    return out


@functools.cache
def get_settings() -> Settings:
    """Return the settings of this process, read on first use.

    Raises:
        ConfigError: when a value is unusable.
    """
    return Settings.from_env()
