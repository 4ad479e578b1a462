"""Running Alembic migrations from the application (``portal db upgrade``, ``portal serve``)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from portal.db import create_engine
from portal.models import Base
from portal.models.contact_search import include_in_comparison

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _migrate_on(connection: Connection, config: Config, revision: str, downgrade: bool) -> None:
    config.attributes["connection"] = connection
    if downgrade:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def _current_on(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _diff_on(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_in_comparison}
    )
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (ix_contacts_name_order), so they are not
        # compared there; PostgreSQL reflects and compares them.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return list(compare_metadata(context, Base.metadata))


async def upgrade_database_async(
    database_url: str, revision: str = "head", *, downgrade: bool = False
) -> None:
    """Migrate the database at ``database_url`` up (or down) to ``revision``."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(
                _migrate_on, alembic_config(database_url), revision, downgrade
            )
            await connection.commit()
    finally:
        await engine.dispose()


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Synchronous wrapper of :func:`upgrade_database_async` for the CLI."""
    asyncio.run(upgrade_database_async(database_url, revision))


async def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_on)
    finally:
        await engine.dispose()


async def schema_differences(database_url: str) -> list[object]:
    """What differs between the migrated database and the models (empty: they match)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_diff_on)
    finally:
        await engine.dispose()
