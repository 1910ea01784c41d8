"""imisanzu's HTTP API."""

from __future__ import annotations

import re

import msgspec
from litestar import Controller, Response, get

from vntp.services import _schemas as wire
from vntp.services._errors import ClientError
from vntp.services._paging import Limit, Offset
from vntp.services._schemas import RSSB_PATTERN
from vntp.services.imisanzu.oracle_client import OracleClient
from vntp.services.imisanzu.services import ContributionLookup, EmployeeService

__all__ = ("ContributionController", "EmployeeController")

_RSSB = re.compile(RSSB_PATTERN)


def _check_rssb(value: str) -> str:
    if not _RSSB.match(value):
        shown = repr(value) if len(value) <= 32 else f"{value[:32]!r}…"
        msg = f"rssbNumber {shown} is malformed: expected digits then one capital letter, e.g. 1023829A."
        raise ClientError(msg, field="rssbNumber")
    return value


class EmployeeContributions(msgspec.Struct, rename="camel"):
    rssb_number: str
    contributions: list[wire.Contribution]
    total: int
    total_amount: int
    source: str


class CacheStatsView(msgspec.Struct, rename="camel"):
    hits: int
    misses: int
    bypasses: int
    keys: int
    hit_ratio: float
    available: bool
    ttl_seconds: int


class EmployeeController(Controller):
    path = "/api/v1/employees"
    tags = ["employees"]

    @get("/")
    async def list_employees(
        self, employees: EmployeeService, limit: Limit = 20, offset: Offset = 0
    ) -> wire.Page[wire.Employee]:
        """Employees held by imisanzu (empty until some are synced)."""
        items, total = await employees.page(limit, offset)
        return wire.Page(
            items=[msgspec.convert(item, wire.Employee, from_attributes=True) for item in items],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get("/{rssb_number:str}")
    async def get_employee(
        self, employees: EmployeeService, oracle: OracleClient, rssb_number: str
    ) -> Response[wire.Employee]:
        """The local employee, else fetched from oracle and kept (auto-sync)."""
        employee, synced = await employees.get_or_sync(_check_rssb(rssb_number), oracle)
        body = msgspec.convert(employee, wire.Employee, from_attributes=True)
        return Response(body, headers={"X-Synced": "true" if synced else "false"})


class ContributionController(Controller):
    path = "/api/v1/contributions"
    tags = ["contributions"]

    @get("/employee/{rssb_number:str}")
    async def employee_contributions(
        self, lookup: ContributionLookup, rssb_number: str
    ) -> Response[EmployeeContributions]:
        """Contributions of one employee: Redis first, oracle on a miss (then cached)."""
        result = await lookup.get(_check_rssb(rssb_number))
        items = [msgspec.convert(item, wire.Contribution) for item in result.items]
        body = EmployeeContributions(
            rssb_number=rssb_number,
            contributions=items,
            total=len(items),
            total_amount=sum(item.amount for item in items),
            source=result.source,
        )
        return Response(body, headers={"X-Cache": result.source.upper()})

    @get("/cache/stats")
    async def cache_stats(self, lookup: ContributionLookup) -> CacheStatsView:
        """Hits, misses, bypasses (Redis down), fresh keys and the hit ratio."""
        stats = await lookup.cache.stats()
        return CacheStatsView(
            hits=stats.hits,
            misses=stats.misses,
            bypasses=stats.bypasses,
            keys=stats.keys,
            hit_ratio=stats.hit_ratio,
            available=stats.available,
            ttl_seconds=lookup.cache.ttl,
        )
