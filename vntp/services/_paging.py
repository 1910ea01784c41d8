"""One page of a list and the total across all pages, for both services."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from advanced_alchemy.filters import LimitOffset, OrderBy, StatementFilter
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from litestar.params import Parameter

__all__ = ("Limit", "Offset", "page_of")

ModelT = TypeVar("ModelT", bound=Any)

Limit = Annotated[int, Parameter(ge=1, le=1000, description="Page size")]
"""The ``limit`` query parameter of every list."""
Offset = Annotated[int, Parameter(ge=0, le=1_000_000_000, description="Items to skip")]
"""The ``offset`` query parameter of every list."""


async def page_of(
    service: SQLAlchemyAsyncRepositoryService[ModelT],
    limit: int,
    offset: int,
    order: str,
    *filters: StatementFilter,
) -> tuple[list[ModelT], int]:
    """Items ``offset`` to ``offset + limit`` in ``order``, and how many match in all."""
    items, total = await service.list_and_count(
        LimitOffset(limit=limit, offset=offset), OrderBy(field_name=order, sort_order="asc"), *filters
    )
    if not items and offset > 0:
        # NOTE: the windowed count comes with the rows; past the last page there are none to carry it.
        total = await service.count(*filters)
    return list(items), total
