"""Acknowledged writes survive, and bad input gets a 4xx that says why."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from tests._services import Backing, ServiceProcess
from tests.integration._data import new_employee_with_contributions, unique_rssb

pytestmark = pytest.mark.integration


def test_acknowledged_writes_survive_a_restart(oracle: ServiceProcess) -> None:
    async def write_many() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=oracle.url, timeout=20) as http:
            return await asyncio.gather(
                *(
                    http.post(
                        "/api/v1/employees",
                        json={
                            "firstname": "Burst",
                            "lastname": f"N{i}",
                            "rssbNumber": unique_rssb(),
                            "dob": "1985-01-01",
                        },
                    )
                    for i in range(30)
                )
            )

    acknowledged = [r.json() for r in asyncio.run(write_many()) if r.status_code == 201]
    assert len(acknowledged) == 30
    employee, contributions = new_employee_with_contributions(oracle.url)
    employer = httpx.post(
        f"{oracle.url}/api/v1/employers", json={"name": "Durable Ltd", "matricule": unique_rssb()}, timeout=10
    )
    assert employer.status_code == 201
    updated = httpx.patch(
        f"{oracle.url}/api/v1/contributions/{contributions[0]['id']}", json={"amount": 777}, timeout=10
    )
    assert updated.status_code == 200

    oracle.restart()

    with httpx.Client(base_url=oracle.url, timeout=10) as http:
        for item in [*acknowledged, employee]:
            assert http.get(f"/api/v1/employees/{item['id']}").json() == item
        assert http.get(f"/api/v1/employers/{employer.json()['id']}").json() == employer.json()
        stored = http.get("/api/v1/contributions", params={"rssbNumber": employee["rssbNumber"]}).json()
        assert [c["amount"] for c in stored["items"]] == [777, *(c["amount"] for c in contributions[1:])]


def test_delete_then_gone(oracle: ServiceProcess) -> None:
    employee, contributions = new_employee_with_contributions(oracle.url, periods=1)
    with httpx.Client(base_url=oracle.url, timeout=10) as http:
        blocked = http.delete(f"/api/v1/employees/{employee['id']}")
        assert blocked.status_code == 409
        assert "contributions" in blocked.json()["detail"]
        assert http.delete(f"/api/v1/contributions/{contributions[0]['id']}").status_code == 204
        assert http.delete(f"/api/v1/employees/{employee['id']}").status_code == 204
        assert http.get(f"/api/v1/employees/{employee['id']}").status_code == 404


def test_seed_is_idempotent(fresh_oracle: ServiceProcess) -> None:
    before = httpx.get(f"{fresh_oracle.url}/api/v1/contributions", params={"limit": 1000}, timeout=10).json()
    subprocess.run(
        [sys.executable, "-m", "vntp.services.oracle", "migrate"],
        env={**os.environ, **fresh_oracle.env},
        check=True,
        timeout=120,
        capture_output=True,
    )
    after = httpx.get(f"{fresh_oracle.url}/api/v1/contributions", params={"limit": 1000}, timeout=10).json()
    assert after == before
    assert httpx.get(f"{fresh_oracle.url}/api/v1/employers", timeout=10).json()["total"] == 1


def _employee(**overrides: Any) -> dict[str, Any]:
    return {"firstname": "Ada", "lastname": "Bad", "rssbNumber": unique_rssb(), "dob": "1990-01-01", **overrides}


def _contribution(**overrides: Any) -> dict[str, Any]:
    return {"period": "2024-05", "rssbNumber": "1023829A", "matricule": "3100000000A", "amount": 100, **overrides}


BAD_REQUESTS = [
    pytest.param("POST", "/api/v1/employees", b"{not json", 400, None, id="malformed-body"),
    pytest.param("POST", "/api/v1/employees", _employee(dob="yesterday"), 400, "dob", id="bad-date"),
    pytest.param("POST", "/api/v1/employees", _employee(firstname=""), 400, "firstname", id="empty-name"),
    pytest.param("POST", "/api/v1/employees", _employee(rssbNumber="12-34"), 400, "rssbNumber", id="bad-rssb"),
    pytest.param("POST", "/api/v1/employees", _employee(salary=5), 400, "salary", id="unknown-field"),
    pytest.param("POST", "/api/v1/employees", [1, 2], 400, None, id="array-body"),
    pytest.param("POST", "/api/v1/employees", b"", 400, "body", id="empty-body"),
    pytest.param("POST", "/api/v1/employees", {"firstname": "Ada"}, 400, "lastname", id="missing-field"),
    pytest.param("POST", "/api/v1/employees", _employee(lastname="a\u0000b"), 400, "lastname", id="nul-character"),
    pytest.param("POST", "/api/v1/employees", _employee(firstname="   "), 400, "firstname", id="blank-name"),
    pytest.param("POST", "/api/v1/employees", _employee(dob="2999-01-01"), 400, "dob", id="born-in-future"),
    pytest.param("POST", "/api/v1/employees", b"[" * 100_000 + b"]" * 100_000, 400, None, id="deep-nesting"),
    pytest.param("POST", "/api/v1/employees", _employee(rssbNumber="1023829A"), 409, "rssbNumber", id="dup-rssb"),
    pytest.param(
        "POST", "/api/v1/employers", {"name": "X", "matricule": "3100000000A"}, 409, "matricule", id="dup-matricule"
    ),
    pytest.param("POST", "/api/v1/contributions", _contribution(amount="lots"), 400, "amount", id="amount-type"),
    pytest.param("POST", "/api/v1/contributions", _contribution(amount=-5), 400, "amount", id="negative-amount"),
    pytest.param("POST", "/api/v1/contributions", _contribution(amount=1.5), 400, "amount", id="fractional-amount"),
    pytest.param("POST", "/api/v1/contributions", _contribution(period="2024-13"), 400, "period", id="bad-month"),
    pytest.param("POST", "/api/v1/contributions", _contribution(period="24-01"), 400, "period", id="bad-period"),
    pytest.param(
        "POST", "/api/v1/contributions", _contribution(rssbNumber="9999999Y"), 400, "rssbNumber", id="unknown-employee"
    ),
    pytest.param(
        "POST", "/api/v1/contributions", _contribution(matricule="9999999999Y"), 400, "matricule", id="unknown-employer"
    ),
    pytest.param(
        "POST", "/api/v1/contributions", _contribution(period="2025-01"), 409, "period", id="dup-contribution"
    ),
    pytest.param("GET", "/api/v1/contributions?periodFrom=2024-1", None, 400, "periodFrom", id="bad-period-query"),
    pytest.param(
        "GET", "/api/v1/contributions?periodFrom=2025-03&periodTo=2025-01", None, 400, "periodFrom", id="inverted-range"
    ),
    pytest.param("GET", "/api/v1/employees?limit=0", None, 400, "limit", id="zero-limit"),
    pytest.param("GET", "/api/v1/employees?offset=-1", None, 400, "offset", id="negative-offset"),
    pytest.param("GET", "/api/v1/employees?offset=99999999999999999999", None, 400, "offset", id="huge-offset"),
    pytest.param("GET", "/api/v1/contributions?periodTo=0000-01", None, 400, "periodTo", id="year-zero"),
    pytest.param("GET", "/api/v1/employees/00000000-0000-4000-8000-000000000000", None, 404, None, id="unknown-id"),
    pytest.param("GET", "/api/v1/employees/not-a-uuid", None, 404, None, id="not-a-uuid"),
    pytest.param(
        "PATCH",
        "/api/v1/employees/00000000-0000-4000-8000-000000000000",
        {"firstname": "Z"},
        404,
        None,
        id="patch-unknown",
    ),
    pytest.param(
        "DELETE", "/api/v1/contributions/00000000-0000-4000-8000-000000000000", None, 404, None, id="delete-unknown"
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), BAD_REQUESTS)
def test_bad_input_gets_a_clear_4xx(
    oracle: ServiceProcess, method: str, path: str, body: Any, status: int, field: str | None
) -> None:
    if isinstance(body, bytes):
        response = httpx.request(method, f"{oracle.url}{path}", content=body, timeout=10)
    else:
        response = httpx.request(method, f"{oracle.url}{path}", json=body, timeout=10)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["detail"]
    if field is not None:
        assert field in response.text
        assert "_" not in str([item.get("key") for item in payload.get("extra", [])]), "keys use wire names"
    for leak in ("Traceback", "sqlalchemy", "asyncpg", "SELECT", "INSERT", "constraint"):
        assert leak not in response.text


def test_past_the_last_page_the_total_still_counts(oracle: ServiceProcess) -> None:
    response = httpx.get(f"{oracle.url}/api/v1/employees", params={"offset": 100_000}, timeout=10).json()
    assert response["items"] == []
    assert response["total"] >= 2


def test_a_database_outage_is_503_not_500(backing: Backing, oracle: ServiceProcess) -> None:
    backing.postgres.stop(mode="immediate")
    try:
        for method, path in (("GET", "/api/v1/employees"), ("POST", "/api/v1/employers")):
            body = {"name": "Down", "matricule": unique_rssb()} if method == "POST" else None
            started = time.monotonic()
            response = httpx.request(method, f"{oracle.url}{path}", json=body, timeout=20)
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"]
            assert time.monotonic() - started < 10
    finally:
        backing.postgres.start()
    assert httpx.get(f"{oracle.url}/api/v1/employees", timeout=10).status_code == 200


@pytest.mark.parametrize("rssb", ["abc", "1023829a", "12345678901234Z", "%20"])
def test_imisanzu_rejects_malformed_rssb(imisanzu: ServiceProcess, rssb: str) -> None:
    for path in (f"/api/v1/employees/{rssb}", f"/api/v1/contributions/employee/{rssb}"):
        response = httpx.get(f"{imisanzu.url}{path}", timeout=10)
        assert response.status_code == 400
        assert "rssbNumber" in response.text


def test_the_seed_loads_once_and_user_changes_stay(fresh_oracle: ServiceProcess) -> None:
    with httpx.Client(base_url=fresh_oracle.url, timeout=10) as http:
        seeded = http.get("/api/v1/employees", params={"rssbNumber": "1045672B"}).json()["items"][0]
        renamed = http.patch(f"/api/v1/employees/{seeded['id']}", json={"rssbNumber": "1045672C"})
        assert renamed.status_code == 200
        moved = http.get("/api/v1/contributions", params={"rssbNumber": "1045672C"}).json()["total"]
        assert moved == 3
        fresh_oracle.restart()
        assert http.get("/api/v1/employees", params={"rssbNumber": "1045672B"}).json()["total"] == 0
        assert http.get("/api/v1/employees").json()["total"] == 2
        assert http.get("/api/v1/contributions", params={"rssbNumber": "1045672C"}).json()["total"] == moved
