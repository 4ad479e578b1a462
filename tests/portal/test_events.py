"""The events service below the API: secrets refused at recording, pruning by age, and a
rolled-back transaction leaves no event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Event
from portal.services.actors import SYSTEM
from portal.services.events import EventType, event_row, prune_events, record_event


def test_secret_names_are_refused(clock: FrozenClock) -> None:
    for name in ("password_hash", "token", "setup_token_hash", "secret", "recovery_codes"):
        with pytest.raises(ValueError, match="secret"):
            event_row(EventType.CONTACT_UPDATED, SYSTEM, occurred_at=clock(), changes={name: 1})
        with pytest.raises(ValueError, match="secret"):
            event_row(EventType.CONTACT_UPDATED, SYSTEM, occurred_at=clock(), details={name: 1})


async def _count(runtime: Runtime) -> int:
    async with runtime.database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_rollback_and_prune(runtime: Runtime, clock: FrozenClock) -> None:
    with pytest.raises(RuntimeError):
        async with runtime.database.transaction() as session:
            await record_event(session, EventType.CONTACT_CREATED, SYSTEM)
            raise RuntimeError("the request failed")
    assert await _count(runtime) == 0
    async with runtime.database.transaction() as session:
        old = await record_event(session, EventType.CONTACT_CREATED, SYSTEM)
    clock.advance(timedelta(days=31))
    async with runtime.database.transaction() as session:
        new = await record_event(session, EventType.CONTACT_DELETED, SYSTEM)
    assert new.sequence > old.sequence and new.id != old.id
    async with runtime.database.transaction() as session:
        assert await prune_events(session, clock() - timedelta(days=30)) == 1
    assert await _count(runtime) == 1
