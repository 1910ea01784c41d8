"""Host-side checks: is a port taken and by whom, does a component answer its health check."""

from __future__ import annotations

import contextlib
import itertools
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable

import psutil

from vntp.runtimes._base import Problem
from vntp.runtimes._servers import LocalServerError, find_postgres_bindir, port_is_free
from vntp.stack import Component, Stack

__all__ = ("memory_problems", "missing_file_problems", "port_holders", "port_problems", "probe")

# Local URLs must never go through a proxy configured for the outside world.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _tcp(host: str, port: int, timeout: float) -> tuple[bool, str]:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, f"port {port} accepts connections"
    except OSError as exc:
        return False, f"port {port} refuses connections ({exc.strerror or exc})"


def _http(host: str, port: int, path: str, timeout: float) -> tuple[bool, str]:
    url = f"http://{host}:{port}{path}"
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return True, f"GET {path} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"GET {path} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"GET {path} failed ({reason})"


def probe(component: Component, host: str, timeout: float | None = None) -> tuple[bool, str]:
    """Ask a component's health check once, from this host.

    A ``command`` check runs inside a container; from the host it falls back to ``tcp`` on the
    same port. A component without a health check counts as healthy.

    Returns:
        Whether it passed, and a short description of the answer.
    """
    check = component.health
    if check is None:
        return True, "no health check"
    port = component.port(check.port).host_port
    wait = check.timeout if timeout is None else timeout
    if check.kind == "http":
        return _http(host, port, check.path, wait)
    if check.kind == "command" and check.command:
        answered = _command_from_host(check.command, host, port, wait)
        if answered is not None:
            return answered
    return _tcp(host, port, wait)


def _command_from_host(command: tuple[str, ...], host: str, port: int, wait: float) -> tuple[bool, str] | None:
    """Run a container's own check (``pg_isready``, ``redis-cli ping``) from this host, when the tool is here.

    An open port is not enough: a Postgres that is shutting down still accepts TCP but refuses logins.
    """
    program, options = command[0], list(command[1:])
    if program == "pg_isready":
        try:
            binary = str(find_postgres_bindir() / "pg_isready")
        except LocalServerError:
            return None
        keep: list[str] = []
        for flag, value in itertools.pairwise(options):
            if flag in {"-U", "-d"}:
                keep += [flag, value]
        argv = [binary, "-h", host, "-p", str(port), "-t", str(max(1, round(wait))), *keep]
    elif program == "redis-cli":
        binary_path = shutil.which("redis-cli")
        if binary_path is None:
            return None
        argv = [binary_path, "-h", host, "-p", str(port), *options]
    else:
        return None
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=wait + 2, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{program} failed ({type(exc).__name__})"
    answer = (result.stdout or result.stderr).strip().splitlines()
    said = answer[-1] if answer else f"exit {result.returncode}"
    if program == "redis-cli":
        return said == "PONG", f"redis-cli ping: {said}"
    return result.returncode == 0, f"pg_isready: {said}"


def port_holders(ports: set[int]) -> dict[int, str]:
    """Describe the processes listening on ``ports``, as far as this user may see them.

    Returns:
        ``{port: "pid 123 (redis-server)"}`` for each port whose holder is known.
    """
    found: dict[int, str] = {}
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status != psutil.CONN_LISTEN or not conn.laddr or conn.laddr.port not in ports:
                continue
            if conn.pid is None:
                continue
            try:
                name = psutil.Process(conn.pid).name()
            except psutil.Error:
                name = "?"
            found[conn.laddr.port] = f"pid {conn.pid} ({name})"
    return found


def port_problems(components: Iterable[Component], host: str) -> list[Problem]:
    """One problem per published port of ``components`` that something else already holds on ``host``."""
    taken = [(c, port) for c in components for port in c.ports if not port_is_free(port.host_port, host or "127.0.0.1")]
    holders = port_holders({port.host_port for _, port in taken}) if taken else {}
    problems = []
    for component, port in taken:
        holder = holders.get(port.host_port)
        held = f" by {holder}" if holder else ""
        problems.append(
            Problem(
                component.name,
                f"Port {port.host_port} ({component.name} {port.name}) is already in use{held}.",
                f"Stop what holds it, or move {component.name} to a free port with {port.env_var}=<port>.",
                kind="port",
                port=port.host_port,
            )
        )
    return problems


def missing_file_problems(stack: Stack, components: Iterable[Component], verb: str) -> list[Problem]:
    """One problem per config file a component ``verb``s (reads, mounts) that the stack folder lacks."""
    return [
        Problem(
            component.name,
            f"{component.name} {verb} {stack.files_dir / config.source}, which does not exist.",
            "Run vntp from a checkout of the project, or set VNTP_STACK_DIR to its 'stack' folder.",
            kind="file",
        )
        for component in components
        for config in component.config_files
        if not (stack.files_dir / config.source).is_file()
    ]


def memory_problems(components: Iterable[Component]) -> list[Problem]:
    """A problem when this host lacks the memory ``components`` need together."""
    needed = sum(c.memory_mb for c in components)
    available = psutil.virtual_memory().available // (1024 * 1024)
    if needed <= available:
        return []
    return [
        Problem(
            "*",
            f"Starting the stack needs about {needed} MiB of memory but only {available} MiB are available.",
            "Stop other programs, or leave out optional profiles.",
            kind="memory",
        )
    ]
