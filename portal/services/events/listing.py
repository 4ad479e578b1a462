"""The staff's read-only view of recorded events: newest first by sequence, filtered through
the indexes the table has (type, contact, portal user)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import Event
from portal.pagination import Page, check_page_size, count_up_to_bound, decode_cursor
from portal.services.events.catalogue import EventType


async def list_events(
    session: AsyncSession,
    *,
    event_type: EventType | None = None,
    contact_id: uuid.UUID | None = None,
    portal_user_id: uuid.UUID | None = None,
    first: int | None,
    after: str | None,
) -> Page[Event]:
    """Events newest first (keyset on ``sequence``, which every filter's index ends in)."""
    limit = check_page_size(first)
    conditions: list[ColumnElement[bool]] = []
    if event_type is not None:
        conditions.append(Event.type == event_type.value)
    if contact_id is not None:
        conditions.append(Event.contact_id == contact_id)
    if portal_user_id is not None:
        conditions.append(Event.portal_user_id == portal_user_id)
    query = select(Event).where(*conditions)
    if after:
        (last,) = decode_cursor(after, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.")
        query = query.where(Event.sequence < last)
    rows = (await session.scalars(query.order_by(Event.sequence.desc()).limit(limit + 1))).all()

    async def count_total() -> int:
        return await count_up_to_bound(session, Event, conditions)

    return Page.from_rows(
        rows, limit, lambda event: (event.sequence,), after_given=after is not None,
        count_total=count_total,
    )  # fmt: skip
