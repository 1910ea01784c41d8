"""The claim of the project: two services talk only OTLP to one collector, which feeds every backend.

Real parts only: the services on real Postgres and Redis, the Go-built collector, Prometheus
and Jaeger as processes on 127.0.0.1. Assertions go through each backend's own HTTP API.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest

from tests._backends import Backends, missing_binaries, start_backends
from tests._services import Backing, ServiceProcess, imisanzu_process, oracle_process, start_backing
from vntp.observe import BUSINESS_METRICS
from vntp.observe._clients import JaegerClient, PrometheusClient, exported_logs

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"{', '.join(missing_binaries())} not built; run 'python -m vntp.toolchain build'",
    ),
]

T = TypeVar("T")
SEED = "1023829A"


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 45.0) -> T:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            found = probe()
        except (httpx.HTTPError, OSError) as exc:
            found, last = None, exc
        if found:
            return found
        time.sleep(0.5)
    msg = f"{what} not seen within {timeout:.0f} s (last error: {last})"
    raise AssertionError(msg)


@dataclass
class Fanout:
    backing: Backing
    backends: Backends
    oracle: ServiceProcess
    imisanzu: ServiceProcess


@pytest.fixture(scope="module")
def fanout() -> Iterator[Fanout]:
    backing = start_backing("vntp-e2e-")
    backends = start_backends(backing.root)
    common = {
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
    }
    # One service speaks OTLP over gRPC, the other over HTTP: the collector takes both.
    oracle = oracle_process(
        backing,
        OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://{backends.otlp_grpc_endpoint}",
        **common,
    )
    oracle.start()
    imisanzu = imisanzu_process(
        backing,
        oracle,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_ENDPOINT=backends.otlp_http_url,
        **common,
    )
    imisanzu.start()
    yield Fanout(backing, backends, oracle, imisanzu)
    imisanzu.stop()
    oracle.stop()
    backends.stop()
    backing.redis.purge()
    backing.postgres.purge()
    shutil.rmtree(backing.root, ignore_errors=True)


def total(prometheus: PrometheusClient, expr: str) -> float | None:
    return prometheus.value(f"sum({expr})")


def test_the_seed_flow_reaches_every_backend_with_matching_values(fanout: Fanout) -> None:
    oracle, imisanzu = fanout.oracle.url, fanout.imisanzu.url
    trace_id = secrets.token_hex(16)
    with httpx.Client(timeout=10) as http:
        assert http.get(f"{oracle}/api/v1/employees").json()["total"] == 2
        assert http.get(f"{imisanzu}/api/v1/employees").json()["total"] == 0
        assert http.get(f"{imisanzu}/api/v1/employees/{SEED}").headers["X-Synced"] == "true"
        assert http.get(f"{imisanzu}/api/v1/employees").json()["total"] == 1
        miss = http.get(
            f"{imisanzu}/api/v1/contributions/employee/{SEED}",
            headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
        assert miss.headers["X-Cache"] == "MISS"
        assert http.get(f"{imisanzu}/api/v1/contributions/employee/{SEED}").headers["X-Cache"] == "HIT"
        assert http.get(f"{imisanzu}/api/v1/contributions/cache/stats").json()["hits"] == 1
        employee = {"firstname": "Fan", "lastname": "Out", "rssbNumber": "5550001F", "dob": "1990-01-01"}
        assert http.post(f"{oracle}/api/v1/employees", json=employee).status_code == 201
        assert http.post(f"{oracle}/api/v1/employers", json={"name": "Fan", "matricule": "5550001F"}).status_code == 201
        contribution = {"period": "2025-04", "rssbNumber": "5550001F", "matricule": "5550001F", "amount": 10}
        assert http.post(f"{oracle}/api/v1/contributions", json=contribution).status_code == 201

    expected = {
        'cache_misses_total{service_name="imisanzu"}': 1,
        'cache_hits_total{service_name="imisanzu"}': 1,
        'employee_syncs_total{service_name="imisanzu"}': 1,
        'oracle_api_calls_total{service_name="imisanzu",outcome="ok"}': 2,
        'contribution_fetch_duration_seconds_count{service_name="imisanzu"}': 2,
        'employees_created_total{service_name="oracle"}': 1,
        'employers_created_total{service_name="oracle"}': 1,
        'contributions_created_total{service_name="oracle"}': 1,
        # imisanzu served 6 requests; oracle 4 from the test and 2 from imisanzu.
        'http_requests_total{service_name="imisanzu"}': 6,
        'http_requests_total{service_name="oracle"}': 6,
    }
    with PrometheusClient(fanout.backends.prometheus_url) as prometheus:
        assert isinstance(prometheus, PrometheusClient)

        seen: dict[str, float | None] = {}

        def values() -> dict[str, float | None] | None:
            seen.update({expr: total(prometheus, expr) for expr in expected})
            return seen if seen == expected else None

        try:
            eventually(values, "the expected values in Prometheus")
        except AssertionError:
            assert seen == expected
        assert (total(prometheus, 'database_queries_total{service_name="oracle"}') or 0) > 0
        assert (total(prometheus, 'database_query_duration_seconds_count{service_name="oracle"}') or 0) > 0
        names = set(prometheus.label_values("__name__"))
        for metric in (name for group in BUSINESS_METRICS.values() for name in group):
            wanted = f"{metric}_count" if metric.endswith("_seconds") else metric
            assert wanted in names, f"{wanted} missing from Prometheus"
        assert "http_server_request_duration_seconds_bucket" in names
        eventually(
            lambda: "otelcol_receiver_accepted_spans" in prometheus.label_values("__name__"),
            "the collector's own metrics, scraped by Prometheus",
        )

    with JaegerClient(fanout.backends.jaeger_url) as jaeger:
        assert isinstance(jaeger, JaegerClient)
        trace = eventually(
            lambda: (t := jaeger.trace(trace_id)) and {"imisanzu", "oracle"} <= jaeger.services_in(t) and t,
            "the miss's trace in Jaeger",
        )
    spans = {span["spanID"]: span for span in trace["spans"]}
    service = {sid: trace["processes"][span["processID"]]["serviceName"] for sid, span in spans.items()}
    kind = {sid: next((t["value"] for t in span["tags"] if t["key"] == "span.kind"), "") for sid, span in spans.items()}
    parent = {
        sid: next((r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"), None)
        for sid, span in spans.items()
    }
    tags = {sid: {t["key"]: t["value"] for t in span["tags"]} for sid, span in spans.items()}
    front = next(s for s in spans if service[s] == "imisanzu" and kind[s] == "server")
    # The httpx span, not a Redis one: both are client spans named GET.
    client = next(
        s for s in spans if service[s] == "imisanzu" and kind[s] == "client" and "http.request.method" in tags[s]
    )
    back = next(s for s in spans if service[s] == "oracle" and kind[s] == "server")
    database = [s for s in spans if service[s] == "oracle" and kind[s] == "client"]
    assert parent[client] == front
    assert parent[back] == client
    assert database
    assert all(parent[s] == back for s in database)

    def logs_of_trace() -> set[str] | None:
        lines = fanout.backends.telemetry_file.read_text(errors="replace").splitlines()
        services = {log.service for log in exported_logs(lines) if log.trace_id == trace_id}
        return services if services >= {"imisanzu", "oracle"} else None

    eventually(logs_of_trace, "log records with the trace id in the file export")


def test_a_collector_outage_fails_no_request_and_telemetry_resumes(fanout: Fanout) -> None:
    imisanzu = fanout.imisanzu.url
    with httpx.Client(timeout=10) as http:
        assert http.get(f"{imisanzu}/api/v1/contributions/employee/{SEED}").status_code == 200
    prometheus = PrometheusClient(fanout.backends.prometheus_url)
    jaeger = JaegerClient(fanout.backends.jaeger_url)
    expr = 'http_requests_total{service_name="imisanzu"}'
    before = eventually(lambda: total(prometheus, expr), "imisanzu's request count")

    fanout.backends.collector.stop()
    statuses: list[int] = []
    durations: list[float] = []
    outage_ends = time.monotonic() + 30
    with httpx.Client(timeout=10) as http:
        while time.monotonic() < outage_ends:
            started = time.monotonic()
            statuses.append(http.get(f"{imisanzu}/api/v1/contributions/employee/{SEED}").status_code)
            durations.append(time.monotonic() - started)
            time.sleep(0.2)
    fanout.backends.collector.restart()

    assert statuses
    assert set(statuses) == {200}
    assert max(durations) < 2.0

    trace_id = secrets.token_hex(16)
    with httpx.Client(timeout=10) as http:
        response = http.get(
            f"{fanout.oracle.url}/api/v1/employees", headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        )
        assert response.status_code == 200
    eventually(lambda: jaeger.trace(trace_id), "a trace sent after the restart, in Jaeger")
    after = eventually(
        lambda: (v := total(prometheus, expr)) is not None and v >= before + len(statuses) and v,
        "the requests made during the outage, counted in Prometheus",
    )
    assert after >= before + len(statuses)
    prometheus.close()
    jaeger.close()
