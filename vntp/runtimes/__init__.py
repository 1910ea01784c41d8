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
from vntp.runtimes._local import BUILD_COMMAND, LocalRuntime

__all__ = (
    "BUILD_COMMAND",
    "ComponentStartError",
    "ComponentState",
    "ComponentStats",
    "ComponentStatus",
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
    "get_runtime",
)


def get_runtime(name: str | None = None, settings: Settings | None = None) -> Runtime:
    """Return the runtime called ``name``: ``auto``, ``local`` or ``docker``.

    ``auto`` picks docker when an engine answers, else local.

    Args:
        name: The runtime; ``settings.runtime`` (``VNTP_RUNTIME``) when None.
        settings: The settings to run with; :func:`vntp.config.get_settings` when None.

    Raises:
        RuntimeUnavailableError: when the runtime cannot be used on this host.
        ValueError: when ``name`` is not a runtime.

    Note:
        TODO(issue 6): the docker runtime. Until it exists, ``auto`` means ``local``.
    """
    settings = settings or get_settings()
    choice = name or settings.runtime
    if choice not in RUNTIMES:
        msg = f"{choice!r} is not a runtime; choose one of {', '.join(RUNTIMES)}."
        raise ValueError(msg)
    if choice == "docker":
        msg = (
            "The docker runtime is not available yet in this version of vntp. "
            "Use '--runtime local' to run the stack as processes on this host."
        )
        raise RuntimeUnavailableError(msg)
    return LocalRuntime(settings)
