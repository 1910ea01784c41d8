"""Alembic migrations through advanced-alchemy, shared by both services.

Each service keeps its revisions in its own ``migrations/`` folder, whose ``env.py``
calls :func:`run_env`. :func:`upgrade` is what a service runs before it serves.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, cast

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.base import metadata_registry
from advanced_alchemy.extensions.litestar import AlembicAsyncConfig, EngineConfig, SQLAlchemyAsyncConfig
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from advanced_alchemy.alembic.commands import AlembicCommandConfig
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ("alembic_config", "run_env", "upgrade")


def alembic_config(migrations: Path, bind_key: str) -> AlembicAsyncConfig:
    """The advanced-alchemy Alembic settings of one service."""
    return AlembicAsyncConfig(
        script_location=str(migrations),
        script_config=str(migrations / "alembic.ini"),
        version_table_name=f"{bind_key}_alembic_version",
    )


def upgrade(database_url: str, migrations: Path, bind_key: str) -> None:
    """Bring the database at ``database_url`` to the newest revision (blocking)."""
    config = SQLAlchemyAsyncConfig(
        connection_string=database_url,
        bind_key=bind_key,
        alembic_config=alembic_config(migrations, bind_key),
        engine_config=EngineConfig(poolclass=NullPool),
    )
    AlembicCommands(sqlalchemy_config=config).upgrade("head")


def run_env() -> None:
    """Body of each ``migrations/env.py``: run the pending revisions online."""
    from alembic import context

    config = cast("AlembicCommandConfig", context.config)
    metadata = metadata_registry.get(config.bind_key)

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=config.version_table_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = cast("AsyncEngine", config.engine)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(online())
