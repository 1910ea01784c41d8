"""The telemetry contract: what every backend must show once the services have been used."""

from __future__ import annotations

__all__ = ("BUSINESS_METRICS", "HTTP_METRICS", "SERVICES", "prometheus_name")

SERVICES = ("oracle", "imisanzu")

BUSINESS_METRICS: dict[str, tuple[str, ...]] = {
    "imisanzu": (
        "cache_hits_total",
        "cache_misses_total",
        "employee_syncs_total",
        "oracle_api_calls_total",
        "contribution_fetch_duration_seconds",
    ),
    "oracle": (
        "employees_created_total",
        "employers_created_total",
        "contributions_created_total",
        "database_queries_total",
        "database_query_duration_seconds",
    ),
}
"""The seed's custom metrics, under their Prometheus names, by the service that records them."""

HTTP_METRICS = ("http_requests_total", "http_server_request_duration_seconds")
"""Recorded by both services, with ``http_route``, ``http_request_method`` and ``http_response_status_code``."""

_UNITS = {
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "By": "bytes",
    "KiBy": "kibibytes",
    "MiBy": "mebibytes",
    "%": "percent",
}


def prometheus_name(name: str, unit: str, *, monotonic_sum: bool = False, gauge: bool = False) -> str:
    """The name an OTLP metric gets in Prometheus, as the collector's translation writes it.

    Dots become underscores, the unit becomes a suffix (units in braces are annotations
    and add nothing), and monotonic sums end in ``_total``.
    """
    base = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    suffix = ""
    if unit and not unit.startswith("{"):
        if "/" in unit:
            top, _, per = unit.partition("/")
            suffix = f"{_UNITS.get(top, top)}_per_{_UNITS.get(per, per)}" if top else ""
        elif unit == "1":
            suffix = "ratio" if gauge else ""
        else:
            suffix = _UNITS.get(unit, unit)
    if suffix and not base.endswith(f"_{suffix}"):
        base = f"{base}_{suffix}"
    if monotonic_sum and not base.endswith("_total"):
        base = f"{base}_total"
    return base
