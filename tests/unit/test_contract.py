from __future__ import annotations

import pytest

from vntp.observe import BUSINESS_METRICS, prometheus_name


@pytest.mark.parametrize(
    ("name", "unit", "monotonic", "expected"),
    [
        ("cache_hits", "{hit}", True, "cache_hits_total"),
        ("http.requests", "{request}", True, "http_requests_total"),
        ("contribution_fetch_duration", "s", False, "contribution_fetch_duration_seconds"),
        ("http.server.request.duration", "s", False, "http_server_request_duration_seconds"),
        ("queue_size", "1", False, "queue_size"),
        ("already_total", "", True, "already_total"),
        ("payload", "By", False, "payload_bytes"),
        ("rate", "By/s", False, "rate_bytes_per_seconds"),
        ("latency_seconds", "s", False, "latency_seconds"),
    ],
)
def test_prometheus_names(name: str, unit: str, monotonic: bool, expected: str) -> None:
    assert prometheus_name(name, unit, monotonic_sum=monotonic) == expected


def test_the_contract_lists_ten_custom_metrics_once_each() -> None:
    names = [name for group in BUSINESS_METRICS.values() for name in group]
    assert len(names) == len(set(names)) == 10
