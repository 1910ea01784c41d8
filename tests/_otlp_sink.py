"""A small OTLP/HTTP receiver for tests: it decodes what the services export and keeps it.

It speaks the real protocol (protobuf over HTTP, as the SDK's exporters send it), so a
test that reads from it proves the export path, not a mock of it.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

__all__ = ("OtlpSink", "SinkLog", "SinkMetric", "SinkSpan")

T = TypeVar("T")


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None


def _attributes(items: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in items}


@dataclass(frozen=True)
class SinkSpan:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    service: str
    attributes: dict[str, Any]
    status_code: int
    resource: dict[str, Any]


@dataclass(frozen=True)
class SinkMetric:
    name: str
    unit: str
    kind: str
    monotonic: bool
    service: str
    points: list[dict[str, Any]]
    """Attributes of each data point."""
    values: list[float]


@dataclass(frozen=True)
class SinkLog:
    body: str
    trace_id: str
    span_id: str
    service: str
    severity: str
    resource: dict[str, Any]


@dataclass
class OtlpSink:
    port: int
    spans: list[SinkSpan] = field(default_factory=list)
    metrics: list[SinkMetric] = field(default_factory=list)
    logs: list[SinkLog] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                sink.receive(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def receive(self, path: str, body: bytes) -> None:
        with self._lock:
            if path.endswith("/v1/traces"):
                self._traces(body)
            elif path.endswith("/v1/metrics"):
                self._metrics(body)
            elif path.endswith("/v1/logs"):
                self._logs(body)

    def _traces(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        SinkSpan(
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            name=span.name,
                            kind=span.kind,
                            service=resource.get("service.name", ""),
                            attributes=_attributes(span.attributes),
                            status_code=span.status.code,
                            resource=resource,
                        )
                    )

    def _metrics(self, body: bytes) -> None:
        request = ExportMetricsServiceRequest.FromString(body)
        for resource_metrics in request.resource_metrics:
            resource = _attributes(resource_metrics.resource.attributes)
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    kind = metric.WhichOneof("data") or ""
                    points = list(getattr(metric, kind).data_points) if kind else []
                    values = []
                    for point in points:
                        if kind == "histogram":
                            values.append(float(point.count))
                        else:
                            values.append(float(point.as_int or point.as_double))
                    self.metrics.append(
                        SinkMetric(
                            name=metric.name,
                            unit=metric.unit,
                            kind=kind,
                            monotonic=bool(kind == "sum" and metric.sum.is_monotonic),
                            service=resource.get("service.name", ""),
                            points=[_attributes(p.attributes) for p in points],
                            values=values,
                        )
                    )

    def _logs(self, body: bytes) -> None:
        request = ExportLogsServiceRequest.FromString(body)
        for resource_logs in request.resource_logs:
            resource = _attributes(resource_logs.resource.attributes)
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    self.logs.append(
                        SinkLog(
                            body=str(_value(record.body)),
                            trace_id=record.trace_id.hex(),
                            span_id=record.span_id.hex(),
                            service=resource.get("service.name", ""),
                            severity=record.severity_text,
                            resource=resource,
                        )
                    )

    def wait_for(self, find: Callable[[OtlpSink], T | None], timeout: float = 15.0) -> T:
        """Poll until ``find`` returns something truthy; fail with what was received otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = find(self)
            if found:
                return found
            if time.monotonic() > deadline:
                msg = f"not received within {timeout:.0f} s: {len(self.spans)} spans, {len(self.metrics)} metrics"
                raise AssertionError(msg)
            time.sleep(0.1)
