"""Host-side checks: is a port taken and by whom, does a component answer its health check."""

from __future__ import annotations

import contextlib
import socket
import urllib.error
import urllib.request

import psutil

from vntp.stack import Component

__all__ = ("port_holders", "probe")

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
    return _tcp(host, port, wait)


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
