"""What both Litestar apps share: database plugin, OpenAPI, errors, probes, logging."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import ControllerRouterHandler
from sqlalchemy import text

from vntp import __version__
from vntp.services._errors import exception_handlers
from vntp.services._health import ReadinessCheck, health_handlers
from vntp.services._logging import request_log_middleware
from vntp.services._migrations import alembic_config
from vntp.services._settings import ServiceSettings

__all__ = ("build_app", "database_config")


def database_config(settings: ServiceSettings, migrations: Path, bind_key: str) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy config of one service's database."""
    return SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        bind_key=bind_key,
        session_dependency_key="db_session",
        before_send_handler="autocommit",
        create_all=False,
        alembic_config=alembic_config(migrations, bind_key),
    )


def build_app(
    settings: ServiceSettings,
    *,
    description: str,
    db: SQLAlchemyAsyncConfig,
    route_handlers: Sequence[ControllerRouterHandler],
    dependencies: Mapping[str, Any],
    checks: Mapping[str, ReadinessCheck] | None = None,
    on_startup: Sequence[Callable[..., Any]] = (),
    on_shutdown: Sequence[Callable[..., Any]] = (),
    plugins: Sequence[Any] = (),
) -> Litestar:
    """Assemble a service app; the production app and the tested app are this one."""

    async def database_answers() -> None:
        async with db.get_engine().connect() as connection:
            await connection.execute(text("SELECT 1"))

    return Litestar(
        route_handlers=[*route_handlers, *health_handlers({"database": database_answers, **(checks or {})})],
        dependencies=dict(dependencies),
        plugins=[SQLAlchemyPlugin(config=db), *plugins],
        exception_handlers=exception_handlers,
        middleware=[request_log_middleware],
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        openapi_config=OpenAPIConfig(
            title=settings.name,
            version=__version__,
            description=description,
            path="/docs",
            render_plugins=[SwaggerRenderPlugin(path=["/", "/swagger"])],
        ),
        logging_config=None,
        debug=False,
    )
