"""Logic of the services that needs no server: settings, single-flight, error mapping."""

from __future__ import annotations

import asyncio
import socket

import pytest

from vntp.services._settings import SettingsError, load_settings
from vntp.services.imisanzu.cache import CacheStats, SingleFlight


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/x")
    monkeypatch.setenv("PORT", "4000")
    monkeypatch.setenv("ORACLE_URL", "http://oracle:3002/")
    settings = load_settings("imisanzu", default_port=3001, default_database_url="postgresql://x/y")
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/x"
    assert settings.port == 4000
    assert settings.oracle_url == "http://oracle:3002"


@pytest.mark.parametrize(
    ("name", "value", "mentions"),
    [
        ("PORT", "eighty", "PORT"),
        ("PORT", "70000", "PORT"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL"),
        ("ORACLE_TIMEOUT", "-1", "ORACLE_TIMEOUT"),
        ("ORACLE_URL", "ftp://oracle", "ORACLE_URL"),
        ("WORKERS", "0", "WORKERS"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, mentions: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=mentions):
        load_settings("oracle", default_port=3002, default_database_url="postgresql://x/y")


async def test_single_flight_shares_one_load() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0
    gate = asyncio.Event()

    async def load() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return 42

    waiting = [asyncio.create_task(flights.do("k", load)) for _ in range(20)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiting) == [42] * 20
    assert calls == 1
    assert await flights.do("k", load) == 42
    assert calls == 2


async def test_single_flight_shares_the_failure_and_then_retries() -> None:
    flights: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()

    async def failing() -> int:
        await gate.wait()
        raise ConnectionError("down")

    waiting = [asyncio.create_task(flights.do("k", failing)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)

    async def fine() -> int:
        return 7

    assert await flights.do("k", fine) == 7


def test_hit_ratio() -> None:
    assert CacheStats(hits=3, misses=1, bypasses=0, keys=1, available=True).hit_ratio == 0.75
    assert CacheStats(hits=0, misses=0, bypasses=2, keys=0, available=False).hit_ratio == 0.0


def test_the_breaker_fails_fast_after_repeated_failures_then_tries_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from vntp.services._errors import UpstreamUnavailable
    from vntp.services.imisanzu import oracle_client

    now = [1000.0]
    monkeypatch.setattr(oracle_client.time, "monotonic", lambda: now[0])
    breaker = oracle_client.CircuitBreaker(trip_after=3, open_for=5.0)
    for _ in range(2):
        breaker.check()
        breaker.failed()
    breaker.check()  # two failures: still calling
    breaker.failed()
    with pytest.raises(UpstreamUnavailable, match="not calling it") as raised:
        breaker.check()
    assert raised.value.headers["Retry-After"] == "5"
    now[0] += 5.0
    breaker.check()  # one trial call after the pause
    with pytest.raises(UpstreamUnavailable):
        breaker.check()  # the others still fail fast while it runs
    breaker.succeeded()
    breaker.check()


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(cause: BaseException) -> Exception:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise RuntimeError("repository failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (_wrapped(socket.gaierror(-2, "Name or service not known")), 503),
        (_wrapped(ConnectionRefusedError(111, "refused")), 503),
        (_wrapped(_DriverError("57P03")), 503),
        (_wrapped(_DriverError("08006")), 503),
        (_wrapped(_DriverError("22021")), 400),
        (RecursionError("deep"), 400),
        (ValueError("a bug"), 500),
    ],
)
def test_one_place_maps_server_side_errors(error: Exception, status: int) -> None:
    from litestar.testing import RequestFactory

    from vntp.services._errors import exception_handlers

    response = exception_handlers[Exception](RequestFactory().get("/api/v1/employees"), error)
    assert response.status_code == status
    assert ("Retry-After" in response.headers) == (status == 503)
    assert "Traceback" not in str(response.content)
