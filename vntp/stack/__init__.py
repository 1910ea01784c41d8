"""The vntp stack described once, as data.

Every runtime (local processes, Docker, the compose export) derives what it runs from
:func:`build_stack`; nothing here starts or stops anything.
"""

from __future__ import annotations

from vntp.stack._build import DEFAULT_IMAGES, build_stack
from vntp.stack._model import (
    Build,
    Component,
    ConfigFile,
    HealthCheck,
    LocalCommand,
    Port,
    Profile,
    Stack,
    StackError,
    UnknownComponentError,
    Volume,
    connect_host,
    order_components,
)

__all__ = (
    "DEFAULT_IMAGES",
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
    "build_stack",
    "connect_host",
    "order_components",
)
