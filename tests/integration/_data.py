"""Fresh master data made through oracle's API, unique per test."""

from __future__ import annotations

import itertools
import random
from typing import Any

import httpx

__all__ = ("new_employee_with_contributions", "unique_rssb")

_counter = itertools.count(random.randrange(100_000, 900_000) * 10)


def unique_rssb() -> str:
    return f"{next(_counter):07d}T"


def new_employee_with_contributions(oracle_url: str, periods: int = 3) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rssb = unique_rssb()
    with httpx.Client(base_url=oracle_url, timeout=10) as http:
        employee = http.post(
            "/api/v1/employees",
            json={"firstname": "Test", "lastname": "Person", "rssbNumber": rssb, "dob": "1990-02-03"},
        )
        assert employee.status_code == 201, employee.text
        contributions = []
        for month in range(1, periods + 1):
            created = http.post(
                "/api/v1/contributions",
                json={
                    "period": f"2024-{month:02d}",
                    "rssbNumber": rssb,
                    "matricule": "3100000000A",
                    "amount": 1000 * month,
                },
            )
            assert created.status_code == 201, created.text
            contributions.append(created.json())
    return employee.json(), contributions
