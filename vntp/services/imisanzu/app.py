"""The imisanzu app: employees synced from oracle, contributions cached in Redis."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from vntp import __version__
from vntp.services._app import build_app, database_config
from vntp.services._logging import configure_logging
from vntp.services._settings import ServiceSettings, load_settings
from vntp.services._telemetry import setup_telemetry
from vntp.services.imisanzu.cache import ContributionCache
from vntp.services.imisanzu.controllers import ContributionController, EmployeeController
from vntp.services.imisanzu.oracle_client import CircuitBreaker, OracleClient
from vntp.services.imisanzu.services import ContributionLookup, EmployeeService

__all__ = ("BIND_KEY", "MIGRATIONS", "create_app", "settings_from_env")

MIGRATIONS = Path(__file__).parent / "migrations"
BIND_KEY = "imisanzu"


def settings_from_env() -> ServiceSettings:
    return load_settings(
        "imisanzu", default_port=3001, default_database_url="postgresql+asyncpg://vntp:vntp@localhost:5432/imisanzu"
    )


async def provide_employees(db_session: AsyncSession) -> AsyncGenerator[EmployeeService, None]:
    yield EmployeeService(session=db_session)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    """Build the imisanzu app from ``settings`` (default: the environment)."""
    settings = settings or settings_from_env()
    configure_logging(settings.log_level)
    telemetry = setup_telemetry(settings.name, __version__)
    telemetry.instrument_redis()
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
        health_check_interval=30,
    )
    oracle = OracleClient(
        settings.oracle_url,
        settings.oracle_timeout,
        breaker=CircuitBreaker(settings.oracle_fail_fast_after or 10**9, settings.oracle_fail_fast_for),
    )
    telemetry.instrument_httpx(oracle.http)
    lookup = ContributionLookup(ContributionCache(redis, settings.cache_ttl, settings.stale_ttl), oracle)

    async def redis_answers() -> None:
        await redis.ping()

    async def close(_: Litestar) -> None:
        await oracle.aclose()
        await redis.aclose()

    def provide_oracle(state: State) -> OracleClient:
        return oracle

    def provide_lookup(state: State) -> ContributionLookup:
        return lookup

    return build_app(
        settings,
        telemetry=telemetry,
        description="Employees synced from oracle on first use; contributions through a Redis cache.",
        db=database_config(settings, MIGRATIONS, BIND_KEY),
        route_handlers=[EmployeeController, ContributionController],
        dependencies={
            "employees": Provide(provide_employees),
            "oracle": Provide(provide_oracle, sync_to_thread=False),
            "lookup": Provide(provide_lookup, sync_to_thread=False),
        },
        checks={"redis": redis_answers},
        on_shutdown=[close],
    )
