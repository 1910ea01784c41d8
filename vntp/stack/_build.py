"""The vntp stack: which components it has and how each is wired to the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from vntp import __version__
from vntp.config import Settings, override_key, port_env_var
from vntp.stack._model import (
    Build,
    Component,
    ConfigFile,
    HealthCheck,
    LocalCommand,
    Port,
    Stack,
    StackError,
    Volume,
    connect_host,
)

__all__ = ("DEFAULT_IMAGES", "build_stack")

logger = logging.getLogger(__name__)

DEFAULT_IMAGES = {
    # NOTE: the Debian-based image (uid 999), like the offline stand-in, so one volume suits both.
    "postgres-imisanzu": "postgres:15",
    "postgres-oracle": "postgres:15",
    "redis": "redis:7-alpine",
    "prometheus": "prom/prometheus:v3.16.0",
    "jaeger": "jaegertracing/jaeger:2.12.0",
    "otel-collector": "otel/opentelemetry-collector-contrib:0.161.0",
    "oracle": "vntp-services:{version}",
    "imisanzu": "vntp-services:{version}",
    "grafana": "grafana/grafana:12.2.0",
    "signoz": "signoz/signoz:v0.100.0",
}
"""The official image of each component; the collector, Prometheus and Jaeger match the tool pins."""

_PG_USER = "vntp"
# NOTE: a development password for the containers' Postgres; the local clusters trust 127.0.0.1.
_PG_PASSWORD = "vntp"  # noqa: S105


class _Wiring:
    """Resolves ports and images against the overrides, and addresses as a container or a local process sees them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.used: set[str] = set()
        self.local_host = connect_host(settings.bind_host)
        self.ports: dict[tuple[str, str], Port] = {}

    def port(self, component: str, name: str, container: int, host: int, scheme: str = "tcp") -> Port:
        specific = override_key(component, name)
        main = not any(key[0] == component for key in self.ports)
        env_var = port_env_var(component) if main else port_env_var(component, name)
        if specific in self.settings.ports:
            host, env_var = self.settings.ports[specific], port_env_var(component, name)
            self.used.add(specific)
        elif main and override_key(component) in self.settings.ports:
            host = self.settings.ports[override_key(component)]
            self.used.add(override_key(component))
        port = Port(name=name, container_port=container, host_port=host, scheme=scheme, env_var=env_var)
        self.ports[(component, name)] = port
        return port

    def image(self, component: str) -> str:
        key = override_key(component)
        if key in self.settings.images:
            self.used.add(key)
            return self.settings.images[key]
        return DEFAULT_IMAGES[component].format(version=__version__)

    def container(self, component: str, name: str) -> str:
        """``host:port`` of a component's port inside the container network."""
        return f"{component}:{self.ports[(component, name)].container_port}"

    def local(self, component: str, name: str) -> str:
        """``host:port`` where a local process reaches a component's port."""
        return f"{self.local_host}:{self.ports[(component, name)].host_port}"

    def listen(self, component: str, name: str) -> str:
        """``host:port`` a local process listens on."""
        return f"{self.settings.bind_host}:{self.ports[(component, name)].host_port}"

    def check_unused(self) -> None:
        """Reject overrides that name no component port (from the file) and log those from the environment."""
        for kind, mapping in (("port", self.settings.ports), ("image", self.settings.images)):
            for key in mapping:
                if key in self.used:
                    continue
                known = sorted({override_key(c) for c, _ in self.ports} | {override_key(c, p) for c, p in self.ports})
                if key in self.settings.strict_overrides:
                    msg = (
                        f"The {kind} override {key!r} in {self.settings.config_file} names no component "
                        f"{'port ' if kind == 'port' else ''}of the stack; use one of: {', '.join(known)}."
                    )
                    raise StackError(msg)
                logger.warning("VNTP_%s_%s names no component of the stack; it is ignored", key, kind.upper())


def _postgres(w: _Wiring, name: str, database: str, host_port: int) -> Component:
    return Component(
        name=name,
        image=w.image(name),
        description=f"Postgres holding the {database} database",
        ports=(w.port(name, "postgres", 5432, host_port, "postgresql"),),
        environment={"POSTGRES_USER": _PG_USER, "POSTGRES_PASSWORD": _PG_PASSWORD, "POSTGRES_DB": database},
        health=HealthCheck(
            kind="command", port="postgres", command=("pg_isready", "-h", "127.0.0.1", "-U", _PG_USER, "-d", database)
        ),
        volumes=(Volume(f"{name}-data", "/var/lib/postgresql/data"),),
        local=LocalCommand(program="postgres", kind="postgres"),
        memory_mb=128,
    )


def _redis(w: _Wiring) -> Component:
    return Component(
        name="redis",
        image=w.image("redis"),
        description="Redis, the contributions cache",
        ports=(w.port("redis", "redis", 6379, 6379, "redis"),),
        command=("redis-server", "--save", "", "--appendonly", "no"),
        health=HealthCheck(kind="command", port="redis", command=("redis-cli", "ping")),
        local=LocalCommand(program="redis-server", kind="redis"),
        memory_mb=32,
    )


def _prometheus(w: _Wiring) -> Component:
    flags = ("--web.enable-remote-write-receiver", "--web.enable-otlp-receiver")
    w.port("prometheus", "http", 9090, 9090, "http")
    return Component(
        name="prometheus",
        image=w.image("prometheus"),
        description="Prometheus, receiving metrics by remote write",
        ports=(w.ports[("prometheus", "http")],),
        command=("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", *flags),
        health=HealthCheck(kind="http", port="http", path="/-/ready", start_timeout=60.0),
        volumes=(Volume("prometheus-data", "/prometheus"),),
        config_files=(ConfigFile("prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"),),
        local=LocalCommand(
            program="prometheus",
            args=(
                "--config.file={config}/prometheus.yml",
                "--storage.tsdb.path={data}",
                f"--web.listen-address={w.listen('prometheus', 'http')}",
                *flags,
            ),
        ),
        memory_mb=256,
        ui_path="/",
    )


def _jaeger(w: _Wiring) -> Component:
    ports = (
        w.port("jaeger", "query", 16686, 16686, "http"),
        w.port("jaeger", "otlp-grpc", 4317, 14317, "grpc"),
        w.port("jaeger", "otlp-http", 4318, 14318, "http"),
        w.port("jaeger", "query-grpc", 16685, 16685, "grpc"),
        w.port("jaeger", "health", 13133, 13134, "http"),
        w.port("jaeger", "metrics", 8888, 18888, "http"),
    )

    def env(addr: Callable[[str, str], str], host: str) -> dict[str, str]:
        return {
            "JAEGER_OTLP_GRPC_ENDPOINT": addr("jaeger", "otlp-grpc"),
            "JAEGER_OTLP_HTTP_ENDPOINT": addr("jaeger", "otlp-http"),
            "JAEGER_QUERY_HTTP_ENDPOINT": addr("jaeger", "query"),
            "JAEGER_QUERY_GRPC_ENDPOINT": addr("jaeger", "query-grpc"),
            "JAEGER_HEALTH_ENDPOINT": addr("jaeger", "health"),
            "JAEGER_METRICS_HOST": host,
            "JAEGER_METRICS_PORT": addr("jaeger", "metrics").rsplit(":", 1)[1],
        }

    def inside(component: str, name: str) -> str:
        return f"0.0.0.0:{w.ports[(component, name)].container_port}"

    return Component(
        name="jaeger",
        image=w.image("jaeger"),
        description="Jaeger v2, holding traces in memory",
        ports=ports,
        environment=env(inside, "0.0.0.0"),
        command=("--config", "/etc/jaeger/config.yaml"),
        health=HealthCheck(kind="http", port="health", path="/status"),
        config_files=(ConfigFile("jaeger/config.yaml", "/etc/jaeger/config.yaml"),),
        local=LocalCommand(
            program="jaeger", args=("--config", "{config}/config.yaml"), environment=env(w.listen, w.settings.bind_host)
        ),
        memory_mb=256,
        ui_path="/",
    )


def _collector(w: _Wiring, signoz: bool) -> Component:
    ports = (
        w.port("otel-collector", "otlp-grpc", 4317, 4317, "grpc"),
        w.port("otel-collector", "otlp-http", 4318, 4318, "http"),
        w.port("otel-collector", "health", 13133, 13133, "http"),
        w.port("otel-collector", "metrics", 8888, 8888, "http"),
        w.port("otel-collector", "zpages", 55679, 55679, "http"),
        w.port("otel-collector", "pprof", 1777, 1777, "http"),
    )
    config_files = [ConfigFile("otel-collector/config.yaml", "/etc/otelcol-contrib/config.yaml")]
    if signoz:
        config_files.append(ConfigFile("otel-collector/config.signoz.yaml", "/etc/otelcol-contrib/config.signoz.yaml"))
    container_args = tuple(f"--config={file.target}" for file in config_files)
    local_args = tuple(f"--config={{config}}/{file.source.rsplit('/', 1)[1]}" for file in config_files)

    container_env = {
        "OTEL_COLLECTOR_GRPC_ENDPOINT": "0.0.0.0:4317",
        "OTEL_COLLECTOR_HTTP_ENDPOINT": "0.0.0.0:4318",
        "OTEL_COLLECTOR_HEALTH_ENDPOINT": "0.0.0.0:13133",
        "OTEL_COLLECTOR_ZPAGES_ENDPOINT": "0.0.0.0:55679",
        "OTEL_COLLECTOR_PPROF_ENDPOINT": "0.0.0.0:1777",
        "OTEL_COLLECTOR_METRICS_HOST": "0.0.0.0",
        "OTEL_COLLECTOR_METRICS_PORT": "8888",
        "PROMETHEUS_REMOTE_WRITE_URL": f"http://{w.container('prometheus', 'http')}/api/v1/write",
        "JAEGER_OTLP_ENDPOINT": w.container("jaeger", "otlp-grpc"),
        "VNTP_TELEMETRY_FILE": "/var/lib/otelcol/telemetry.jsonl",
        "VNTP_ENVIRONMENT": "docker",
    }
    local_env = {
        "OTEL_COLLECTOR_GRPC_ENDPOINT": w.listen("otel-collector", "otlp-grpc"),
        "OTEL_COLLECTOR_HTTP_ENDPOINT": w.listen("otel-collector", "otlp-http"),
        "OTEL_COLLECTOR_HEALTH_ENDPOINT": w.listen("otel-collector", "health"),
        "OTEL_COLLECTOR_ZPAGES_ENDPOINT": w.listen("otel-collector", "zpages"),
        "OTEL_COLLECTOR_PPROF_ENDPOINT": w.listen("otel-collector", "pprof"),
        "OTEL_COLLECTOR_METRICS_HOST": w.settings.bind_host,
        "OTEL_COLLECTOR_METRICS_PORT": str(w.ports[("otel-collector", "metrics")].host_port),
        "PROMETHEUS_REMOTE_WRITE_URL": f"http://{w.local('prometheus', 'http')}/api/v1/write",
        "JAEGER_OTLP_ENDPOINT": w.local("jaeger", "otlp-grpc"),
        "VNTP_TELEMETRY_FILE": "{data}/telemetry.jsonl",
        "VNTP_ENVIRONMENT": "local",
    }
    depends = ["prometheus", "jaeger"]
    if signoz:
        container_env["SIGNOZ_OTLP_ENDPOINT"] = w.container("signoz", "otlp-grpc")
        local_env["SIGNOZ_OTLP_ENDPOINT"] = w.local("signoz", "otlp-grpc")
        depends.append("signoz")
    return Component(
        name="otel-collector",
        image=w.image("otel-collector"),
        description="OpenTelemetry Collector, fanning telemetry out to every backend",
        ports=ports,
        environment=container_env,
        command=container_args,
        health=HealthCheck(kind="http", port="health", path="/"),
        depends_on=tuple(depends),
        # NOTE: the official collector image is built FROM scratch, so it has no /var/lib/otelcol to copy
        # into a fresh volume: a plain volume there belongs to root and the collector (uid 10001) cannot
        # create its file export, so it would not start. A tmpfs volume owned by that uid is writable
        # without running anything as root. What it holds (a debug export, bounded by the exporter's
        # rotation: 4 files of at most 50 MiB) lasts as long as the container.
        volumes=(
            Volume(
                "otel-collector-data",
                "/var/lib/otelcol",
                driver_opts={"type": "tmpfs", "device": "tmpfs", "o": "size=256m,uid=10001,gid=10001"},
            ),
        ),
        config_files=tuple(config_files),
        local=LocalCommand(program="otelcol-vntp", args=local_args, environment=local_env),
        memory_mb=256,
    )


def _service(w: _Wiring, name: str, port: int, database: str, extra: Iterable[str]) -> Component:
    pg = f"postgres-{name}"
    w.port(name, "http", port, port, "http")
    common = {
        "OTEL_SERVICE_NAME": name,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_METRIC_EXPORT_INTERVAL": "5000",
        "OTEL_BSP_SCHEDULE_DELAY": "1000",
        "OTEL_BLRP_SCHEDULE_DELAY": "1000",
    }

    def env(addr: Callable[[str, str], str], listen_host: str, listen_port: int, where: str) -> dict[str, str]:
        values = {
            **common,
            "HOST": listen_host,
            "PORT": str(listen_port),
            "DATABASE_URL": f"postgresql+asyncpg://{_PG_USER}:{_PG_PASSWORD}@{addr(pg, 'postgres')}/{database}",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{addr('otel-collector', 'otlp-http')}",
            "OTEL_RESOURCE_ATTRIBUTES": f"service.namespace={w.settings.stack},deployment.environment.name={where}",
        }
        if "redis" in extra:
            values["REDIS_URL"] = f"redis://{addr('redis', 'redis')}/0"
        if "oracle" in extra:
            values["ORACLE_URL"] = f"http://{addr('oracle', 'http')}"
        return values

    http = w.ports[(name, "http")]
    return Component(
        name=name,
        image=w.image(name),
        description=f"the {name} service",
        ports=(http,),
        environment=env(w.container, "0.0.0.0", http.container_port, "docker"),
        command=("python", "-m", f"vntp.services.{name}"),
        build=Build(),
        health=HealthCheck(kind="http", port="http", path="/ready", start_timeout=90.0),
        depends_on=(pg, *extra, "otel-collector"),
        local=LocalCommand(
            program="python",
            args=("-m", f"vntp.services.{name}"),
            environment=env(w.local, w.settings.bind_host, http.host_port, "local"),
        ),
        memory_mb=192,
        ui_path="/docs",
    )


def _grafana(w: _Wiring) -> Component:
    return Component(
        name="grafana",
        image=w.image("grafana"),
        profile="grafana",
        description="Grafana, with Prometheus and Jaeger as data sources",
        ports=(w.port("grafana", "http", 3000, 3000, "http"),),
        environment={
            "GF_SECURITY_ADMIN_USER": "admin",
            "GF_SECURITY_ADMIN_PASSWORD": "admin",
            "GF_USERS_ALLOW_SIGN_UP": "false",
        },
        health=HealthCheck(kind="http", port="http", path="/api/health"),
        depends_on=("prometheus", "jaeger"),
        volumes=(Volume("grafana-data", "/var/lib/grafana"),),
        config_files=(
            ConfigFile(
                "grafana/provisioning/datasources/datasources.yaml", "/etc/grafana/provisioning/datasources/vntp.yaml"
            ),
            ConfigFile(
                "grafana/provisioning/dashboards/dashboards.yaml", "/etc/grafana/provisioning/dashboards/vntp.yaml"
            ),
            ConfigFile("grafana/dashboards/vntp-overview.json", "/var/lib/grafana/dashboards/vntp/vntp-overview.json"),
        ),
        memory_mb=256,
        ui_path="/",
    )


def _signoz(w: _Wiring) -> Component:
    # TODO(issue 6): SigNoz ships as several containers (ClickHouse, ZooKeeper, the schema migrator,
    # its own collector and the UI/query service); the docker runtime expands this one entry into them.
    return Component(
        name="signoz",
        image=w.image("signoz"),
        profile="signoz",
        description="SigNoz, traces, metrics and logs in one UI",
        ports=(w.port("signoz", "http", 8080, 3301, "http"), w.port("signoz", "otlp-grpc", 4317, 24317, "grpc")),
        health=HealthCheck(kind="http", port="http", path="/api/v1/health", start_timeout=180.0),
        volumes=(Volume("signoz-data", "/var/lib/signoz"),),
        memory_mb=2048,
        ui_path="/",
    )


def build_stack(settings: Settings, profiles: Iterable[str] | None = None) -> Stack:
    """Describe the vntp stack for ``settings``.

    The stack holds the components of every profile; ``profiles`` only says which are switched on
    (and so whether the collector also exports to SigNoz).

    Args:
        settings: Ports, images, stack name and bind address.
        profiles: Profiles to switch on; ``settings.profiles`` when None. ``core`` is always on.

    Raises:
        StackError: when overrides clash (two components on one host port) or name nothing.
        vntp.config.ConfigError: when ``profiles`` names an unknown profile.
    """
    active = settings.profiles if profiles is None else settings.with_profiles(profiles).profiles
    w = _Wiring(settings)
    # The order of declaration is the tie-break of the start order; the ports of a component are
    # declared before anything that addresses them.
    signoz = _signoz(w)
    components = [
        _postgres(w, "postgres-imisanzu", "imisanzu", 5432),
        _postgres(w, "postgres-oracle", "oracle", 5433),
        _redis(w),
        _prometheus(w),
        _jaeger(w),
        _collector(w, signoz="signoz" in active),
        _service(w, "oracle", 3002, "oracle", ()),
        _service(w, "imisanzu", 3001, "imisanzu", ("redis", "oracle")),
        _grafana(w),
        signoz,
    ]
    w.check_unused()
    return Stack(
        name=settings.stack,
        components=tuple(components),
        profiles=active,
        bind_host=settings.bind_host,
        files_dir=settings.files_dir,
    )
