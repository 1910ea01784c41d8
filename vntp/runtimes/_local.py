"""The local runtime: the stack as processes on this host, for machines without a Docker engine.

Layout of the state folder (``<state_dir>/<stack>``)::

    stack.json               profiles and components of the last ``up``
    run/<component>.json     pid, start time and command line of what ``up`` started
    logs/<component>.log     stdout and stderr of each component
    data/<component>/        Postgres clusters, Redis, Prometheus TSDB, the collector's file export
    config/<component>/      config files rendered with this host's addresses

Processes are started detached (their own session, output to the log file), so they outlive the
command that started them. ``down`` stops only processes whose recorded pid still belongs to the
recorded process (same start time and command line), so a reused pid is never signalled.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from vntp import toolchain
from vntp.config import Settings
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
    StackRuntimeError,
)
from vntp.runtimes._probes import memory_problems, missing_file_problems, port_problems, probe
from vntp.runtimes._servers import (
    LocalServerError,
    PostgresCluster,
    RedisServer,
    find_postgres_bindir,
    find_redis_server,
)
from vntp.stack import Component, Stack

__all__ = ("LocalRuntime",)

logger = logging.getLogger(__name__)

BUILD_COMMAND = toolchain.BUILD_COMMAND
"""The command that builds the collector, Prometheus and Jaeger binaries."""

_STOP_TIMEOUT = 10.0
_LOG_TAIL_LINES = 20

# Popen objects of processes this Python process started, so they can be reaped when they end.
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class _Record:
    """What ``up`` wrote down about a process it started."""

    component: str
    pid: int
    create_time: float
    argv: tuple[str, ...]
    started_at: float

    def to_json(self) -> str:
        return json.dumps(
            {
                "component": self.component,
                "pid": self.pid,
                "create_time": self.create_time,
                "argv": list(self.argv),
                "started_at": self.started_at,
            },
            indent=2,
        )

    @classmethod
    def read(cls, path: Path) -> _Record | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                component=str(data["component"]),
                pid=int(data["pid"]),
                create_time=float(data["create_time"]),
                argv=tuple(str(arg) for arg in data["argv"]),
                started_at=float(data["started_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def process(self) -> psutil.Process | None:
        """Return the recorded process if it still runs and is still the one recorded."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > 1.0 or proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline = proc.cmdline()
            if cmdline != list(self.argv):
                # Postgres and Redis retitle themselves; their program name must still show.
                program = Path(self.argv[0]).name if self.argv else ""
                if program not in proc.name() and program not in " ".join(cmdline):
                    return None
        except psutil.Error:
            return None
        return proc


def _reap(pid: int) -> int | None:
    """Collect the exit status of a child of this process, if it has ended; None otherwise."""
    child = _children.get(pid)
    if child is None:
        return None
    code = child.poll()
    if code is not None:
        _children.pop(pid, None)
    return code


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return "".join(collections.deque(handle, maxlen=lines))
    except OSError:
        return ""


def _resolve_program(program: str) -> Path | None:
    """Find the executable of a :class:`~vntp.stack.LocalCommand` program, or None."""
    if program == "python":
        return Path(sys.executable)
    if program in toolchain.TOOLS:
        return toolchain.find(program)
    found = shutil.which(program)
    return Path(found) if found else None


class LocalRuntime(Runtime):
    """Runs the stack as processes on this host, with all state under ``<state_dir>/<stack>``."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.root = settings.stack_state_dir

    # -- paths and records ---------------------------------------------------------------------

    def _record_path(self, name: str) -> Path:
        return self.root / "run" / f"{name}.json"

    def log_path(self, name: str) -> Path:
        """Where the log of component ``name`` is written."""
        return self.root / "logs" / f"{name}.log"

    def holds_stack(self) -> bool:
        """Whether this stack was started here as processes and not yet taken down."""
        return (self.root / "stack.json").exists() or any((self.root / "run").glob("*.json"))

    def telemetry_export(self) -> Iterator[str]:
        """Lines of the collector's file export, rotated backups first."""
        folder = self.data_dir("otel-collector")
        files = [*sorted(folder.glob("telemetry-*.jsonl")), folder / "telemetry.jsonl"]
        for path in files:
            try:
                with path.open(encoding="utf-8", errors="replace") as handle:
                    yield from handle
            except FileNotFoundError:
                continue

    def data_dir(self, name: str) -> Path:
        """Where component ``name`` keeps its data (the collector: ``telemetry.jsonl``)."""
        return self.root / "data" / name

    def _config_dir(self, name: str) -> Path:
        return self.root / "config" / name

    def _record(self, name: str) -> _Record | None:
        return _Record.read(self._record_path(name))

    def _running(self, name: str) -> psutil.Process | None:
        record = self._record(name)
        return record.process() if record else None

    def _write_record(self, name: str, pid: int, argv: Iterable[str]) -> None:
        try:
            create_time = psutil.Process(pid).create_time()
        except psutil.Error:
            create_time = time.time()
        record = _Record(name, pid, create_time, tuple(argv), time.time())
        path = self._record_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.to_json(), encoding="utf-8")

    def _read_state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.root / "stack.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_state(self, profiles: Iterable[str], components: Iterable[str]) -> None:
        state = {"runtime": self.name, "profiles": list(profiles), "components": list(components)}
        (self.root / "stack.json").write_text(json.dumps(state, indent=2), encoding="utf-8")

    def active_profiles(self) -> tuple[str, ...]:
        profiles = self._read_state().get("profiles")
        if isinstance(profiles, list) and all(isinstance(p, str) for p in profiles):
            return tuple(profiles)
        return self.settings.profiles

    def _prepare_root(self) -> None:
        # NOTE: 0755 all the way down, because as root Postgres runs as another user that must
        # traverse this folder to reach its data directory.
        created = not self.settings.state_dir.exists()
        for path in (self.root, self.root / "run", self.root / "logs", self.root / "data", self.root / "config"):
            path.mkdir(mode=0o755, parents=True, exist_ok=True)
        if created:
            self.settings.state_dir.chmod(0o755)
        self.root.chmod(0o755)
        for sub in ("logs", "data"):
            (self.root / sub).chmod(0o755)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the stack's lock, so two ``up``/``down`` calls never interleave."""
        self._prepare_root()
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- servers -------------------------------------------------------------------------------

    def _cluster(self, component: Component) -> PostgresCluster:
        port = component.port("postgres").host_port
        database = component.environment.get("POSTGRES_DB", "vntp")
        user = component.environment.get("POSTGRES_USER", "vntp")
        return PostgresCluster(
            data_dir=self.data_dir(component.name),
            port=port,
            databases=(database,),
            user=user,
            log_file=self.log_path(component.name),
        )

    def _redis(self, component: Component) -> RedisServer:
        return RedisServer(
            data_dir=self.data_dir(component.name),
            port=component.port("redis").host_port,
            log_file=self.log_path(component.name),
        )

    # -- preflight -----------------------------------------------------------------------------

    def preflight(
        self, profiles: Iterable[str] | None = None, components: Iterable[str] | None = None
    ) -> list[Problem]:
        stack = self.stack(profiles)
        selected = stack.select(names=components)
        to_start = [c for c in selected if self._running(c.name) is None]
        problems: list[Problem] = []
        problems += self._check_support(stack, to_start)
        problems += self._check_ports(stack, to_start)
        problems += self._check_binaries(to_start)
        problems += self._check_files(stack, to_start)
        problems += self._check_memory(to_start)
        return problems

    def _check_support(self, stack: Stack, components: list[Component]) -> list[Problem]:
        problems = []
        for component in components:
            if component.local is None:
                problems.append(
                    Problem(
                        component.name,
                        f"{component.name} ({component.profile} profile) cannot run as a local process.",
                        f"Use '--runtime docker' for the {component.profile} profile, or leave out "
                        f"'--profile {component.profile}'.",
                        kind="unsupported",
                    )
                )
        return problems

    def _check_ports(self, stack: Stack, components: list[Component]) -> list[Problem]:
        return port_problems([c for c in components if c.local is not None], stack.bind_host)

    def _check_binaries(self, components: list[Component]) -> list[Problem]:
        problems = []
        for component in components:
            local = component.local
            if local is None:
                continue
            if local.kind == "postgres":
                try:
                    find_postgres_bindir()
                except LocalServerError as exc:
                    problems.append(Problem(component.name, f"{component.name}: {exc}", "", kind="binary"))
                    continue
                try:
                    self._cluster(component).check_reachable()
                except LocalServerError as exc:
                    problems.append(Problem(component.name, f"{component.name}: {exc}", "", kind="permission"))
            elif local.kind == "redis":
                try:
                    find_redis_server()
                except LocalServerError:
                    problems.append(
                        Problem(
                            component.name,
                            "redis-server was not found on PATH.",
                            "Install it with 'apt-get install redis-server'.",
                        )
                    )
            elif _resolve_program(local.program) is None:
                fix = (
                    f"Build it with '{BUILD_COMMAND}'."
                    if local.program in toolchain.TOOLS
                    else "Install it or put its directory on PATH."
                )
                problems.append(
                    Problem(
                        component.name,
                        f"{component.name} needs the {local.program!r} binary, which was not found.",
                        fix,
                    )
                )
        return problems

    def _check_files(self, stack: Stack, components: list[Component]) -> list[Problem]:
        return missing_file_problems(stack, [c for c in components if c.local is not None], "reads")

    def _check_memory(self, components: list[Component]) -> list[Problem]:
        return memory_problems(c for c in components if c.local is not None)

    # -- up ------------------------------------------------------------------------------------

    def up(
        self,
        profiles: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        components: Iterable[str] | None = None,
    ) -> list[ComponentStatus]:
        stack = self.stack(profiles)
        names = None if components is None else list(components)
        selected = stack.select(names=names)
        problems = self.preflight(stack.profiles, names)
        if problems:
            raise PreflightError(problems)

        with self._lock():
            previous = self._read_state().get("components")
            recorded = (
                [n for n in previous if isinstance(n, str) and n in stack.names] if isinstance(previous, list) else []
            )
            wanted = {*recorded, *(c.name for c in selected)}
            self._write_state(stack.profiles, [n for n in stack.names if n in wanted])
            for component in selected:
                self._ensure(stack, component, progress)
        return [self._status(stack, component) for component in selected]

    def _ensure(self, stack: Stack, component: Component, progress: ProgressCallback | None) -> None:
        notify = progress or (lambda event: None)
        proc = self._running(component.name)
        if proc is not None:
            paused = _paused(proc)
            if paused:
                _resume(proc)
            notify(ProgressEvent(component.name, "running", "resumed from pause" if paused else "already running"))
            self._wait_healthy(stack, component, notify)
            return
        notify(ProgressEvent(component.name, "starting"))
        self._start(stack, component)
        self._wait_healthy(stack, component, notify)

    def _start(self, stack: Stack, component: Component) -> None:
        local = component.local
        if local is None:
            msg = "cannot run as a local process; use '--runtime docker'"
            raise ComponentStartError(component.name, msg)
        log = self.log_path(component.name)
        data = self.data_dir(component.name)
        began = time.monotonic()

        if local.kind == "postgres":
            cluster = self._cluster(component)
            timeout = component.health.start_timeout if component.health else 60.0
            try:
                cluster.start(timeout=timeout)
            except (LocalServerError, subprocess.SubprocessError) as exc:
                raise ComponentStartError(component.name, f"did not start: {exc}", log, _tail(log)) from exc
            pid = cluster.pid()
            if pid is None:
                raise ComponentStartError(component.name, "exited right after starting", log, _tail(log))
            self._write_record(component.name, pid, [str(cluster.bindir / "postgres")])
            return

        if local.kind == "redis":
            server = self._redis(component)
            try:
                server.start()
            except (LocalServerError, subprocess.SubprocessError) as exc:
                raise ComponentStartError(component.name, f"did not start: {exc}", log, _tail(log)) from exc
            pid = server.pid()
            if pid is None:
                raise ComponentStartError(component.name, "exited right after starting", log, _tail(log))
            self._write_record(component.name, pid, [find_redis_server()])
            return

        program = _resolve_program(local.program)
        if program is None:
            fix = f"build it with '{BUILD_COMMAND}'" if local.program in toolchain.TOOLS else "install it"
            raise ComponentStartError(component.name, f"needs {local.program!r}, which was not found; {fix}")
        self._render_configs(stack, component)
        data.mkdir(mode=0o755, parents=True, exist_ok=True)
        argv = [str(program), *(self._fill(arg, component) for arg in local.args)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "VNTP_"))}
        env.update({key: self._fill(value, component) for key, value in local.environment.items()})
        env.setdefault("PYTHONUNBUFFERED", "1")
        with log.open("ab") as handle:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            handle.write(f"--- vntp: {stamp} starting {' '.join(argv)}\n".encode())
            handle.flush()
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=data,
                env=env,
                start_new_session=True,
            )
        _children[proc.pid] = proc
        self._write_record(component.name, proc.pid, argv)
        logger.debug("started %s as pid %d in %.2f s", component.name, proc.pid, time.monotonic() - began)

    def _fill(self, text: str, component: Component) -> str:
        values = {
            "{data}": str(self.data_dir(component.name)),
            "{config}": str(self._config_dir(component.name)),
            "{files}": str(self.settings.files_dir),
            "{state}": str(self.root),
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    def _render_configs(self, stack: Stack, component: Component) -> None:
        """Copy the component's config files, with container addresses replaced by this host's."""
        if not component.config_files:
            return
        host = stack.connect_host
        replacements: dict[str, str] = {}
        for other in stack.components:
            for port in other.ports:
                replacements[f"{other.name}:{port.container_port}"] = f"{host}:{port.host_port}"
        for port in component.ports:
            replacements[f"localhost:{port.container_port}"] = f"{host}:{port.host_port}"
        pattern = re.compile(
            r"(?<![\w.-])("
            + "|".join(re.escape(key) for key in sorted(replacements, key=len, reverse=True))
            + r")(?!\d)"
        )
        target_dir = self._config_dir(component.name)
        target_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        for config in component.config_files:
            source = stack.files_dir / config.source
            text = source.read_text(encoding="utf-8")
            rendered = pattern.sub(lambda match: replacements[match.group(1)], text)
            (target_dir / Path(config.source).name).write_text(rendered, encoding="utf-8")

    def _wait_healthy(self, stack: Stack, component: Component, notify: ProgressCallback) -> None:
        check = component.health
        timeout = check.start_timeout if check else 10.0
        interval = check.interval if check else 0.2
        began = time.monotonic()
        log = self.log_path(component.name)
        while True:
            elapsed = time.monotonic() - began
            record = self._record(component.name)
            if record is None or record.process() is None:
                code = _reap(record.pid) if record else None
                how = f"exited with status {code}" if code is not None else "exited"
                notify(ProgressEvent(component.name, "failed", how, elapsed))
                raise ComponentStartError(component.name, f"{how} while starting", log, _tail(log))
            healthy, answer = probe(component, stack.connect_host)
            if healthy:
                notify(ProgressEvent(component.name, "healthy", answer, elapsed))
                return
            if elapsed > timeout:
                notify(ProgressEvent(component.name, "failed", answer, elapsed))
                reason = f"did not become healthy within {timeout:.0f} s (last check: {answer})"
                raise ComponentStartError(component.name, reason, log, _tail(log))
            notify(ProgressEvent(component.name, "waiting", answer, elapsed))
            time.sleep(interval)

    # -- down, stop, kill ----------------------------------------------------------------------

    def down(self, purge: bool = False, progress: ProgressCallback | None = None) -> None:
        notify = progress or (lambda event: None)
        if not self.root.exists():
            return
        stack = self.stack()
        with self._lock():
            for component in reversed(stack.components):
                if self._record_path(component.name).exists():
                    notify(ProgressEvent(component.name, "stopping"))
                    began = time.monotonic()
                    self._stop(component)
                    notify(ProgressEvent(component.name, "stopped", elapsed=time.monotonic() - began))
            if purge:
                shutil.rmtree(self.root / "data", ignore_errors=True)
        if purge:
            shutil.rmtree(self.root, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.settings.state_dir.rmdir()  # only when no other stack lives there
            notify(ProgressEvent("*", "purged", str(self.root)))
        else:
            with contextlib.suppress(OSError):
                (self.root / "stack.json").unlink()

    def _stop(self, component: Component, kill: bool = False) -> None:
        """Stop (or kill) a recorded process if it is still ours; forget a dead one."""
        record = self._record(component.name)
        if record is None:
            return
        proc = record.process()
        local = component.local
        if proc is not None and local is not None:
            _resume(proc)  # a frozen process would not act on its stop signal
            if local.kind == "postgres":
                cluster = self._cluster(component)
                cluster.kill() if kill else cluster.stop()
            elif local.kind == "redis":
                if kill:
                    _signal(proc.pid, signal.SIGKILL, group=False)
                else:
                    self._redis(component).stop()
            else:
                _terminate(proc, kill)
            if kill:  # as `docker kill`: return once it is gone, so status reports it dead
                deadline = time.monotonic() + _STOP_TIMEOUT
                while _reap(record.pid) is None and _alive(proc) and time.monotonic() < deadline:
                    time.sleep(0.02)
        _reap(record.pid)
        if not kill:
            self._record_path(component.name).unlink(missing_ok=True)

    def stop_component(self, component: str) -> None:
        target = self.stack().get(component)
        with self._lock():
            self._stop(target)

    def kill_component(self, component: str) -> None:
        target = self.stack().get(component)
        with self._lock():
            self._stop(target, kill=True)

    def pause_component(self, component: str) -> None:
        target = self.stack().get(component)
        proc = self._running(target.name)
        if proc is None:
            msg = f"{component} is not running, so it cannot be paused; start it with 'vntp up'."
            raise StackRuntimeError(msg)
        for member in _family(proc):
            with contextlib.suppress(psutil.Error):
                member.suspend()

    def unpause_component(self, component: str) -> None:
        target = self.stack().get(component)
        proc = self._running(target.name)
        if proc is not None:
            _resume(proc)

    def stats(self, interval: float = 0.5) -> list[ComponentStats]:
        families: dict[str, list[psutil.Process]] = {}
        for component in self.stack().components:
            proc = self._running(component.name)
            if proc is not None:
                families[component.name] = _family(proc)
        for members in families.values():
            for member in members:
                with contextlib.suppress(psutil.Error):
                    member.cpu_percent(None)  # the first call starts the sampling window
        if families:
            time.sleep(interval)
        out = []
        for name, members in families.items():
            cpu, memory, counted = 0.0, 0, 0
            for member in members:
                try:
                    cpu += member.cpu_percent(None)
                    memory += member.memory_info().rss
                    counted += 1
                except psutil.Error:
                    continue
            out.append(ComponentStats(name, cpu, memory, counted))
        return out

    def start_component(self, component: str, progress: ProgressCallback | None = None) -> ComponentStatus:
        stack = self.stack()
        target = stack.get(component)
        problems = [
            problem
            for check in (self._check_support, self._check_ports)
            for problem in check(stack, [target] if self._running(target.name) is None else [])
        ]
        if problems:
            raise PreflightError(problems)
        with self._lock():
            self._ensure(stack, target, progress)
        return self._status(stack, target)

    # -- status and logs -----------------------------------------------------------------------

    def status(self) -> list[ComponentStatus]:
        stack = self.stack()
        listed = self._read_state().get("components")
        if isinstance(listed, list) and listed:
            wanted = {n for n in listed if isinstance(n, str)}
            components = [c for c in stack.components if c.name in wanted or self._record_path(c.name).exists()]
        else:
            components = list(stack.select())
        return [self._status(stack, component) for component in components]

    def _status(self, stack: Stack, component: Component) -> ComponentStatus:
        ports = {port.name: port.host_port for port in component.ports}
        log = self.log_path(component.name)
        common: dict[str, Any] = {
            "name": component.name,
            "profile": component.profile,
            "ports": ports,
            "log": str(log) if log.exists() else None,
        }
        if component.local is None:
            return ComponentStatus(state="unavailable", detail="needs the docker runtime", **common)
        record = self._record(component.name)
        if record is None:
            return ComponentStatus(state="stopped", **common)
        proc = record.process()
        if proc is None:
            code = _reap(record.pid)
            how = f"exited with status {code}" if code is not None else "exited"
            detail = f"{how} unexpectedly; 'vntp logs {component.name}' shows why"
            return ComponentStatus(state="dead", pid=record.pid, started_at=record.started_at, detail=detail, **common)
        if _paused(proc):
            return ComponentStatus(
                state="paused", pid=record.pid, started_at=record.started_at, detail="paused by vntp", **common
            )
        healthy, answer = probe(component, stack.connect_host, timeout=1.0)
        return ComponentStatus(
            state="running",
            health="healthy" if healthy else "unhealthy",
            pid=record.pid,
            started_at=record.started_at,
            detail="" if healthy else answer,
            **common,
        )

    def logs(self, component: str, follow: bool = False, lines: int | None = None) -> Iterator[str]:
        self.stack().get(component)
        path = self.log_path(component)
        if not path.exists():
            msg = f"{component} has no log yet: it has not been started in {self.root}. Start it with 'vntp up'."
            raise LogNotFoundError(msg)
        return _read_log(path, follow, lines)


def _read_log(path: Path, follow: bool, lines: int | None) -> Iterator[str]:
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        if lines is None:
            yield from handle
        else:
            yield from collections.deque(handle, maxlen=max(lines, 0))
        while follow:
            line = handle.readline()
            if line:
                yield line
                continue
            try:
                truncated = path.stat().st_size < handle.tell()
            except OSError:
                truncated = False
            if truncated:
                handle.seek(0)
            time.sleep(0.25)


def _signal(pid: int, sig: signal.Signals, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _family(proc: psutil.Process) -> list[psutil.Process]:
    """The process and everything it spawned (a postmaster's backends, a server's workers)."""
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return [proc]


def _paused(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False


def _resume(proc: psutil.Process) -> None:
    for member in _family(proc):
        with contextlib.suppress(psutil.Error):
            member.resume()


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _terminate(proc: psutil.Process, kill: bool) -> None:
    """Stop a process started in its own session (and its group): TERM, then KILL after a grace period."""
    if kill:
        _signal(proc.pid, signal.SIGKILL, group=True)
        return
    _signal(proc.pid, signal.SIGTERM, group=True)
    deadline = time.monotonic() + _STOP_TIMEOUT
    while time.monotonic() < deadline:
        if _reap(proc.pid) is not None or not _alive(proc):
            return
        time.sleep(0.05)
    logger.warning("pid %d did not stop within %.0f s of SIGTERM; sending SIGKILL", proc.pid, _STOP_TIMEOUT)
    _signal(proc.pid, signal.SIGKILL, group=True)
