"""The collector, Jaeger and Prometheus as processes on 127.0.0.1, for end-to-end tests.

Each ``start_*`` function renders its backend's config from ``stack/`` through environment variables
(Prometheus, which reads none, through a rendered copy of its file), starts the binary with every port
on a free 127.0.0.1 port, waits until it answers, and returns a :class:`Backend`. A backend is stopped
by its own process id only, and can be started again (the collector outage test does that).

    backends = start_backends(tmp_path)
    try:
        post to backends.otlp_http_url, query backends.jaeger_url and backends.prometheus_url
    finally:
        backends.stop()
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vntp import toolchain

__all__ = (
    "BINARIES",
    "Backend",
    "BackendError",
    "Backends",
    "CollectorPorts",
    "JaegerPorts",
    "free_ports",
    "missing_binaries",
    "render_prometheus_config",
    "start_backends",
    "start_collector",
    "start_jaeger",
    "start_prometheus",
)

BINARIES = ("otelcol-vntp", "jaeger", "prometheus")
STACK = toolchain.stack_dir()
_HOST = "127.0.0.1"

# Literal targets in stack/prometheus/prometheus.yml that a local run replaces (see its header).
_PROMETHEUS_SELF = "localhost:9090"
_PROMETHEUS_COLLECTOR = "otel-collector:8888"
_PROMETHEUS_INTERVAL = "scrape_interval: 10s"


class BackendError(RuntimeError):
    """A backend did not start, or exited while it was awaited."""


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct ports that were free on 127.0.0.1 a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((_HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def missing_binaries(names: Sequence[str] = BINARIES) -> list[str]:
    """The binaries of ``names`` that :func:`vntp.toolchain.find` cannot locate."""
    return [name for name in names if toolchain.find(name) is None]


def _binary(name: str) -> Path:
    found = toolchain.find(name)
    if found is None:
        raise BackendError(f"{name} is not built: run `python -m vntp.toolchain build {name}`.")
    return found


@dataclass
class Backend:
    """One backend process: how to start it, how to tell it is up, and the process while it runs."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    ready_url: str
    urls: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> Backend:
        """Start the process (output appended to ``log_path``) and wait until ``ready_url`` answers 200."""
        if self.running:
            return self
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.log_path.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.wait_ready(timeout)
        except BackendError:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise BackendError(f"{self.name} exited while starting:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.ready_url, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise BackendError(f"{self.name} did not answer {self.ready_url} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate this backend's process (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def restart(self, timeout: float = 30.0) -> Backend:
        self.stop()
        return self.start(timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env.update(extra)
    return env


@dataclass(frozen=True)
class JaegerPorts:
    otlp_grpc: int
    otlp_http: int
    query_http: int
    query_grpc: int
    health: int
    metrics: int

    @classmethod
    def allocate(cls) -> JaegerPorts:
        return cls(*free_ports(6))


def start_jaeger(work_dir: Path, ports: JaegerPorts | None = None, timeout: float = 30.0) -> Backend:
    """Jaeger with in-memory storage; ``urls``: ``query`` (HTTP API), ``otlp_grpc``, ``otlp_http``."""
    ports = ports or JaegerPorts.allocate()
    work_dir.mkdir(parents=True, exist_ok=True)
    env = _env(
        {
            "JAEGER_OTLP_GRPC_ENDPOINT": f"{_HOST}:{ports.otlp_grpc}",
            "JAEGER_OTLP_HTTP_ENDPOINT": f"{_HOST}:{ports.otlp_http}",
            "JAEGER_QUERY_HTTP_ENDPOINT": f"{_HOST}:{ports.query_http}",
            "JAEGER_QUERY_GRPC_ENDPOINT": f"{_HOST}:{ports.query_grpc}",
            "JAEGER_HEALTH_ENDPOINT": f"{_HOST}:{ports.health}",
            "JAEGER_METRICS_HOST": _HOST,
            "JAEGER_METRICS_PORT": str(ports.metrics),
        }
    )
    query = f"http://{_HOST}:{ports.query_http}"
    backend = Backend(
        name="jaeger",
        args=[str(_binary("jaeger")), "--config", str(STACK / "jaeger" / "config.yaml")],
        env=env,
        log_path=work_dir / "jaeger.log",
        ready_url=f"{query}/api/services",
        urls={
            "query": query,
            "otlp_grpc": f"{_HOST}:{ports.otlp_grpc}",
            "otlp_http": f"http://{_HOST}:{ports.otlp_http}",
        },
    )
    return backend.start(timeout)


def render_prometheus_config(
    target: Path, self_address: str, collector_metrics: str, scrape_interval: str = "2s"
) -> Path:
    """Write ``stack/prometheus/prometheus.yml`` to ``target`` with this host's addresses in it."""
    text = (STACK / "prometheus" / "prometheus.yml").read_text()
    for placeholder in (_PROMETHEUS_SELF, _PROMETHEUS_COLLECTOR, _PROMETHEUS_INTERVAL):
        if placeholder not in text:
            raise BackendError(f"stack/prometheus/prometheus.yml no longer contains {placeholder!r} to replace.")
    text = text.replace(_PROMETHEUS_SELF, self_address).replace(_PROMETHEUS_COLLECTOR, collector_metrics)
    text = text.replace(_PROMETHEUS_INTERVAL, f"scrape_interval: {scrape_interval}")
    target.write_text(text)
    return target


def start_prometheus(work_dir: Path, collector_metrics: str, port: int | None = None, timeout: float = 30.0) -> Backend:
    """Prometheus with the remote-write and OTLP receivers on; ``urls``: ``api``, ``remote_write``, ``otlp``.

    Args:
        collector_metrics: ``host:port`` of the collector's own metrics, scraped as job ``otel-collector``.
    """
    port = port or free_ports(1)[0]
    work_dir.mkdir(parents=True, exist_ok=True)
    address = f"{_HOST}:{port}"
    config = render_prometheus_config(work_dir / "prometheus.yml", address, collector_metrics)
    api = f"http://{address}"
    backend = Backend(
        name="prometheus",
        args=[
            str(_binary("prometheus")),
            f"--config.file={config}",
            f"--storage.tsdb.path={work_dir / 'prometheus-data'}",
            f"--web.listen-address={address}",
            "--web.enable-remote-write-receiver",
            "--web.enable-otlp-receiver",
        ],
        env=_env({}),
        log_path=work_dir / "prometheus.log",
        ready_url=f"{api}/-/ready",
        urls={"api": api, "remote_write": f"{api}/api/v1/write", "otlp": f"{api}/api/v1/otlp"},
    )
    return backend.start(timeout)


@dataclass(frozen=True)
class CollectorPorts:
    grpc: int
    http: int
    health: int
    metrics: int
    zpages: int
    pprof: int

    @classmethod
    def allocate(cls) -> CollectorPorts:
        return cls(*free_ports(6))


def start_collector(
    work_dir: Path,
    *,
    prometheus_remote_write: str,
    jaeger_otlp_grpc: str,
    ports: CollectorPorts | None = None,
    overlays: Sequence[Path] = (),
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Backend:
    """The vntp collector with stack/otel-collector/config.yaml (plus ``overlays``, in order).

    ``urls``: ``otlp_http`` (base URL; append /v1/traces etc.), ``otlp_grpc`` (host:port), ``metrics``
    (host:port of its own Prometheus metrics), ``health``, and ``telemetry_file`` (the file exporter's output).
    """
    ports = ports or CollectorPorts.allocate()
    work_dir.mkdir(parents=True, exist_ok=True)
    telemetry_file = work_dir / "telemetry" / "telemetry.jsonl"
    env = _env(
        {
            "OTEL_COLLECTOR_GRPC_ENDPOINT": f"{_HOST}:{ports.grpc}",
            "OTEL_COLLECTOR_HTTP_ENDPOINT": f"{_HOST}:{ports.http}",
            "OTEL_COLLECTOR_HEALTH_ENDPOINT": f"{_HOST}:{ports.health}",
            "OTEL_COLLECTOR_ZPAGES_ENDPOINT": f"{_HOST}:{ports.zpages}",
            "OTEL_COLLECTOR_PPROF_ENDPOINT": f"{_HOST}:{ports.pprof}",
            "OTEL_COLLECTOR_METRICS_HOST": _HOST,
            "OTEL_COLLECTOR_METRICS_PORT": str(ports.metrics),
            "OTEL_COLLECTOR_BATCH_TIMEOUT": "200ms",
            "PROMETHEUS_REMOTE_WRITE_URL": prometheus_remote_write,
            "JAEGER_OTLP_ENDPOINT": jaeger_otlp_grpc,
            "VNTP_TELEMETRY_FILE": str(telemetry_file),
            **(extra_env or {}),
        }
    )
    args = [str(_binary("otelcol-vntp"))]
    for config in (STACK / "otel-collector" / "config.yaml", *overlays):
        args.append(f"--config={config}")
    health = f"http://{_HOST}:{ports.health}/"
    backend = Backend(
        name="otel-collector",
        args=args,
        env=env,
        log_path=work_dir / "otel-collector.log",
        ready_url=health,
        urls={
            "otlp_http": f"http://{_HOST}:{ports.http}",
            "otlp_grpc": f"{_HOST}:{ports.grpc}",
            "metrics": f"{_HOST}:{ports.metrics}",
            "health": health,
            "telemetry_file": str(telemetry_file),
        },
    )
    return backend.start(timeout)


@dataclass
class Backends:
    """The three backends wired together: services send OTLP to ``otlp_http_url`` / ``otlp_grpc_endpoint``."""

    collector: Backend
    jaeger: Backend
    prometheus: Backend

    @property
    def otlp_http_url(self) -> str:
        return self.collector.urls["otlp_http"]

    @property
    def otlp_grpc_endpoint(self) -> str:
        return self.collector.urls["otlp_grpc"]

    @property
    def jaeger_url(self) -> str:
        return self.jaeger.urls["query"]

    @property
    def prometheus_url(self) -> str:
        return self.prometheus.urls["api"]

    @property
    def telemetry_file(self) -> Path:
        return Path(self.collector.urls["telemetry_file"])

    def stop(self) -> None:
        """Stop the collector first, so it flushes into backends that are still up."""
        for backend in (self.collector, self.jaeger, self.prometheus):
            backend.stop()


def start_backends(work_dir: Path, overlays: Sequence[Path] = (), timeout: float = 30.0) -> Backends:
    """Start Jaeger, Prometheus and the collector on free ports, stopping those started if one fails."""
    started: list[Backend] = []
    try:
        collector_ports = CollectorPorts.allocate()
        jaeger = start_jaeger(work_dir, timeout=timeout)
        started.append(jaeger)
        prometheus = start_prometheus(work_dir, f"{_HOST}:{collector_ports.metrics}", timeout=timeout)
        started.append(prometheus)
        collector = start_collector(
            work_dir,
            prometheus_remote_write=prometheus.urls["remote_write"],
            jaeger_otlp_grpc=jaeger.urls["otlp_grpc"],
            ports=collector_ports,
            overlays=overlays,
            timeout=timeout,
        )
    except BaseException:
        for backend in reversed(started):
            backend.stop()
        raise
    return Backends(collector=collector, jaeger=jaeger, prometheus=prometheus)
