"""Traces, metrics and logs through OpenTelemetry, configured by the standard ``OTEL_*`` variables.

Nothing here names a backend: the services send OTLP wherever
``OTEL_EXPORTER_OTLP_ENDPOINT`` points, over the protocol that
``OTEL_EXPORTER_OTLP_PROTOCOL`` names, sampled as ``OTEL_TRACES_SAMPLER`` says.
``OTEL_SDK_DISABLED=true`` turns all of it off.

Export never slows a request: spans and log records wait in bounded queues
(``OTEL_BSP_MAX_QUEUE_SIZE``, ``OTEL_BLRP_MAX_QUEUE_SIZE``) and leave on a background
thread; when the receiver is down the exporter warns once per export interval and drops
what does not fit. :func:`Telemetry.shutdown` flushes what is buffered within a bounded time.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace

from vntp.services._http import UNOBSERVED_PATHS

if TYPE_CHECKING:
    from litestar.plugins.opentelemetry import OpenTelemetryPlugin
    from litestar.types import Scope
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ("Telemetry", "TelemetryConfigError", "setup_telemetry")

logger = logging.getLogger(__name__)

_SHUTDOWN_BUDGET = 3.0
"""Seconds a shutdown may spend flushing before the process exits regardless."""

_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
"""Histogram boundaries in seconds, for every ``*duration*`` instrument."""


class TelemetryConfigError(ValueError):
    """An ``OTEL_*`` variable holds a value this SDK cannot honour."""


def _disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def _protocol(signal: str) -> str:
    value = (
        os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if value not in {"grpc", "http/protobuf"}:
        msg = (
            f"OTEL_EXPORTER_OTLP_PROTOCOL={value!r} is not supported here; use 'grpc' or 'http/protobuf' (the default)."
        )
        raise TelemetryConfigError(msg)
    return value


def _exporters() -> tuple[Any, Any, Any]:
    """Span, metric and log exporters; each reads its endpoint, headers and timeout from the environment."""
    if _protocol("TRACES") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans

        spans: Any = GrpcSpans()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans

        spans = HttpSpans()
    if _protocol("METRICS") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetrics

        points: Any = GrpcMetrics()
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetrics

        points = HttpMetrics()
    if _protocol("LOGS") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogs

        records: Any = GrpcLogs()
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogs

        records = HttpLogs()
    return spans, points, records


class _NotOwnExport(logging.Filter):
    """Keep the SDK's own warnings out of the logs pipeline, so a dead receiver cannot feed itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("opentelemetry", "grpc", "urllib3"))


def _span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    """Name a server span by method only at first; the route template replaces it once routed.

    The raw path never becomes a span name or attribute: it holds ids.
    """
    return str(scope.get("method") or "HTTP"), {}


@dataclass
class Telemetry:
    """The providers of one service process, and what is needed to flush them."""

    service_name: str
    enabled: bool
    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    logger_provider: LoggerProvider | None = None
    _log_handler: logging.Handler | None = field(default=None, repr=False)
    _shut: bool = field(default=False, repr=False)

    def litestar_plugin(self) -> OpenTelemetryPlugin | None:
        """Server spans for every route but the probes and the docs (no HTTP metrics here)."""
        if not self.enabled:
            return None
        from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
        from opentelemetry.metrics import NoOpMeterProvider

        config = OpenTelemetryConfig(
            tracer_provider=self.tracer_provider,
            # NOTE: HTTP metrics are recorded by vntp's route middleware, which knows the route template.
            meter_provider=NoOpMeterProvider(),
            exclude=[f"^{re.escape(path)}" for path in UNOBSERVED_PATHS],
            exclude_spans=["receive", "send"],
            scope_span_details_extractor=_span_details,
        )
        return OpenTelemetryPlugin(config)

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """Database spans, one per statement, from the SQLAlchemy instrumentation only."""
        if not self.enabled:
            return
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().instrument(
            engine=engine.sync_engine, tracer_provider=self.tracer_provider, enable_commenter=False
        )

    def instrument_httpx(self, client: Any) -> None:
        if not self.enabled:
            return
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.tracer_provider)

    def instrument_redis(self) -> None:
        if not self.enabled:
            return
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        instrumentor = RedisInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=self.tracer_provider)

    def shutdown(self, budget: float = _SHUTDOWN_BUDGET) -> None:
        """Flush and stop every provider, giving up after ``budget`` seconds in all."""
        if self._shut or not self.enabled:
            return
        self._shut = True

        def flush() -> None:
            for provider in (self.tracer_provider, self.logger_provider, self.meter_provider):
                if provider is None:
                    continue
                try:
                    provider.shutdown()
                except Exception:
                    logger.warning("telemetry flush of %s failed", type(provider).__name__, exc_info=True)

        worker = threading.Thread(target=flush, name="telemetry-shutdown", daemon=True)
        worker.start()
        worker.join(budget)
        if worker.is_alive():
            logger.warning("telemetry flush did not finish within %.1f s; exiting without the rest", budget)
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)


def setup_telemetry(service_name: str, version: str) -> Telemetry:
    """Create this process's providers from the ``OTEL_*`` environment and make them global.

    Call it once per process, after any fork (each server worker calls its app factory).

    Raises:
        TelemetryConfigError: an ``OTEL_*`` variable holds an unsupported value.
    """
    if _disabled():
        return Telemetry(service_name=service_name, enabled=False)
    # The stable HTTP conventions (http.request.method, error.type, …) unless the user chose otherwise.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    spans, points, records = _exporters()
    attributes: dict[str, Any] = {
        "service.version": version,
        "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
        "process.pid": os.getpid(),
    }
    if "OTEL_SERVICE_NAME" not in os.environ:
        attributes["service.name"] = service_name
    resource = Resource.create(attributes)
    if "deployment.environment.name" not in resource.attributes:
        resource = resource.merge(Resource({"deployment.environment.name": "development"}))

    # NOTE: the sampler comes from OTEL_TRACES_SAMPLER / _ARG when set (the SDK reads them).
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(points)],
        views=[
            View(instrument_name="*duration*", aggregation=ExplicitBucketHistogramAggregation(_DURATION_BUCKETS)),
        ],
    )
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(records))

    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    set_logger_provider(logger_provider)

    handler = LoggingHandler(level=logging.INFO, logger_provider=logger_provider)
    handler.addFilter(_NotOwnExport())
    logging.getLogger().addHandler(handler)
    return Telemetry(
        service_name=service_name,
        enabled=True,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        _log_handler=handler,
    )
