"""``portal events prune --older-than DAYS`` deletes what is older, keeps the rest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from portal.app.cli import main
from portal.bulk_insert import bulk_insert
from portal.clock import system_clock
from portal.config import Settings
from portal.db import Database
from portal.models import Event
from portal.models.base import table_of
from portal.services.actors import SYSTEM
from portal.services.events import EventType, event_row


async def _events(write: list[int] | None = None) -> list[str]:
    """Write events ``write`` days old (if given); the types of all events, oldest first."""
    database = Database.from_url(Settings.from_env().database_url)
    try:
        async with database.transaction() as session:
            if write:
                now = system_clock()
                await bulk_insert(session, table_of(Event), [
                    event_row(EventType.CONTACT_CREATED if age > 30 else EventType.CONTACT_UPDATED,
                              SYSTEM, occurred_at=now - timedelta(days=age))
                    for age in write
                ])  # fmt: skip
            return list(await session.scalars(select(Event.type).order_by(Event.sequence)))
    finally:
        await database.dispose()


def test_prune_deletes_events_older_than_the_given_days(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    asyncio.run(_events([45, 31, 29, 1]))
    refused = runner.invoke(main, ["events", "prune", "--older-than", "0"])
    assert refused.exit_code != 0
    result = runner.invoke(main, ["events", "prune", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 events" in result.output
    assert asyncio.run(_events()) == ["contact.updated", "contact.updated"]
