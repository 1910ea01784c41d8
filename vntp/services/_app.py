"""What both Litestar apps share: database plugin, OpenAPI, errors, probes, logging."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import EngineConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import ControllerRouterHandler
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from vntp import __version__
from vntp.services._errors import exception_handlers
from vntp.services._health import ReadinessCheck, health_handlers
from vntp.services._http import route_telemetry_middleware
from vntp.services._instruments import database_queries, database_query_duration, start_counters_at_zero
from vntp.services._migrations import alembic_config
from vntp.services._settings import ServiceSettings
from vntp.services._telemetry import Telemetry

__all__ = ("build_app", "database_config", "measure_queries")

_STARTED = "vntp_query_started"


def _operation(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "OTHER"
    return word if word in {"SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK"} else "OTHER"


def measure_queries(engine: AsyncEngine) -> None:
    """Count and time every SQL statement the engine runs (``database_queries``, ``database_query_duration``)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def started(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault(_STARTED, []).append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def finished(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        began = conn.info.get(_STARTED, [])
        operation = _operation(statement)
        if began:
            database_query_duration.record(time.perf_counter() - began.pop(), {"db.operation.name": operation})
        database_queries.add(1, {"db.operation.name": operation, "outcome": "ok"})

    @event.listens_for(sync_engine, "handle_error")
    def failed(context: Any) -> None:
        began = context.connection.info.get(_STARTED, []) if context.connection is not None else []
        if began:
            began.pop()
        database_queries.add(1, {"db.operation.name": _operation(context.statement or ""), "outcome": "error"})


def database_config(settings: ServiceSettings, migrations: Path, bind_key: str) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy config of one service's database."""
    return SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        bind_key=bind_key,
        session_dependency_key="db_session",
        before_send_handler="autocommit",
        create_all=False,
        alembic_config=alembic_config(migrations, bind_key),
        engine_config=EngineConfig(
            # NOTE: statement parameters hold personal data; they stay out of errors and logs.
            hide_parameters=True,
            # A restarted database leaves dead connections in the pool; test each before use.
            pool_pre_ping=True,
            pool_timeout=5,
            connect_args={"timeout": 5},
        ),
    )


def build_app(
    settings: ServiceSettings,
    *,
    telemetry: Telemetry,
    description: str,
    db: SQLAlchemyAsyncConfig,
    route_handlers: Sequence[ControllerRouterHandler],
    dependencies: Mapping[str, Any],
    checks: Mapping[str, ReadinessCheck] | None = None,
    on_shutdown: Sequence[Callable[..., Any]] = (),
) -> Litestar:
    """Assemble a service app; the production app and the tested app are this one."""

    start_counters_at_zero(settings.name)
    engine = db.get_engine()
    telemetry.instrument_engine(engine)
    measure_queries(engine)
    otel_plugin = telemetry.litestar_plugin()

    async def flush_telemetry() -> None:
        telemetry.shutdown()

    async def database_answers() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return Litestar(
        route_handlers=[*route_handlers, *health_handlers({"database": database_answers, **(checks or {})})],
        dependencies=dict(dependencies),
        plugins=[SQLAlchemyPlugin(config=db), *([otel_plugin] if otel_plugin else [])],
        exception_handlers=exception_handlers,
        middleware=[route_telemetry_middleware],
        on_shutdown=[*on_shutdown, flush_telemetry],
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
