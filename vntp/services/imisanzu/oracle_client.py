"""imisanzu's one way to oracle: a shared httpx client with bounded time per call."""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from vntp.services._errors import UpstreamUnavailable
from vntp.services._instruments import oracle_api_calls

__all__ = ("CircuitBreaker", "OracleClient")

logger = logging.getLogger(__name__)

_PAGE = 1000
_MAX_PAGES = 20


_TRIP_AFTER = 3
"""Consecutive failures after which imisanzu stops calling oracle for a while."""
_OPEN_FOR = 5.0
"""Seconds during which calls fail at once; then one call may try again."""


class CircuitBreaker:
    """Fail fast while oracle keeps failing, so a hung oracle does not cost every request a full time-out."""

    def __init__(self, trip_after: int = _TRIP_AFTER, open_for: float = _OPEN_FOR) -> None:
        self.trip_after = trip_after
        self.open_for = open_for
        self.failures = 0
        self.open_until = 0.0

    def check(self) -> None:
        """Raise :class:`UpstreamUnavailable` while open; let one trial call through when the time is up."""
        now = time.monotonic()
        if now < self.open_until:
            retry = max(1, round(self.open_until - now))
            msg = f"oracle failed {self.failures} times in a row; not calling it for {retry} s. Try again shortly."
            raise UpstreamUnavailable(msg, retry_after=retry)
        if self.failures >= self.trip_after:
            self.open_until = now + self.open_for  # NOTE: half-open: this caller tries, others wait for it

    def succeeded(self) -> None:
        self.failures = 0
        self.open_until = 0.0

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.trip_after:
            self.open_until = time.monotonic() + self.open_for


class OracleClient:
    """Calls oracle's API; any failure to get an answer in time becomes :class:`UpstreamUnavailable`."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        *,
        breaker: CircuitBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.breaker = breaker or CircuitBreaker()
        self.timeout = timeout
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(1.0, timeout)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            headers={"User-Agent": "imisanzu"},
        )
        self.calls = 0

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET one JSON document; connection failures get one more try, all within ``timeout``."""
        try:
            self.breaker.check()
        except UpstreamUnavailable:
            oracle_api_calls.add(1, {"endpoint": path, "outcome": "short_circuit"})
            raise
        self.calls += 1
        outcome = "error"
        try:
            body = await self._request(path, params)
            outcome = "ok"
            self.breaker.succeeded()
            return body
        except UpstreamUnavailable as exc:
            outcome = "timeout" if isinstance(exc.__cause__, (TimeoutError, httpx.TimeoutException)) else "unavailable"
            self.breaker.failed()
            raise
        finally:
            oracle_api_calls.add(1, {"endpoint": path, "outcome": outcome})

    async def _request(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            with anyio.fail_after(self.timeout):
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(2),
                    wait=wait_fixed(0.1),
                    retry=retry_if_exception_type(httpx.ConnectError),
                    reraise=True,
                ):
                    with attempt:
                        response = await self.http.get(path, params=params)
        except (TimeoutError, httpx.TimeoutException) as exc:
            msg = f"oracle did not answer within {self.timeout:g} s; try again shortly."
            raise UpstreamUnavailable(msg) from exc
        except httpx.TransportError as exc:
            logger.warning("oracle unreachable: %s", type(exc).__name__)
            msg = "oracle is unreachable; try again shortly."
            raise UpstreamUnavailable(msg) from exc
        if response.status_code >= 500:
            msg = f"oracle answered {response.status_code}; try again shortly."
            raise UpstreamUnavailable(msg)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def find_employee(self, rssb_number: str) -> dict[str, Any] | None:
        """The oracle employee with ``rssb_number``, or None when oracle has none."""
        page = await self._get("/api/v1/employees", {"rssbNumber": rssb_number, "limit": 1})
        items: list[dict[str, Any]] = page.get("items", [])
        return items[0] if items else None

    async def contributions(self, rssb_number: str) -> list[dict[str, Any]]:
        """Every contribution of ``rssb_number``, oldest period first."""
        items: list[dict[str, Any]] = []
        for number in range(_MAX_PAGES):
            page = await self._get(
                "/api/v1/contributions", {"rssbNumber": rssb_number, "limit": _PAGE, "offset": number * _PAGE}
            )
            items.extend(page.get("items", []))
            if len(items) >= page.get("total", 0) or not page.get("items"):
                break
        return items
