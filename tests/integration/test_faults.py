"""What imisanzu does when many clients miss at once, when Redis is down and when oracle is."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests._services import Backing, ServiceProcess
from tests.integration._data import new_employee_with_contributions, unique_rssb

pytestmark = pytest.mark.integration

ORACLE_CONTRIBUTION_CALL = "route=/api/v1/contributions status="


def _oracle_calls(oracle: ServiceProcess) -> int:
    return oracle.log().count(ORACLE_CONTRIBUTION_CALL)


def _wait_for_calls(oracle: ServiceProcess, at_least: int, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while _oracle_calls(oracle) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let any further call land in the log
    return _oracle_calls(oracle)


def test_concurrent_misses_make_one_oracle_call(oracle: ServiceProcess, imisanzu: ServiceProcess) -> None:
    employee, contributions = new_employee_with_contributions(oracle.url)
    rssb = employee["rssbNumber"]
    before = _oracle_calls(oracle)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=imisanzu.url, timeout=15, limits=httpx.Limits(max_connections=60)
        ) as http:
            return await asyncio.gather(*(http.get(f"/api/v1/contributions/employee/{rssb}") for _ in range(50)))

    responses = asyncio.run(burst())

    assert [r.status_code for r in responses] == [200] * 50
    assert {len(r.json()["contributions"]) for r in responses} == {len(contributions)}
    assert _wait_for_calls(oracle, before + 1) - before == 1


def test_redis_down_answers_from_oracle(
    backing: Backing, oracle: ServiceProcess, imisanzu: ServiceProcess, redis_down: None
) -> None:
    employee, contributions = new_employee_with_contributions(oracle.url)
    with httpx.Client(base_url=imisanzu.url, timeout=10) as http:
        for _ in range(3):
            started = time.monotonic()
            response = http.get(f"/api/v1/contributions/employee/{employee['rssbNumber']}")
            assert response.status_code == 200
            assert response.headers["X-Cache"] == "BYPASS"
            assert [c["id"] for c in response.json()["contributions"]] == [c["id"] for c in contributions]
            assert time.monotonic() - started < 3
        stats = http.get("/api/v1/contributions/cache/stats").json()
        assert stats["available"] is False
        assert stats["bypasses"] >= 3
        ready = http.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"].startswith("down")


def test_cache_comes_back_after_redis_restarts(
    backing: Backing, oracle: ServiceProcess, imisanzu: ServiceProcess
) -> None:
    employee, _ = new_employee_with_contributions(oracle.url)
    url = f"{imisanzu.url}/api/v1/contributions/employee/{employee['rssbNumber']}"
    backing.redis.stop()
    try:
        assert httpx.get(url, timeout=10).headers["X-Cache"] == "BYPASS"
    finally:
        backing.redis.start()
    time.sleep(1.2)  # the cache is left alone for a second after a failure
    assert httpx.get(url, timeout=10).headers["X-Cache"] == "MISS"
    assert httpx.get(url, timeout=10).headers["X-Cache"] == "HIT"


def test_oracle_down_serves_what_imisanzu_has(
    backing: Backing, oracle: ServiceProcess, imisanzu: ServiceProcess
) -> None:
    employee, contributions = new_employee_with_contributions(oracle.url)
    rssb = employee["rssbNumber"]
    stale_only, _ = new_employee_with_contributions(oracle.url)
    with httpx.Client(base_url=imisanzu.url, timeout=10) as http:
        assert http.get(f"/api/v1/employees/{rssb}").status_code == 200
        assert http.get(f"/api/v1/contributions/employee/{rssb}").headers["X-Cache"] == "MISS"
        assert http.get(f"/api/v1/contributions/employee/{stale_only['rssbNumber']}").status_code == 200
        import redis

        redis.Redis.from_url(backing.redis.url()).delete(f"imisanzu:contributions:{stale_only['rssbNumber']}")

        oracle.stop()
        try:
            local = http.get(f"/api/v1/employees/{rssb}")
            assert local.status_code == 200
            assert local.json()["rssbNumber"] == rssb

            cached = http.get(f"/api/v1/contributions/employee/{rssb}")
            assert cached.status_code == 200
            assert cached.headers["X-Cache"] == "HIT"
            assert len(cached.json()["contributions"]) == len(contributions)

            stale = http.get(f"/api/v1/contributions/employee/{stale_only['rssbNumber']}")
            assert stale.status_code == 200
            assert stale.headers["X-Cache"] == "STALE"

            for path in (f"/api/v1/employees/{unique_rssb()}", f"/api/v1/contributions/employee/{unique_rssb()}"):
                started = time.monotonic()
                response = http.get(path)
                assert response.status_code == 503
                assert int(response.headers["Retry-After"]) > 0
                assert "oracle" in response.json()["detail"]
                assert time.monotonic() - started < 4
        finally:
            oracle.start()
            time.sleep(1.1)  # imisanzu fails fast for ORACLE_FAIL_FAST_FOR after repeated failures


def test_hung_oracle_times_out_in_bounded_time(oracle: ServiceProcess, imisanzu: ServiceProcess) -> None:
    oracle.pause()
    try:
        started = time.monotonic()
        response = httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/{unique_rssb()}", timeout=15)
        elapsed = time.monotonic() - started
    finally:
        oracle.resume()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert elapsed < 4  # ORACLE_TIMEOUT is 2 s in these tests
    time.sleep(1.1)


def test_a_hung_oracle_soon_costs_requests_nothing(oracle: ServiceProcess, imisanzu: ServiceProcess) -> None:
    # A call that reaches oracle first, so earlier tests' failures do not count here.
    assert httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/{unique_rssb()}", timeout=10).status_code == 200
    oracle.pause()
    try:
        timings = []
        with httpx.Client(base_url=imisanzu.url, timeout=15) as http:
            for _ in range(5):
                started = time.monotonic()
                response = http.get(f"/api/v1/contributions/employee/{unique_rssb()}")
                timings.append(time.monotonic() - started)
                assert response.status_code == 503
                assert response.headers["Retry-After"]
    finally:
        oracle.resume()
    assert all(t > 1.5 for t in timings[:3]), timings  # each waits for ORACLE_TIMEOUT (2 s)
    assert all(t < 0.5 for t in timings[3:]), timings  # then imisanzu stops waiting
    time.sleep(1.1)
    assert httpx.get(f"{imisanzu.url}/api/v1/contributions/employee/1023829A", timeout=10).status_code == 200
