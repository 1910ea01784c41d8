"""The built collector accepts every config variant and fans one span and one metric out to both backends."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests._backends import Backends, missing_binaries, start_backends
from vntp import toolchain

pytestmark = pytest.mark.e2e

COLLECTOR_DIR = toolchain.stack_dir() / "otel-collector"
CORE = COLLECTOR_DIR / "config.yaml"
SIGNOZ = COLLECTOR_DIR / "config.signoz.yaml"
WAIT_SECONDS = 30.0


def _require(*names: str) -> None:
    missing = missing_binaries(names)
    if missing:
        pytest.skip(f"not built: {', '.join(missing)}; run `python -m vntp.toolchain build` first")


@pytest.mark.parametrize("configs", [[CORE], [CORE, SIGNOZ]], ids=["core", "core+signoz"])
def test_collector_validates_config(configs: list[Path]) -> None:
    _require("otelcol-vntp")
    toolchain.validate_collector_config(configs)


def test_collector_rejects_a_broken_config(tmp_path: Path) -> None:
    _require("otelcol-vntp")
    broken = tmp_path / "broken.yaml"
    broken.write_text("service:\n  pipelines:\n    traces:\n      exporters: [no_such_exporter]\n")

    with pytest.raises(toolchain.ToolchainError, match="no_such_exporter"):
        toolchain.validate_collector_config([CORE, broken])


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[Backends]:
    _require("otelcol-vntp", "jaeger", "prometheus")
    started = start_backends(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def _poll(what: str, probe: Callable[[], Any], backends: Backends) -> Any:
    """Call ``probe`` until it returns something truthy, for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"{what} did not appear within {WAIT_SECONDS:.0f} s; collector log:\n{backends.collector.log_tail()}")


def _resource(service: str) -> dict[str, Any]:
    return {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}


def _otlp_span(service: str, trace_id: str) -> dict[str, Any]:
    now = time.time_ns()
    span = {
        "traceId": trace_id,
        "spanId": secrets.token_hex(8),
        "name": "GET /smoke",
        "kind": 2,
        "startTimeUnixNano": str(now - 5_000_000),
        "endTimeUnixNano": str(now),
    }
    scope = {"scope": {"name": "vntp.smoke"}, "spans": [span]}
    return {"resourceSpans": [{"resource": _resource(service), "scopeSpans": [scope]}]}


def _otlp_metrics(service: str) -> dict[str, Any]:
    now = time.time_ns()
    times = {"startTimeUnixNano": str(now - 10_000_000_000), "timeUnixNano": str(now)}
    counter = {
        "name": "smoke_requests",
        "unit": "1",
        "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [{"asInt": "3", **times}]},
    }
    histogram = {
        "name": "smoke_duration",
        "unit": "s",
        "histogram": {
            "aggregationTemporality": 2,
            "dataPoints": [
                {"count": "2", "sum": 0.3, "bucketCounts": ["1", "1", "0"], "explicitBounds": [0.1, 0.5], **times}
            ],
        },
    }
    scope = {"scope": {"name": "vntp.smoke"}, "metrics": [counter, histogram]}
    return {"resourceMetrics": [{"resource": _resource(service), "scopeMetrics": [scope]}]}


def _prometheus_value(backends: Backends, query: str) -> float | None:
    answer = httpx.get(f"{backends.prometheus_url}/api/v1/query", params={"query": query}, timeout=5.0)
    results = answer.json()["data"]["result"]
    return float(results[0]["value"][1]) if results else None


def test_one_span_and_one_metric_reach_every_backend(backends: Backends) -> None:
    service = f"vntp-smoke-{secrets.token_hex(3)}"
    trace_id = secrets.token_hex(16)

    for path, body in (("/v1/traces", _otlp_span(service, trace_id)), ("/v1/metrics", _otlp_metrics(service))):
        answer = httpx.post(f"{backends.otlp_http_url}{path}", json=body, timeout=5.0)
        assert answer.status_code == 200, answer.text

    def jaeger_trace() -> list[dict[str, Any]]:
        answer = httpx.get(f"{backends.jaeger_url}/api/traces", params={"service": service}, timeout=5.0)
        return [trace for trace in answer.json().get("data") or [] if trace["traceID"] == trace_id]

    traces = _poll("the span in Jaeger", jaeger_trace, backends)
    assert [span["operationName"] for span in traces[0]["spans"]] == ["GET /smoke"]
    services = httpx.get(f"{backends.jaeger_url}/api/services", timeout=5.0).json()["data"]
    assert service in services

    # Suffixes and labels as the collector config promises: counter -> _total, unit s -> _seconds.
    selector = f'{{service_name="{service}"}}'
    assert _poll("the counter", lambda: _prometheus_value(backends, f"smoke_requests_total{selector}"), backends) == 3
    count = _poll(
        "the histogram", lambda: _prometheus_value(backends, f"smoke_duration_seconds_count{selector}"), backends
    )
    assert count == 2

    # The collector's own metrics, scraped by Prometheus.
    assert _poll("the collector scrape", lambda: _prometheus_value(backends, 'up{job="otel-collector"}'), backends) == 1

    # The file exporter holds the span, as OTLP JSON lines.
    def file_lines() -> list[dict[str, Any]]:
        if not backends.telemetry_file.exists():
            return []
        lines = backends.telemetry_file.read_text().splitlines()
        return [json.loads(line) for line in lines if trace_id in line]

    written = _poll("the span in the telemetry file", file_lines, backends)
    assert written[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] == trace_id
