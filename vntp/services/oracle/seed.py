"""The master data oracle starts with; loading it twice changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from vntp.services.oracle.models import Contribution, Employee, Employer

__all__ = ("EMPLOYEES", "EMPLOYERS", "load_seed", "seed_contributions")

EMPLOYEES = (
    {"firstname": "Jean", "lastname": "Mugabo", "rssb_number": "1023829A", "dob": dt.date(1988, 4, 12)},
    {"firstname": "Aline", "lastname": "Uwase", "rssb_number": "1045672B", "dob": dt.date(1993, 9, 30)},
)
EMPLOYERS = ({"name": "Kigali Logistics Ltd", "matricule": "3100000000A"},)
PERIODS = ("2025-01", "2025-02", "2025-03")


def seed_contributions() -> list[dict[str, object]]:
    """Three months of contributions for each seeded employee."""
    rows: list[dict[str, object]] = []
    for index, employee in enumerate(EMPLOYEES):
        for month, period in enumerate(PERIODS):
            rows.append(
                {
                    "period": period,
                    "rssb_number": employee["rssb_number"],
                    "matricule": EMPLOYERS[0]["matricule"],
                    "amount": 4_500_000 + 250_000 * index + 10_000 * month,
                }
            )
    return rows


async def _load(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for model, rows, key in (
                (Employee, EMPLOYEES, ["rssb_number"]),
                (Employer, EMPLOYERS, ["matricule"]),
                (Contribution, seed_contributions(), ["rssb_number", "matricule", "period"]),
            ):
                values = [{"id": uuid.uuid4(), **row} for row in rows]
                await connection.execute(insert(model).values(values).on_conflict_do_nothing(index_elements=key))
    finally:
        await engine.dispose()


def load_seed(database_url: str) -> None:
    """Insert the seed rows that are missing (blocking)."""
    asyncio.run(_load(database_url))
