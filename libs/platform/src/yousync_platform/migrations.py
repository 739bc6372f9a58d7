"""Alembic per service: each service's migrations/env.py calls `run_env`, start-up calls `upgrade`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from yousync_platform.db import asyncpg_url


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", asyncpg_url(url).replace("%", "%%"))
    return config


async def upgrade(migrations_dir: Path, url: str) -> None:
    """Migrate the service's schema to head (runs Alembic in a worker thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(migrations_dir, url), "head")


def run_env(metadata: MetaData) -> None:
    """The body of a service's migrations/env.py (online, async)."""
    schema = metadata.schema
    assert schema, "service metadata must name its schema"
    url = context.config.get_main_option("sqlalchemy.url")
    assert url

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(main())
