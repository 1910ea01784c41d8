"""The seed's "Manual Testing Flow", against real oracle, imisanzu, Postgres and Redis."""

from __future__ import annotations

import httpx
import pytest

from tests._services import ServiceProcess

pytestmark = pytest.mark.integration


def test_manual_testing_flow(fresh_oracle: ServiceProcess, fresh_imisanzu: ServiceProcess) -> None:
    oracle = fresh_oracle
    imisanzu = fresh_imisanzu
    with httpx.Client(timeout=10) as http:
        employees = http.get(f"{oracle.url}/api/v1/employees").json()
        assert employees["total"] == 2
        assert {e["rssbNumber"] for e in employees["items"]} >= {"1023829A"}
        assert http.get(f"{oracle.url}/api/v1/contributions").json()["total"] >= 2
        seeded = http.get(f"{oracle.url}/api/v1/contributions", params={"rssbNumber": "1023829A"}).json()
        assert seeded["total"] >= 2
        assert {c["rssbNumber"] for c in seeded["items"]} == {"1023829A"}

        assert http.get(f"{imisanzu.url}/api/v1/employees").json() == {
            "items": [],
            "total": 0,
            "limit": 20,
            "offset": 0,
        }

        synced = http.get(f"{imisanzu.url}/api/v1/employees/1023829A")
        assert synced.status_code == 200
        assert synced.headers["X-Synced"] == "true"
        assert synced.json()["rssbNumber"] == "1023829A"
        again = http.get(f"{imisanzu.url}/api/v1/employees/1023829A")
        assert again.headers["X-Synced"] == "false"
        assert again.json() == synced.json()

        local = http.get(f"{imisanzu.url}/api/v1/employees").json()
        assert local["total"] == 1
        assert local["items"][0]["rssbNumber"] == "1023829A"

        first = http.get(f"{imisanzu.url}/api/v1/contributions/employee/1023829A")
        second = http.get(f"{imisanzu.url}/api/v1/contributions/employee/1023829A")
        assert (first.status_code, second.status_code) == (200, 200)
        assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
        assert first.json()["contributions"] == second.json()["contributions"] == seeded["items"]
        assert first.json()["totalAmount"] == sum(c["amount"] for c in seeded["items"])

        stats = http.get(f"{imisanzu.url}/api/v1/contributions/cache/stats").json()
        assert stats["hits"] == 1
        assert stats["misses"] == 1
        assert stats["keys"] == 1
        assert stats["hitRatio"] == 0.5


def test_unknown_employee_is_404_in_both(oracle: ServiceProcess, imisanzu: ServiceProcess) -> None:
    response = httpx.get(f"{imisanzu.url}/api/v1/employees/9999990Z", timeout=10)
    assert response.status_code == 404
    assert "9999990Z" in response.json()["detail"]


def test_openapi_and_probes(oracle: ServiceProcess, imisanzu: ServiceProcess) -> None:
    for service in (oracle, imisanzu):
        schema = httpx.get(f"{service.url}/docs/openapi.json", timeout=10).json()
        assert any(path.startswith("/api/v1/") for path in schema["paths"])
        assert httpx.get(f"{service.url}/docs", timeout=10).status_code == 200
        assert httpx.get(f"{service.url}/health", timeout=10).json() == {"status": "ok"}
        assert httpx.get(f"{service.url}/ready", timeout=10).json()["status"] == "ready"
