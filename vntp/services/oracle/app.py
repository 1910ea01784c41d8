"""The oracle app: master data of employees, employers and contributions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from vntp import __version__
from vntp.services._app import build_app, database_config
from vntp.services._logging import configure_logging
from vntp.services._settings import ServiceSettings, load_settings
from vntp.services._telemetry import setup_telemetry
from vntp.services.oracle.controllers import ContributionController, EmployeeController, EmployerController
from vntp.services.oracle.services import ContributionService, EmployeeService, EmployerService

__all__ = ("MIGRATIONS", "create_app", "settings_from_env")

MIGRATIONS = Path(__file__).parent / "migrations"
BIND_KEY = "oracle"


def settings_from_env() -> ServiceSettings:
    return load_settings(
        "oracle", default_port=3002, default_database_url="postgresql+asyncpg://vntp:vntp@localhost:5433/oracle"
    )


async def provide_employees(db_session: AsyncSession) -> AsyncGenerator[EmployeeService, None]:
    yield EmployeeService(session=db_session)


async def provide_employers(db_session: AsyncSession) -> AsyncGenerator[EmployerService, None]:
    yield EmployerService(session=db_session)


async def provide_contributions(db_session: AsyncSession) -> AsyncGenerator[ContributionService, None]:
    yield ContributionService(session=db_session)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    """Build the oracle app from ``settings`` (default: the environment)."""
    settings = settings or settings_from_env()
    configure_logging(settings.log_level)
    return build_app(
        settings,
        telemetry=setup_telemetry(settings.name, __version__),
        description="Master data: employees, employers and their monthly contributions.",
        db=database_config(settings, MIGRATIONS, BIND_KEY),
        route_handlers=[EmployeeController, EmployerController, ContributionController],
        dependencies={
            "employees": Provide(provide_employees),
            "employers": Provide(provide_employers),
            "contributions": Provide(provide_contributions),
        },
    )
