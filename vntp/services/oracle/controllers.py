"""oracle's HTTP API: thin handlers over the services."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import Parameter

from vntp.services import _schemas as wire
from vntp.services._paging import Limit, Offset
from vntp.services._schemas import MATRICULE_PATTERN, PERIOD_PATTERN, RSSB_PATTERN
from vntp.services.oracle.schemas import (
    ContributionCreate,
    ContributionUpdate,
    EmployeeCreate,
    EmployeeUpdate,
    EmployerCreate,
    EmployerUpdate,
)
from vntp.services.oracle.services import ContributionService, EmployeeService, EmployerService

__all__ = ("ContributionController", "EmployeeController", "EmployerController")

T = TypeVar("T")


def _page(items: list[Any], total: int, limit: int, offset: int, kind: type[T]) -> wire.Page[T]:
    return wire.Page(
        items=[msgspec.convert(item, kind, from_attributes=True) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


def _changes(data: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


class EmployeeController(Controller):
    path = "/api/v1/employees"
    tags = ["employees"]

    @get("/")
    async def list_employees(
        self,
        employees: EmployeeService,
        limit: Limit = 20,
        offset: Offset = 0,
        rssb_number: Annotated[str | None, Parameter(query="rssbNumber", pattern=RSSB_PATTERN)] = None,
    ) -> wire.Page[wire.Employee]:
        """List employees, optionally the one with ``rssbNumber``."""
        items, total = await employees.page(limit, offset, rssb_number)
        return _page(items, total, limit, offset, wire.Employee)

    @get("/{employee_id:uuid}")
    async def get_employee(self, employees: EmployeeService, employee_id: UUID) -> wire.Employee:
        return msgspec.convert(await employees.fetch(employee_id), wire.Employee, from_attributes=True)

    @post("/")
    async def create_employee(self, employees: EmployeeService, data: EmployeeCreate) -> wire.Employee:
        created = await employees.add(msgspec.structs.asdict(data))
        return msgspec.convert(created, wire.Employee, from_attributes=True)

    @patch("/{employee_id:uuid}")
    async def update_employee(
        self, employees: EmployeeService, employee_id: UUID, data: EmployeeUpdate
    ) -> wire.Employee:
        updated = await employees.change(employee_id, _changes(data))
        return msgspec.convert(updated, wire.Employee, from_attributes=True)

    @delete("/{employee_id:uuid}")
    async def delete_employee(self, employees: EmployeeService, employee_id: UUID) -> None:
        await employees.remove(employee_id)


class EmployerController(Controller):
    path = "/api/v1/employers"
    tags = ["employers"]

    @get("/")
    async def list_employers(
        self, employers: EmployerService, limit: Limit = 20, offset: Offset = 0
    ) -> wire.Page[wire.Employer]:
        items, total = await employers.page(limit, offset)
        return _page(items, total, limit, offset, wire.Employer)

    @get("/{employer_id:uuid}")
    async def get_employer(self, employers: EmployerService, employer_id: UUID) -> wire.Employer:
        return msgspec.convert(await employers.fetch(employer_id), wire.Employer, from_attributes=True)

    @post("/")
    async def create_employer(self, employers: EmployerService, data: EmployerCreate) -> wire.Employer:
        created = await employers.add(msgspec.structs.asdict(data))
        return msgspec.convert(created, wire.Employer, from_attributes=True)

    @patch("/{employer_id:uuid}")
    async def update_employer(
        self, employers: EmployerService, employer_id: UUID, data: EmployerUpdate
    ) -> wire.Employer:
        updated = await employers.change(employer_id, _changes(data))
        return msgspec.convert(updated, wire.Employer, from_attributes=True)

    @delete("/{employer_id:uuid}")
    async def delete_employer(self, employers: EmployerService, employer_id: UUID) -> None:
        await employers.remove(employer_id)


class ContributionController(Controller):
    path = "/api/v1/contributions"
    tags = ["contributions"]

    @get("/")
    async def list_contributions(
        self,
        contributions: ContributionService,
        limit: Limit = 20,
        offset: Offset = 0,
        rssb_number: Annotated[str | None, Parameter(query="rssbNumber", pattern=RSSB_PATTERN)] = None,
        matricule: Annotated[str | None, Parameter(pattern=MATRICULE_PATTERN)] = None,
        period_from: Annotated[str | None, Parameter(query="periodFrom", pattern=PERIOD_PATTERN)] = None,
        period_to: Annotated[str | None, Parameter(query="periodTo", pattern=PERIOD_PATTERN)] = None,
    ) -> wire.Page[wire.Contribution]:
        """List contributions by employee, employer and an inclusive period range."""
        items, total = await contributions.page(
            limit,
            offset,
            rssb_number=rssb_number,
            matricule=matricule,
            period_from=period_from,
            period_to=period_to,
        )
        return _page(items, total, limit, offset, wire.Contribution)

    @get("/{contribution_id:uuid}")
    async def get_contribution(self, contributions: ContributionService, contribution_id: UUID) -> wire.Contribution:
        return msgspec.convert(await contributions.fetch(contribution_id), wire.Contribution, from_attributes=True)

    @post("/")
    async def create_contribution(
        self, contributions: ContributionService, data: ContributionCreate
    ) -> wire.Contribution:
        created = await contributions.add(msgspec.structs.asdict(data))
        return msgspec.convert(created, wire.Contribution, from_attributes=True)

    @patch("/{contribution_id:uuid}")
    async def update_contribution(
        self, contributions: ContributionService, contribution_id: UUID, data: ContributionUpdate
    ) -> wire.Contribution:
        updated = await contributions.change(contribution_id, _changes(data))
        return msgspec.convert(updated, wire.Contribution, from_attributes=True)

    @delete("/{contribution_id:uuid}")
    async def delete_contribution(self, contributions: ContributionService, contribution_id: UUID) -> None:
        await contributions.remove(contribution_id)
