"""oracle's services: they own transactions and turn database errors into domain errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from advanced_alchemy.exceptions import IntegrityError, NotFoundError
from advanced_alchemy.filters import CollectionFilter, ComparisonFilter, StatementFilter
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import select

from vntp.services._errors import ClientError, ConflictError, NotFound, sqlstate
from vntp.services._instruments import contributions_created, employees_created, employers_created
from vntp.services._paging import page_of
from vntp.services.oracle.models import Contribution, Employee, Employer

__all__ = ("ContributionService", "EmployeeService", "EmployerService", "translate_errors")

logger = logging.getLogger(__name__)


_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"


@contextmanager
def translate_errors(entity: str, unique: str) -> Iterator[None]:
    """Turn repository errors about ``entity`` into the errors clients see."""
    try:
        yield
    except NotFoundError as exc:
        msg = f"No {entity} with that id."
        raise NotFound(msg) from exc
    except IntegrityError as exc:
        code = sqlstate(exc)
        if code == _UNIQUE_VIOLATION:
            msg = f"A{'n' if entity[0] in 'aeiou' else ''} {entity} with the same {unique} already exists."
            raise ConflictError(msg, field=unique) from exc
        if code == _FOREIGN_KEY_VIOLATION:
            msg = f"The {entity} is still referenced by contributions; delete those first."
            raise ConflictError(msg) from exc
        raise


class EmployeeService(SQLAlchemyAsyncRepositoryService[Employee]):
    """Employees of oracle."""

    class Repository(SQLAlchemyAsyncRepository[Employee]):
        model_type = Employee

    repository_type = Repository

    async def page(self, limit: int, offset: int, rssb_number: str | None = None) -> tuple[list[Employee], int]:
        filters: list[StatementFilter] = []
        if rssb_number is not None:
            filters.append(CollectionFilter(field_name="rssb_number", values=[rssb_number]))
        return await page_of(self, limit, offset, "rssb_number", *filters)

    async def fetch(self, item_id: UUID) -> Employee:
        with translate_errors("employee", "rssbNumber"):
            return await self.get(item_id)

    async def add(self, data: dict[str, Any]) -> Employee:
        with translate_errors("employee", "rssbNumber"):
            created = await self.create(data, auto_commit=True)
        employees_created.add(1)
        logger.info("employee created")
        return created

    async def change(self, item_id: UUID, data: dict[str, Any]) -> Employee:
        with translate_errors("employee", "rssbNumber"):
            return await self.update(data, item_id=item_id, auto_commit=True)

    async def remove(self, item_id: UUID) -> None:
        with translate_errors("employee", "rssbNumber"):
            await self.delete(item_id, auto_commit=True)


class EmployerService(SQLAlchemyAsyncRepositoryService[Employer]):
    """Employers of oracle."""

    class Repository(SQLAlchemyAsyncRepository[Employer]):
        model_type = Employer

    repository_type = Repository

    async def page(self, limit: int, offset: int) -> tuple[list[Employer], int]:
        return await page_of(self, limit, offset, "matricule")

    async def fetch(self, item_id: UUID) -> Employer:
        with translate_errors("employer", "matricule"):
            return await self.get(item_id)

    async def add(self, data: dict[str, Any]) -> Employer:
        with translate_errors("employer", "matricule"):
            created = await self.create(data, auto_commit=True)
        employers_created.add(1)
        logger.info("employer created")
        return created

    async def change(self, item_id: UUID, data: dict[str, Any]) -> Employer:
        with translate_errors("employer", "matricule"):
            return await self.update(data, item_id=item_id, auto_commit=True)

    async def remove(self, item_id: UUID) -> None:
        with translate_errors("employer", "matricule"):
            await self.delete(item_id, auto_commit=True)


class ContributionService(SQLAlchemyAsyncRepositoryService[Contribution]):
    """Contributions, each naming an existing employee and employer."""

    class Repository(SQLAlchemyAsyncRepository[Contribution]):
        model_type = Contribution

    repository_type = Repository

    async def page(
        self,
        limit: int,
        offset: int,
        *,
        rssb_number: str | None = None,
        matricule: str | None = None,
        period_from: str | None = None,
        period_to: str | None = None,
    ) -> tuple[list[Contribution], int]:
        if period_from and period_to and period_from > period_to:
            msg = f"periodFrom {period_from!r} is after periodTo {period_to!r}; swap them."
            raise ClientError(msg, field="periodFrom")
        filters: list[StatementFilter] = []
        if rssb_number is not None:
            filters.append(CollectionFilter(field_name="rssb_number", values=[rssb_number]))
        if matricule is not None:
            filters.append(CollectionFilter(field_name="matricule", values=[matricule]))
        if period_from is not None:
            filters.append(ComparisonFilter(field_name="period", operator="ge", value=period_from))
        if period_to is not None:
            filters.append(ComparisonFilter(field_name="period", operator="le", value=period_to))
        return await page_of(self, limit, offset, "period", *filters)

    async def fetch(self, item_id: UUID) -> Contribution:
        with translate_errors("contribution", "period"):
            return await self.get(item_id)

    async def _check_references(self, rssb_number: str, matricule: str) -> None:
        session = self.repository.session
        if await session.scalar(select(Employee.id).where(Employee.rssb_number == rssb_number)) is None:
            msg = f"No employee has rssbNumber {rssb_number!r}; create the employee first."
            raise ClientError(msg, field="rssbNumber")
        if await session.scalar(select(Employer.id).where(Employer.matricule == matricule)) is None:
            msg = f"No employer has matricule {matricule!r}; create the employer first."
            raise ClientError(msg, field="matricule")

    async def add(self, data: dict[str, Any]) -> Contribution:
        await self._check_references(data["rssb_number"], data["matricule"])
        try:
            created = await self.create(data, auto_commit=True)
        except IntegrityError as exc:
            if sqlstate(exc) == _UNIQUE_VIOLATION:
                msg = (
                    f"A contribution for rssbNumber {data['rssb_number']!r}, matricule {data['matricule']!r} "
                    f"and period {data['period']!r} already exists; update it instead."
                )
                raise ConflictError(msg, field="period") from exc
            if sqlstate(exc) == _FOREIGN_KEY_VIOLATION:
                msg = "The employee or employer was deleted meanwhile; create it first."
                raise ClientError(msg) from exc
            raise
        contributions_created.add(1)
        logger.info("contribution created")
        return created

    async def change(self, item_id: UUID, data: dict[str, Any]) -> Contribution:
        with translate_errors("contribution", "period"):
            return await self.update(data, item_id=item_id, auto_commit=True)

    async def remove(self, item_id: UUID) -> None:
        with translate_errors("contribution", "period"):
            await self.delete(item_id, auto_commit=True)
