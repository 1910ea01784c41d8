"""Small clients for what the backends expose over HTTP: Prometheus, Jaeger and the collector's file export."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ("BackendError", "ExportedLog", "JaegerClient", "PrometheusClient", "exported_logs")


class BackendError(RuntimeError):
    """A backend did not answer, or answered something unexpected."""


class _Client:
    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fetch(self, path: str, **params: Any) -> httpx.Response:
        try:
            return self.http.get(path, params=params)
        except httpx.HTTPError as exc:
            msg = f"{self.base_url}{path} did not answer: {exc}"
            raise BackendError(msg) from exc

    def _get(self, path: str, **params: Any) -> Any:
        response = self._fetch(path, **params)
        if response.status_code >= 400:
            msg = f"{self.base_url}{path} answered {response.status_code}: {response.text[:200]}"
            raise BackendError(msg)
        return response.json()


class PrometheusClient(_Client):
    """Prometheus's HTTP query API."""

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query; returns the result vector."""
        body = self._get("/api/v1/query", query=expr)
        if body.get("status") != "success":
            msg = f"Prometheus refused {expr!r}: {body.get('error')}"
            raise BackendError(msg)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def value(self, expr: str) -> float | None:
        """The single value of an instant query, or None when it matches no series."""
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def label_values(self, label: str) -> list[str]:
        body = self._get(f"/api/v1/label/{label}/values")
        values: list[str] = body.get("data", [])
        return values


class JaegerClient(_Client):
    """Jaeger's query HTTP API (the one its UI uses)."""

    def services(self) -> list[str]:
        data: list[str] = self._get("/api/services").get("data") or []
        return data

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        """One trace by id, or None when Jaeger does not hold it (yet)."""
        response = self._fetch(f"/api/traces/{trace_id}")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            msg = f"Jaeger answered {response.status_code} for trace {trace_id}: {response.text[:200]}"
            raise BackendError(msg)
        data = response.json().get("data") or []
        return data[0] if data else None

    def traces(self, service: str, limit: int = 20, lookback: str = "1h", operation: str | None = None) -> list[Any]:
        params: dict[str, Any] = {"service": service, "limit": limit, "lookback": lookback}
        if operation:
            params["operation"] = operation
        data: list[Any] = self._get("/api/traces", **params).get("data") or []
        return data

    @staticmethod
    def services_in(trace: dict[str, Any]) -> set[str]:
        """The service names that have spans in ``trace``."""
        processes = trace.get("processes", {})
        return {processes[span["processID"]]["serviceName"] for span in trace.get("spans", [])}


@dataclass(frozen=True)
class ExportedLog:
    """One log record from the collector's file export."""

    service: str
    body: str
    trace_id: str
    span_id: str


def _attribute(attributes: Iterable[dict[str, Any]], key: str) -> str:
    for item in attributes:
        if item.get("key") == key:
            value = item.get("value", {})
            return str(next(iter(value.values()), "")) if value else ""
    return ""


def exported_logs(lines: Iterable[str]) -> Iterator[ExportedLog]:
    """Log records in OTLP/JSON lines as the collector's file exporter writes them; other lines are skipped."""
    for line in lines:
        if '"resourceLogs"' not in line:
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            continue  # NOTE: the last line may still be half written
        for resource_logs in document.get("resourceLogs", []):
            service = _attribute(resource_logs.get("resource", {}).get("attributes", []), "service.name")
            for scope_logs in resource_logs.get("scopeLogs", []):
                for record in scope_logs.get("logRecords", []):
                    body = record.get("body", {})
                    yield ExportedLog(
                        service=service,
                        body=str(next(iter(body.values()), "")) if body else "",
                        trace_id=record.get("traceId", ""),
                        span_id=record.get("spanId", ""),
                    )
