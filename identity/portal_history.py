"""The portal's own events in the contact's history: registered, activated, linked (and how),
logged in (the first time, and daily if configured), password and email changed. Consent
changes are recorded by the consent service, a deleted account by self-service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from portal.models import PortalUser
from portal.models.base import session_now
from portal.services.actors import Actor, ActorType
from portal.services.contacts.history import add_history_entry

SOURCE = "portal"


class LinkedBy(StrEnum):
    """How a portal account found its contact."""

    EMAIL = "email"
    SECOND_IDENTIFIER = "second identifier"
    NEW_CONTACT = "a contact created at registration"
    STAFF = "staff"


def customer_actor(user: PortalUser) -> Actor:
    return Actor(ActorType.CUSTOMER, id=user.id, name=user.email)


async def record_portal_event(
    session: AsyncSession,
    user: PortalUser,
    description: str,
    *,
    occurred_at: datetime | None = None,
    actor: Actor | None = None,
) -> None:
    """A history entry on the user's contact (nothing while the user has none), visible to
    the customer."""
    if user.contact_id is None:
        return
    await add_history_entry(
        session, user.contact_id, actor or customer_actor(user), source=SOURCE,
        description=description, visible_to_customer=True, occurred_at=occurred_at,
    )  # fmt: skip


async def record_link(
    session: AsyncSession, user: PortalUser, linked_by: LinkedBy, actor: Actor | None = None
) -> None:
    """The account's story up to its link, on the contact it was just linked to: registered
    and activated (at the times they happened, before any contact was known), then linked."""
    await record_portal_event(
        session, user, "Registered for the portal", occurred_at=user.created_at
    )
    linked = f"linked to this contact by {linked_by}"
    if user.activated_at is not None and user.activated_at == session_now(session):
        # Activated and linked in one step (matching at activation): one entry, in order.
        await record_portal_event(session, user, f"Portal account activated and {linked}")
        return
    if user.activated_at is not None:
        await record_portal_event(
            session, user, "Portal account activated", occurred_at=user.activated_at
        )
    await record_portal_event(session, user, f"Portal account {linked}", actor=actor)


async def record_login(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser, now: datetime
) -> None:
    """Call before ``user.last_login_at`` moves to ``now``: the first login ever, and with
    ``history_daily_logins`` the first of each day (in the portal's time zone)."""
    previous = user.last_login_at
    if previous is None:
        await record_portal_event(session, user, "First portal login")
        return
    if env.settings.history_daily_logins:
        zone = ZoneInfo(env.settings.time_zone)
        if previous.astimezone(zone).date() != now.astimezone(zone).date():
            await record_portal_event(session, user, "Portal login")
