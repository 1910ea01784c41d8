"""The master data oracle starts with, loaded by the migration ``0002_seed`` on a new database."""

from __future__ import annotations

import datetime as dt

__all__ = ("EMPLOYEES", "EMPLOYERS", "PERIODS", "seed_contributions")

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
