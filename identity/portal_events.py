"""Lifecycle events of portal users (see docs/events.md), recorded by the identity flows in
their own transaction. The actor is the customer unless the flow names another (staff,
support, an import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.portal_history import customer_actor
from portal.models import PortalUser
from portal.services.actors import Actor
from portal.services.events import EventType, record_event


async def record_user_event(
    session: AsyncSession,
    event_type: EventType,
    user: PortalUser,
    *,
    actor: Actor | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """An event about ``user`` (and its contact, when it has one). Call before deleting the
    row: the event keeps its ids."""
    if user.id is None:  # a new row gets its id at the flush
        await session.flush()
    await record_event(
        session, event_type, actor or customer_actor(user), contact_id=user.contact_id,
        portal_user_id=user.id, details=details,
    )  # fmt: skip
