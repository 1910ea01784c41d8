"""The interface every runtime offers, and the values it reports."""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from vntp.config import Settings
from vntp.stack import Stack, build_stack

__all__ = (
    "ComponentStartError",
    "ComponentState",
    "ComponentStats",
    "ComponentStatus",
    "Health",
    "LogNotFoundError",
    "PreflightError",
    "Problem",
    "ProgressCallback",
    "ProgressEvent",
    "Runtime",
    "RuntimeUnavailableError",
    "StackRuntimeError",
)

ComponentState = Literal["running", "paused", "stopped", "dead", "unavailable"]
"""``dead``: started by this stack and gone without being stopped; ``paused``: frozen by
:meth:`Runtime.pause_component`; ``unavailable``: this runtime cannot run it."""

Health = Literal["healthy", "unhealthy", "none"]
"""``none``: not running, or no health check to ask."""


class StackRuntimeError(Exception):
    """A runtime could not do what it was asked; the message says what failed and how to fix it."""


class RuntimeUnavailableError(StackRuntimeError):
    """The requested runtime cannot be used on this host."""


@dataclass(frozen=True)
class Problem:
    """One reason ``up`` cannot start, found before anything starts."""

    component: str
    """The component concerned."""
    what: str
    """What is wrong, as a sentence."""
    fix: str
    """How to fix it, as a sentence."""
    kind: Literal["port", "binary", "image", "memory", "file", "permission", "unsupported"] = "binary"
    """The kind of check that failed."""
    port: int | None = None
    """The host port concerned, for ``port`` problems."""

    def __str__(self) -> str:
        return f"{self.what} {self.fix}".strip()

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as plain JSON-ready values."""
        return {"component": self.component, "kind": self.kind, "port": self.port, "what": self.what, "fix": self.fix}


class PreflightError(StackRuntimeError):
    """``up`` found problems before starting anything; ``problems`` lists each one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"Nothing was started, because:\n{lines}")


class ComponentStartError(StackRuntimeError):
    """A component did not start or did not become healthy in time."""

    def __init__(self, component: str, reason: str, log_path: Path | None = None, log_tail: str = "") -> None:
        self.component = component
        self.reason = reason
        self.log_path = log_path
        self.log_tail = log_tail
        where = f" Its log is {log_path}; 'vntp logs {component}' shows it." if log_path else ""
        super().__init__(f"{component} {reason}.{where}")


class LogNotFoundError(StackRuntimeError):
    """A component has no log yet."""


@dataclass(frozen=True)
class ProgressEvent:
    """What a runtime is doing to one component, for the caller to show."""

    component: str
    """The component concerned."""
    phase: Literal["starting", "waiting", "healthy", "running", "failed", "stopping", "stopped", "purged"]
    """``running``: found already running; ``healthy``: started (or found) and answering its health check."""
    message: str = ""
    """Detail worth showing, such as the last health check answer."""
    elapsed: float = 0.0
    """Seconds since the phase began."""


ProgressCallback = Callable[[ProgressEvent], None]
"""Receives progress; runtimes never print, the command line renders these."""


@dataclass(frozen=True)
class ComponentStatus:
    """The state of one component as a runtime sees it now."""

    name: str
    """Component name."""
    state: ComponentState
    """Whether it runs."""
    health: Health = "none"
    """The answer of its health check, when it runs."""
    profile: str = "core"
    """The profile it belongs to."""
    ports: Mapping[str, int] = field(default_factory=dict)
    """Host port by port name."""
    pid: int | None = None
    """Process id, for runtimes that have one."""
    started_at: float | None = None
    """When it started, in seconds since the epoch."""
    detail: str = ""
    """Why it is unhealthy, dead or unavailable."""
    log: str | None = None
    """Where its log is, when it is a file."""

    @property
    def ok(self) -> bool:
        """True when it runs and its health check (if any) passes."""
        return self.state == "running" and self.health != "unhealthy"

    @property
    def uptime(self) -> float | None:
        """Seconds since it started, while it runs."""
        if self.state not in ("running", "paused") or self.started_at is None:
            return None
        return max(0.0, time.time() - self.started_at)

    def to_dict(self) -> dict[str, Any]:
        """Return the status as plain JSON-ready values."""
        uptime = self.uptime
        return {
            "name": self.name,
            "state": self.state,
            "health": self.health,
            "ok": self.ok,
            "profile": self.profile,
            "ports": dict(self.ports),
            "pid": self.pid,
            "started_at": self.started_at,
            "uptime_seconds": None if uptime is None else round(uptime, 1),
            "detail": self.detail,
            "log": self.log,
        }


@dataclass(frozen=True)
class ComponentStats:
    """CPU and memory one running component uses now, with everything it spawned."""

    name: str
    """Component name."""
    cpu_percent: float
    """CPU use over the sampling interval; 100 is one full core."""
    memory_bytes: int
    """Resident memory."""
    processes: int = 1
    """Processes (or container tasks) counted."""

    def to_dict(self) -> dict[str, Any]:
        """Return the numbers as plain JSON-ready values."""
        return {
            "name": self.name,
            "cpu_percent": round(self.cpu_percent, 1),
            "memory_bytes": self.memory_bytes,
            "processes": self.processes,
        }


class Runtime(abc.ABC):
    """Runs the stack somewhere: the same verbs for local processes and containers.

    Chaos, load and monitor go through these methods, never around them.
    """

    name: ClassVar[str]
    """``local`` or ``docker``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def stack(self, profiles: Iterable[str] | None = None) -> Stack:
        """Return the stack with ``profiles`` on; the profiles of the last ``up`` when None."""
        return build_stack(self.settings, self.active_profiles() if profiles is None else profiles)

    def active_profiles(self) -> tuple[str, ...]:
        """The profiles of the last ``up``; the settings' when nothing is recorded."""
        return self.settings.profiles

    @abc.abstractmethod
    def preflight(
        self, profiles: Iterable[str] | None = None, components: Iterable[str] | None = None
    ) -> list[Problem]:
        """Check, without starting anything, that ``up`` with the same arguments can work."""

    @abc.abstractmethod
    def up(
        self,
        profiles: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        components: Iterable[str] | None = None,
    ) -> list[ComponentStatus]:
        """Start the stack in dependency order, waiting on each component's health.

        What already runs is kept, so calling it twice is harmless.

        Args:
            profiles: Profiles to switch on (``core`` always is); the settings' when None.
            progress: Receives a :class:`ProgressEvent` per step.
            components: Only these components and what they depend on; all of the profiles when None.

        Raises:
            PreflightError: before anything starts, listing every problem found.
            ComponentStartError: when a component does not start or become healthy.
            vntp.stack.UnknownComponentError: when ``components`` names an unknown one.
        """

    @abc.abstractmethod
    def down(self, purge: bool = False, progress: ProgressCallback | None = None) -> None:
        """Stop everything this runtime started for the stack; ``purge`` also deletes its data."""

    @abc.abstractmethod
    def status(self) -> list[ComponentStatus]:
        """Return the state of each component of the stack, in start order."""

    @abc.abstractmethod
    def logs(self, component: str, follow: bool = False, lines: int | None = None) -> Iterator[str]:
        """Return the lines of one component's log (the last ``lines`` when given), following it if asked.

        Raises:
            vntp.stack.UnknownComponentError: when the stack has no such component.
            LogNotFoundError: when the component has not written a log yet.
        """

    @abc.abstractmethod
    def start_component(self, component: str, progress: ProgressCallback | None = None) -> ComponentStatus:
        """Start one component (not what it depends on) and wait for its health."""

    @abc.abstractmethod
    def stop_component(self, component: str) -> None:
        """Stop one component cleanly; it then shows as ``stopped``."""

    @abc.abstractmethod
    def kill_component(self, component: str) -> None:
        """Kill one component at once, as a crash would; it then shows as ``dead``."""

    @abc.abstractmethod
    def pause_component(self, component: str) -> None:
        """Freeze one component (``docker pause``, SIGSTOP): it keeps its connections but answers nothing."""

    @abc.abstractmethod
    def unpause_component(self, component: str) -> None:
        """Let a paused component run again."""

    @abc.abstractmethod
    def stats(self, interval: float = 0.5) -> list[ComponentStats]:
        """Sample CPU (over ``interval`` seconds) and memory of each running component."""

    def endpoints(self) -> dict[str, dict[str, str]]:
        """Return ``{component: {port name: URL}}`` for every published port of the active profiles."""
        stack = self.stack()
        host = stack.connect_host
        return {c.name: {p.name: p.url(host) for p in c.ports} for c in stack.select()}

    def links(self) -> dict[str, str]:
        """Return the URL worth opening in a browser for each component of the active profiles that has one."""
        stack = self.stack()
        out: dict[str, str] = {}
        for component in stack.select():
            main = component.main_port
            if component.ui_path is not None and main is not None:
                out[component.name] = f"http://{stack.connect_host}:{main.host_port}{component.ui_path}"
        return out

    def telemetry_export(self) -> Iterator[str]:
        """Lines of the collector's file export (OTLP JSON), oldest first; nothing when there are none.

        Raises:
            RuntimeUnavailableError: this runtime cannot read the collector's files.
        """
        msg = f"The {self.name} runtime cannot read the collector's file export."
        raise RuntimeUnavailableError(msg)
