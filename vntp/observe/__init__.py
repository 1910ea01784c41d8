"""Reading what the backends saw: the telemetry contract, the query clients and the checks."""

from vntp.observe._contract import BUSINESS_METRICS, HTTP_METRICS, SERVICES, prometheus_name

__all__ = ("BUSINESS_METRICS", "HTTP_METRICS", "SERVICES", "prometheus_name")
