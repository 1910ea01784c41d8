"""Every metric instrument the services record, in one place.

Names follow the seed's contract: a counter ``cache_hits`` reaches Prometheus as
``cache_hits_total`` and a histogram ``contribution_fetch_duration`` in seconds as
``contribution_fetch_duration_seconds``. Attributes stay low in cardinality: route
templates, methods, status codes and outcomes, never ids.
"""

from __future__ import annotations

from opentelemetry import metrics

__all__ = (
    "cache_bypasses",
    "cache_hits",
    "cache_misses",
    "contribution_fetch_duration",
    "contributions_created",
    "database_queries",
    "database_query_duration",
    "employee_syncs",
    "employees_created",
    "employers_created",
    "http_request_duration",
    "http_requests",
    "oracle_api_calls",
    "start_counters_at_zero",
)

_meter = metrics.get_meter("vntp.services")

http_requests = _meter.create_counter(
    "http.requests", unit="{request}", description="HTTP requests served, by route template, method and status."
)
http_request_duration = _meter.create_histogram(
    "http.server.request.duration", unit="s", description="Duration of HTTP server requests."
)

# imisanzu
cache_hits = _meter.create_counter("cache_hits", unit="{hit}", description="Contribution lookups answered by Redis.")
cache_misses = _meter.create_counter(
    "cache_misses", unit="{miss}", description="Contribution lookups that Redis did not hold."
)
cache_bypasses = _meter.create_counter(
    "cache_bypasses", unit="{lookup}", description="Contribution lookups made without Redis because it was down."
)
employee_syncs = _meter.create_counter(
    "employee_syncs", unit="{employee}", description="Employees copied from oracle on first use."
)
oracle_api_calls = _meter.create_counter(
    "oracle_api_calls", unit="{call}", description="Calls from imisanzu to oracle, by endpoint and outcome."
)
contribution_fetch_duration = _meter.create_histogram(
    "contribution_fetch_duration", unit="s", description="Time to answer a contribution lookup, by source."
)

# oracle
employees_created = _meter.create_counter("employees_created", unit="{employee}", description="Employees created.")
employers_created = _meter.create_counter("employers_created", unit="{employer}", description="Employers created.")
contributions_created = _meter.create_counter(
    "contributions_created", unit="{contribution}", description="Contributions created."
)
database_queries = _meter.create_counter(
    "database_queries", unit="{query}", description="SQL statements run, by operation and outcome."
)
database_query_duration = _meter.create_histogram(
    "database_query_duration", unit="s", description="Time SQL statements took, by operation."
)


def start_counters_at_zero(service: str) -> None:
    """Export each business counter from the start, at zero, so rates and checks see it before use."""
    if service == "oracle":
        for counter in (employees_created, employers_created, contributions_created):
            counter.add(0)
    elif service == "imisanzu":
        for counter in (cache_hits, cache_misses, cache_bypasses, employee_syncs):
            counter.add(0)
