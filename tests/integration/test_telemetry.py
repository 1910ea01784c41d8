"""Telemetry of the real services, exported over OTLP to a receiver in the test."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests._otlp_sink import OtlpSink, SinkSpan
from tests._services import Backing, ServiceProcess, free_port, imisanzu_process, oracle_process
from tests.integration._data import new_employee_with_contributions, unique_rssb
from vntp.observe import BUSINESS_METRICS, HTTP_METRICS, prometheus_name

pytestmark = pytest.mark.integration

SERVER, CLIENT = 2, 3
STATUS_ERROR = 2
CONTRIBUTIONS_ROUTE = "/api/v1/contributions/employee/{rssb_number}"


def otel_env(endpoint: str, **extra: str) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_BLRP_SCHEDULE_DELAY": "100",
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=test",
        **extra,
    }


@pytest.fixture(scope="module")
def sink() -> Iterator[OtlpSink]:
    receiver = OtlpSink(free_port())
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def traced(backing: Backing, sink: OtlpSink) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    oracle = oracle_process(backing, "traced-oracle", **otel_env(sink.endpoint))
    oracle.start()
    imisanzu = imisanzu_process(backing, oracle, "traced-imisanzu", ORACLE_TIMEOUT="2", **otel_env(sink.endpoint))
    imisanzu.start()
    yield oracle, imisanzu
    imisanzu.stop()
    oracle.stop()


def traceparent() -> tuple[str, str, dict[str, str]]:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, {"traceparent": f"00-{trace_id}-{span_id}-01"}


def spans_of(sink: OtlpSink, trace_id: str) -> list[SinkSpan]:
    return [span for span in sink.spans if span.trace_id == trace_id]


def test_a_miss_is_one_trace_across_both_services(
    sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]
) -> None:
    oracle, imisanzu = traced
    employee, _ = new_employee_with_contributions(oracle.url)
    trace_id, parent, headers = traceparent()
    response = httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/{employee['rssbNumber']}", headers=headers)
    assert response.headers["X-Cache"] == "MISS"

    def chain(s: OtlpSink) -> tuple[SinkSpan, SinkSpan, SinkSpan, SinkSpan] | None:
        spans = spans_of(s, trace_id)
        front = [x for x in spans if x.service == "imisanzu" and x.kind == SERVER]
        client = [
            x for x in spans if x.service == "imisanzu" and x.kind == CLIENT and "http.request.method" in x.attributes
        ]
        back = [x for x in spans if x.service == "oracle" and x.kind == SERVER]
        db = [x for x in spans if x.service == "oracle" and x.attributes.get("db.system") == "postgresql"]
        return (front[0], client[0], back[0], db[0]) if front and client and back and db else None

    front, client, back, _ = sink.wait_for(chain)
    oracle_db = [x for x in spans_of(sink, trace_id) if x.service == "oracle" and x.attributes.get("db.system")]
    assert front.parent_id == parent
    assert front.name == f"GET {CONTRIBUTIONS_ROUTE}"
    assert front.attributes["http.route"] == CONTRIBUTIONS_ROUTE
    assert client.parent_id == front.span_id
    assert back.parent_id == client.span_id
    assert back.name == "GET /api/v1/contributions"
    assert oracle_db
    assert all(span.parent_id == back.span_id for span in oracle_db)
    assert [x for x in spans_of(sink, trace_id) if x.attributes.get("db.system") == "redis"]

    hit_trace, _, hit_headers = traceparent()
    hit = httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/{employee['rssbNumber']}", headers=hit_headers)
    assert hit.headers["X-Cache"] == "HIT"
    sink.wait_for(lambda s: [x for x in spans_of(s, hit_trace) if x.attributes.get("db.system") == "redis"])
    time.sleep(0.5)
    hit_spans = spans_of(sink, hit_trace)
    assert not [x for x in hit_spans if x.service == "oracle"]
    assert not [x for x in hit_spans if x.kind == CLIENT and "http.request.method" in x.attributes]


def test_span_names_and_metric_attributes_hold_no_ids(
    sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]
) -> None:
    _, imisanzu = traced
    numbers = [unique_rssb() for _ in range(50)]
    traces = []

    async def requests() -> None:
        async with httpx.AsyncClient(base_url=imisanzu.url, timeout=20) as http:
            for number in numbers:
                trace_id, _, headers = traceparent()
                traces.append(trace_id)
                await http.get(f"/api/v1/contributions/employee/{number}", headers=headers)

    asyncio.run(requests())
    wanted = set(traces)
    servers = sink.wait_for(
        lambda s: (
            (found := [x for x in s.spans if x.trace_id in wanted and x.kind == SERVER and x.service == "imisanzu"])
            and len(found) == 50
            and found
        )
    )
    assert {span.name for span in servers} == {f"GET {CONTRIBUTIONS_ROUTE}"}
    assert {span.attributes["http.route"] for span in servers} == {CONTRIBUTIONS_ROUTE}
    time.sleep(1.2)  # one more metric export
    for metric in list(sink.metrics):
        for attributes in metric.points:
            text = repr(attributes)
            assert not any(number in text for number in numbers), f"{metric.name} carries an id: {attributes}"


def test_probes_and_docs_make_no_telemetry(sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]) -> None:
    sent = []
    for service in traced:
        for path in ("/health", "/ready", "/docs", "/docs/openapi.json"):
            trace_id, _, headers = traceparent()
            sent.append(trace_id)
            assert httpx.get(f"{service.url}{path}", headers=headers).status_code == 200
    time.sleep(1.5)
    assert not [span for span in sink.spans if span.trace_id in set(sent)]
    routes = {str(a.get("http.route", "")) for m in sink.metrics for a in m.points}
    assert not {r for r in routes if r.startswith(("/health", "/ready", "/docs"))}


def test_client_errors_are_recorded_with_their_status(
    sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]
) -> None:
    oracle, _ = traced
    missing_trace, _, headers = traceparent()
    missing = httpx.get(f"{oracle.url}/api/v1/employees/00000000-0000-4000-8000-000000000000", headers=headers)
    assert missing.status_code == 404
    dup_trace, _, dup_headers = traceparent()
    duplicate = httpx.post(
        f"{oracle.url}/api/v1/employers", json={"name": "Again", "matricule": "3100000000A"}, headers=dup_headers
    )
    assert duplicate.status_code == 409
    for trace_id, status in ((missing_trace, 404), (dup_trace, 409)):
        server = sink.wait_for(lambda s, t=trace_id: [x for x in spans_of(s, t) if x.kind == SERVER])[0]
        assert server.attributes["http.response.status_code"] == status
    sink.wait_for(
        lambda s: (
            {
                p.get("http.response.status_code")
                for m in s.metrics
                if m.name == "http.requests" and m.service == "oracle"
                for p in m.points
            }
            >= {404, 409}
        )
    )


def test_every_instrument_reaches_its_prometheus_name(
    sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]
) -> None:
    oracle, imisanzu = traced
    employee, _ = new_employee_with_contributions(oracle.url)
    assert httpx.post(f"{oracle.url}/api/v1/employers", json={"name": "N", "matricule": unique_rssb()}).is_success
    assert httpx.get(f"{imisanzu.url}/api/v1/employees/{employee['rssbNumber']}").is_success
    for _ in range(2):
        assert httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/{employee['rssbNumber']}").is_success

    def names(s: OtlpSink) -> dict[str, set[str]] | None:
        by_service: dict[str, set[str]] = {}
        for metric in s.metrics:
            name = prometheus_name(metric.name, metric.unit, monotonic_sum=metric.monotonic)
            by_service.setdefault(metric.service, set()).add(name)
        want = {service: {*expected, *HTTP_METRICS} for service, expected in BUSINESS_METRICS.items()}
        return by_service if all(want[k] <= by_service.get(k, set()) for k in want) else None

    sink.wait_for(names)


def test_an_oracle_outage_marks_the_client_span(sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]) -> None:
    oracle, imisanzu = traced
    oracle.stop()
    try:
        trace_id, _, headers = traceparent()
        response = httpx.get(
            f"{imisanzu.url}/api/v1/contributions/employee/{unique_rssb()}", headers=headers, timeout=10
        )
        assert response.status_code == 503
        clients = sink.wait_for(lambda s: [x for x in spans_of(s, trace_id) if x.kind == CLIENT and x.status_code])
    finally:
        oracle.start()
    assert clients[0].status_code == STATUS_ERROR
    assert clients[0].attributes["error.type"]


def test_a_log_record_carries_its_request_trace(sink: OtlpSink, traced: tuple[ServiceProcess, ServiceProcess]) -> None:
    oracle, imisanzu = traced
    employee, _ = new_employee_with_contributions(oracle.url, periods=1)
    trace_id, _, headers = traceparent()
    assert httpx.get(f"{imisanzu.url}/api/v1/employees/{employee['rssbNumber']}", headers=headers).is_success
    records = sink.wait_for(
        lambda s: [r for r in s.logs if r.body == "employee synced from oracle" and r.trace_id == trace_id]
    )
    assert records[0].service == "imisanzu"
    assert records[0].span_id != "0" * 16
    deadline = time.monotonic() + 5
    while f"trace_id={trace_id}" not in imisanzu.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"trace_id={trace_id}" in imisanzu.log()


def test_a_dead_receiver_slows_nothing_and_exit_stays_prompt(backing: Backing) -> None:
    service = oracle_process(backing, "dead-receiver-oracle", **otel_env(f"http://127.0.0.1:{free_port()}"))
    service.start()
    try:
        with httpx.Client(base_url=service.url, timeout=10) as http:
            statuses = [http.get("/api/v1/employees").status_code for _ in range(200)]
        assert statuses == [200] * 200
    finally:
        started = time.monotonic()
        service.stop(timeout=30)
        took = time.monotonic() - started
    assert took < 5
    assert service.log().count("Failed to export") <= 20


def test_spans_ended_just_before_sigterm_are_not_lost(backing: Backing, sink: OtlpSink) -> None:
    service = oracle_process(backing, "sigterm-oracle", **otel_env(sink.endpoint, OTEL_BSP_SCHEDULE_DELAY="60000"))
    service.start()
    trace_id, _, headers = traceparent()
    assert httpx.get(f"{service.url}/api/v1/employees", headers=headers).status_code == 200
    # NOTE: uvicorn re-raises SIGTERM after its graceful shutdown, so the status is -15, not a kill after time-out.
    assert service.stop(timeout=10) in {0, -signal.SIGTERM}
    spans = spans_of(sink, trace_id)
    assert [x for x in spans if x.kind == SERVER], "the server span was lost at exit"
    assert [x for x in spans if x.attributes.get("db.system") == "postgresql"]


def test_every_forked_worker_exports(backing: Backing, sink: OtlpSink) -> None:
    service = oracle_process(backing, "workers-oracle", WORKERS="2", **otel_env(sink.endpoint))
    service.start()
    try:
        marker = secrets.token_hex(4)
        assert service.process is not None

        async def burst() -> None:
            async with httpx.AsyncClient(base_url=service.url, timeout=20) as http:
                await asyncio.gather(*(http.get("/api/v1/employers", headers={"x-run": marker}) for _ in range(200)))

        pids: set[int] = set()
        for _ in range(5):
            asyncio.run(burst())
            time.sleep(1)
            pids = {
                int(x.resource["process.pid"])
                for x in sink.spans
                if x.kind == SERVER
                and x.service == "oracle"
                and int(x.resource["process.pid"]) != service.process.pid
                and x.resource.get("service.instance.id", "").endswith(
                    tuple(f"-{p}" for p in _children(service.process.pid))
                )
            }
            if len(pids) >= 2:
                break
        assert len(pids) >= 2, f"spans came from workers {pids}"
    finally:
        service.stop()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(x) for x in out.split()]
