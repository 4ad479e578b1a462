"""Migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from portal.migrate import (
    current_revision,
    head_revision,
    schema_differences,
    upgrade_database_async,
)


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    # The fixture's database was built by `alembic upgrade head` (never create_all).
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []


async def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    await upgrade_database_async(database_url, "base", downgrade=True)
    assert await current_revision(database_url) is None
    await upgrade_database_async(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []
