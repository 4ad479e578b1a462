"""Migration 0015 removes the links that messages sent before it still held."""

from __future__ import annotations

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.migrate import current_revision, head_revision, upgrade_database_async
from portal.models import OutboxMessage

RESET = {"reset_url": "https://portal.example.test/password/reset?token=old", "first_name": "A"}


async def test_links_of_messages_sent_before_are_removed(
    runtime: Runtime, database_url: str
) -> None:
    await upgrade_database_async(database_url, "0014", downgrade=True)
    try:
        # Rows as the outbox wrote them before links were sealed: plain context.
        async with runtime.database.transaction() as session:
            for to, status in (("sent@example.de", "sent"), ("queued@example.de", "pending")):
                session.add(
                    OutboxMessage(
                        template="password_reset", to_address=to, language="de",
                        formality="formal", context=dict(RESET), status=status, attempts=0,
                        next_attempt_at=runtime.settings.clock(),
                    )
                )  # fmt: skip
    finally:
        await upgrade_database_async(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    async with runtime.database.transaction() as session:
        rows = {m.to_address: m.context for m in await session.scalars(select(OutboxMessage))}
    assert rows == {
        "sent@example.de": {"reset_url": {"removed": "after delivery"}, "first_name": "A"},
        "queued@example.de": RESET,  # still to be sent: delivery removes it then
    }
