"""Runtimes run the stack described by :mod:`vntp.stack`: one interface, several ways to run it.

>>> runtime = get_runtime("local")
>>> runtime.up(progress=print)   # doctest: +SKIP
"""

from __future__ import annotations

from vntp.config import RUNTIMES, Settings, get_settings
from vntp.runtimes._base import (
    ComponentStartError,
    ComponentState,
    ComponentStats,
    ComponentStatus,
    Health,
    LogNotFoundError,
    PreflightError,
    Problem,
    ProgressCallback,
    ProgressEvent,
    Runtime,
    RuntimeUnavailableError,
    StackRuntimeError,
)
from vntp.runtimes._docker import DockerRuntime, engine_answers
from vntp.runtimes._local import BUILD_COMMAND, LocalRuntime

__all__ = (
    "BUILD_COMMAND",
    "ComponentStartError",
    "ComponentState",
    "ComponentStats",
    "ComponentStatus",
    "DockerRuntime",
    "Health",
    "LocalRuntime",
    "LogNotFoundError",
    "PreflightError",
    "Problem",
    "ProgressCallback",
    "ProgressEvent",
    "Runtime",
    "RuntimeUnavailableError",
    "StackRuntimeError",
    "engine_answers",
    "get_runtime",
)


def get_runtime(name: str | None = None, settings: Settings | None = None) -> Runtime:
    """Return the runtime called ``name``: ``auto``, ``local`` or ``docker``.

    ``auto`` picks the local runtime when this stack already runs (or ran) there as processes,
    else docker when an engine answers, else local: so ``status`` and ``down`` find the stack that
    ``up --runtime local`` started even on a host with Docker.

    Args:
        name: The runtime; ``settings.runtime`` (``VNTP_RUNTIME``) when None.
        settings: The settings to run with; :func:`vntp.config.get_settings` when None.

    Raises:
        RuntimeUnavailableError: when the runtime cannot be used on this host.
        ValueError: when ``name`` is not a runtime.

    The Docker SDK is imported only when docker is asked for, or when ``auto`` finds an engine.
    """
    settings = settings or get_settings()
    choice = name or settings.runtime
    if choice not in RUNTIMES:
        msg = f"{choice!r} is not a runtime; choose one of {', '.join(RUNTIMES)}."
        raise ValueError(msg)
    if choice == "docker":
        runtime = DockerRuntime(settings)
        runtime.client  # noqa: B018 - connects now, so an absent engine is reported here
        return runtime
    local = LocalRuntime(settings)
    if choice == "auto" and not local.holds_stack() and engine_answers():
        return DockerRuntime(settings)
    return local
