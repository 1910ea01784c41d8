"""Per-request telemetry that needs the route: span name, HTTP metrics and the access log line.

Litestar runs route middleware after routing, so the route template is known here;
the server span (opened before routing) is renamed to it. Probes and docs are skipped.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from opentelemetry import trace

from vntp.services._instruments import http_request_duration, http_requests

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("UNOBSERVED_PATHS", "route_telemetry_middleware")

UNOBSERVED_PATHS = ("/health", "/ready", "/docs", "/schema")
"""Path prefixes that make no spans, HTTP metrics or access log lines: probes and API docs."""
access_logger = logging.getLogger("vntp.access")


def route_telemetry_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(UNOBSERVED_PATHS):
            await app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        route = scope.get("path_template") or "unmatched"
        span = trace.get_current_span()
        if span.is_recording():
            span.update_name(f"{method} {route}")
            span.set_attribute("http.route", route)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - started
            attributes = {
                "http.route": route,
                "http.request.method": method,
                "http.response.status_code": status["code"],
            }
            http_requests.add(1, attributes)
            http_request_duration.record(elapsed, attributes)
            access_logger.info(
                "request method=%s route=%s status=%d duration_ms=%.1f", method, route, status["code"], elapsed * 1000
            )

    return middleware
