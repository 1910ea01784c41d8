"""imisanzu's services: local employees with auto-sync, and cached contributions."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from vntp.services._errors import NotFound, UpstreamUnavailable
from vntp.services._instruments import (
    cache_bypasses,
    cache_hits,
    cache_misses,
    contribution_fetch_duration,
    employee_syncs,
)
from vntp.services._paging import page_of
from vntp.services.imisanzu.cache import CacheUnavailable, ContributionCache, SingleFlight
from vntp.services.imisanzu.models import Employee
from vntp.services.imisanzu.oracle_client import OracleClient

__all__ = ("ContributionLookup", "ContributionResult", "EmployeeService")

logger = logging.getLogger(__name__)


class EmployeeService(SQLAlchemyAsyncRepositoryService[Employee]):
    """Employees held locally; unknown ones are fetched from oracle and kept."""

    class Repository(SQLAlchemyAsyncRepository[Employee]):
        model_type = Employee

    repository_type = Repository

    async def page(self, limit: int, offset: int) -> tuple[list[Employee], int]:
        return await page_of(self, limit, offset, "rssb_number")

    async def local(self, rssb_number: str) -> Employee | None:
        return await self.get_one_or_none(rssb_number=rssb_number)

    async def get_or_sync(self, rssb_number: str, oracle: OracleClient) -> tuple[Employee, bool]:
        """The employee with ``rssb_number`` and whether it was just synced from oracle.

        Raises:
            NotFound: neither imisanzu nor oracle knows the number.
            UpstreamUnavailable: not held locally and oracle does not answer.
        """
        found = await self.local(rssb_number)
        if found is not None:
            return found, False
        remote = await oracle.find_employee(rssb_number)
        if remote is None:
            msg = f"No employee has rssbNumber {rssb_number!r}, neither here nor in oracle."
            raise NotFound(msg)
        row = {
            "id": UUID(remote["id"]),
            "firstname": remote["firstname"],
            "lastname": remote["lastname"],
            "rssb_number": remote["rssbNumber"],
            "dob": dt.date.fromisoformat(remote["dob"]),
        }
        session = self.repository.session
        # NOTE: two requests may sync the same employee at once; the second insert is a no-op.
        await session.execute(insert(Employee).values(row).on_conflict_do_nothing(index_elements=["rssb_number"]))
        await session.commit()
        synced = await session.scalar(select(Employee).where(Employee.rssb_number == rssb_number))
        if synced is None:  # pragma: no cover - deleted between insert and select
            msg = f"No employee has rssbNumber {rssb_number!r}."
            raise NotFound(msg)
        employee_syncs.add(1)
        logger.info("employee synced from oracle")
        return synced, True


@dataclass(frozen=True)
class ContributionResult:
    items: list[dict[str, Any]]
    source: str
    """``hit`` (from Redis), ``miss`` (from oracle, now cached), ``bypass`` (Redis down) or ``stale`` (oracle down)."""


class ContributionLookup:
    """Contributions by rssbNumber: Redis first, then one oracle call per key at a time."""

    def __init__(self, cache: ContributionCache, oracle: OracleClient) -> None:
        self.cache = cache
        self.oracle = oracle
        self._flights: SingleFlight[ContributionResult] = SingleFlight()

    async def get(self, rssb_number: str) -> ContributionResult:
        started = time.perf_counter()
        source = "error"
        try:
            result = await self._get(rssb_number)
            source = result.source
            return result
        finally:
            contribution_fetch_duration.record(time.perf_counter() - started, {"source": source})

    async def _get(self, rssb_number: str) -> ContributionResult:
        try:
            cached = await self.cache.get(rssb_number)
        except CacheUnavailable:
            self.cache.bypasses += 1
            cache_bypasses.add(1)
            return await self._flights.do(rssb_number, lambda: self._load(rssb_number, use_cache=False))
        if cached is not None:
            cache_hits.add(1)
            await self._count("hits")
            return ContributionResult(cached, "hit")
        cache_misses.add(1)
        await self._count("misses")
        return await self._flights.do(rssb_number, lambda: self._load(rssb_number, use_cache=True))

    async def _count(self, outcome: str) -> None:
        with contextlib.suppress(CacheUnavailable):
            await self.cache.count(outcome)

    async def _load(self, rssb_number: str, *, use_cache: bool) -> ContributionResult:
        try:
            items = await self.oracle.contributions(rssb_number)
        except UpstreamUnavailable:
            stale = await self._stale(rssb_number) if use_cache else None
            if stale is None:
                raise
            return ContributionResult(stale, "stale")
        if use_cache:
            with contextlib.suppress(CacheUnavailable):
                await self.cache.put(rssb_number, items)
        return ContributionResult(items, "miss" if use_cache else "bypass")

    async def _stale(self, rssb_number: str) -> list[dict[str, Any]] | None:
        try:
            return await self.cache.get_stale(rssb_number)
        except CacheUnavailable:
            return None
