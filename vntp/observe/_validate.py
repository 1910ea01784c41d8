"""``vntp validate``: is every component healthy, and did every backend see the same request?

A canary request with a trace id chosen here goes to imisanzu for a contribution list that is
not cached, so it crosses both services. Then each backend is asked, through its own API, for
what that request must have left behind: the business and HTTP metrics in Prometheus, the
whole trace in Jaeger, and log records carrying the trace id in the collector's file export.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from vntp.observe._clients import BackendError, JaegerClient, PrometheusClient, exported_logs
from vntp.observe._contract import BUSINESS_METRICS, SERVICES

if TYPE_CHECKING:
    from vntp.runtimes import ComponentStatus, Runtime

__all__ = ("Canary", "Check", "Report", "send_canary", "validate")

_HISTOGRAMS = ("_seconds",)
_COLLECTOR_OWN = "otelcol_receiver_accepted_spans"


@dataclass
class Check:
    """One thing validate checked, where, and why it failed if it did."""

    backend: str
    signal: str
    name: str
    ok: bool = False
    detail: str = "not checked yet"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    trace_id: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "trace_id": self.trace_id,
            "seconds": round(self.seconds, 2),
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class Canary:
    trace_id: str
    status: int
    rssb_number: str


def send_canary(imisanzu_url: str, timeout: float = 10.0) -> Canary:
    """One request that must cross both services: contributions of a number nobody cached."""
    trace_id = secrets.token_hex(16)
    rssb = f"{secrets.randbelow(10**7):07d}V"
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    try:
        response = httpx.get(f"{imisanzu_url}/api/v1/contributions/employee/{rssb}", headers=headers, timeout=timeout)
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    return Canary(trace_id=trace_id, status=status, rssb_number=rssb)


def _prometheus_checks(client: PrometheusClient) -> list[tuple[Check, Callable[[], str | None]]]:
    """Each check with a probe that returns None when it holds, else why not."""
    checks: list[tuple[Check, Callable[[], str | None]]] = []

    def series(expr: str, what: str) -> Callable[[], str | None]:
        def probe() -> str | None:
            value = client.value(f"count({expr})")
            return None if value else f"no series for {what}"

        return probe

    for service in SERVICES:
        for metric in BUSINESS_METRICS[service]:
            name = f"{metric}_count" if metric.endswith(_HISTOGRAMS) else metric
            check = Check("prometheus", "metrics", f"{metric} ({service})")
            checks.append((check, series(f'{name}{{service_name="{service}"}}', f"{name} from {service}")))
        check = Check("prometheus", "metrics", f"http_requests_total ({service})")
        checks.append((check, series(f'http_requests_total{{service_name="{service}"}}', f"{service}'s HTTP requests")))
    own = Check("prometheus", "metrics", "collector's own metrics")
    checks.append((own, series(_COLLECTOR_OWN, "the collector's own metrics (scrape)")))
    return checks


def _jaeger_probe(client: JaegerClient, trace_id: str) -> Callable[[], str | None]:
    def probe() -> str | None:
        trace = client.trace(trace_id)
        if trace is None:
            return f"trace {trace_id} not found"
        services = client.services_in(trace)
        missing = set(SERVICES) - services
        if missing:
            return f"trace {trace_id} has spans of {sorted(services)} but none of {sorted(missing)}"
        spans = {span["spanID"]: span for span in trace["spans"]}
        processes = trace["processes"]
        crossing = [
            span
            for span in spans.values()
            if processes[span["processID"]]["serviceName"] == "oracle"
            and any(
                ref["refType"] == "CHILD_OF"
                and ref["spanID"] in spans
                and processes[spans[ref["spanID"]]["processID"]]["serviceName"] == "imisanzu"
                for ref in span.get("references", [])
            )
        ]
        if not crossing:
            return "no oracle span is the child of an imisanzu span: context was not propagated"
        return None

    return probe


def _logs_probe(runtime: Runtime, trace_id: str) -> Callable[[], str | None]:
    def probe() -> str | None:
        services = {log.service for log in exported_logs(runtime.telemetry_export()) if log.trace_id == trace_id}
        missing = set(SERVICES) - services
        if missing:
            return f"no log record with trace id {trace_id} from {sorted(missing)}"
        return None

    return probe


def validate(
    runtime: Runtime,
    *,
    timeout: float = 60.0,
    on_check: Callable[[Check], None] | None = None,
    statuses: Sequence[ComponentStatus] | None = None,
) -> Report:
    """Check health, then telemetry in every backend, polling up to ``timeout`` seconds for it to arrive.

    ``statuses`` are the components' states when the caller has just read them; else they are read here.
    """
    began = time.monotonic()
    report = Report()
    if statuses is None:
        statuses = runtime.status()
    for status in statuses:
        check = Check("stack", "health", status.name, ok=status.ok, detail=status.detail or status.health)
        if status.ok:
            check.detail = "running and healthy"
        report.checks.append(check)
        if on_check:
            on_check(check)

    endpoints = runtime.endpoints()
    canary = send_canary(endpoints["imisanzu"]["http"])
    report.trace_id = canary.trace_id
    request = Check(
        "imisanzu",
        "request",
        "canary request across both services",
        ok=canary.status == 200,
        detail=f"GET contributions of {canary.rssb_number} answered {canary.status or 'nothing'}",
    )
    report.checks.append(request)
    if on_check:
        on_check(request)

    prometheus = PrometheusClient(endpoints["prometheus"]["http"])
    jaeger = JaegerClient(endpoints["jaeger"]["query"])
    pending: list[tuple[Check, Callable[[], str | None]]] = [
        *_prometheus_checks(prometheus),
        (Check("jaeger", "traces", "one trace across imisanzu and oracle"), _jaeger_probe(jaeger, canary.trace_id)),
        (Check("collector file", "logs", "log records carry the trace id"), _logs_probe(runtime, canary.trace_id)),
    ]
    if "signoz" in endpoints:  # endpoints() holds the active profiles only
        signoz = endpoints["signoz"]["http"]
        pending.append((Check("signoz", "health", "SigNoz answers"), _http_ok(f"{signoz}/api/v1/health")))

    telemetry = [check for check, _ in pending]
    deadline = began + timeout
    try:
        while pending:
            still: list[tuple[Check, Callable[[], str | None]]] = []
            for check, probe in pending:
                try:
                    problem = probe()
                except (BackendError, OSError) as exc:
                    problem = str(exc)
                check.ok, check.detail = problem is None, problem or "seen"
                if check.ok:
                    if on_check:
                        on_check(check)
                else:
                    still.append((check, probe))
            pending = still
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    finally:
        prometheus.close()
        jaeger.close()
    for check, _ in pending:
        if on_check:
            on_check(check)
    report.checks.extend(telemetry)
    report.seconds = time.monotonic() - began
    return report


def _http_ok(url: str) -> Callable[[], str | None]:
    def probe() -> str | None:
        try:
            response = httpx.get(url, timeout=5)
        except httpx.HTTPError as exc:
            return f"{url} did not answer: {type(exc).__name__}"
        return None if response.is_success else f"{url} answered {response.status_code}"

    return probe
