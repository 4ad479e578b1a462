"""Reading the events a test's requests recorded (straight from the table, as the webhook
dispatcher does)."""

from __future__ import annotations

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import Event


class EventLog:
    """The events recorded since the last :meth:`new` call, in sequence order."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen = 0

    async def new(self) -> list[Event]:
        async with self.runtime.database.snapshot() as session:
            rows = list(
                await session.scalars(
                    select(Event).where(Event.sequence > self.seen).order_by(Event.sequence)
                )
            )
            session.expunge_all()  # keep them readable after the snapshot's rollback
        if rows:
            self.seen = rows[-1].sequence
        return rows

    async def types(self) -> list[str]:
        return [event.type for event in await self.new()]
