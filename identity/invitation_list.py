"""The list of invitations staff review: filtered by status and contact and paged in SQL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from identity.invitations import InvitationStatus
from portal.models import Invitation, PortalUser
from portal.models.base import session_now
from portal.pagination import Page
from portal.services.timeline import newest_first


def in_status(status: InvitationStatus, now: datetime) -> ColumnElement[bool]:
    """:func:`status_of` as a condition on the invitations table, so a list filters in SQL."""
    if status is InvitationStatus.ACCEPTED:
        return Invitation.accepted_at.is_not(None)
    if status is InvitationStatus.REVOKED:
        return and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_not(None))
    open_ = and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    expired = Invitation.expires_at <= now
    return and_(open_, expired if status is InvitationStatus.EXPIRED else ~expired)


async def list_invitations(
    session: AsyncSession,
    *,
    status: InvitationStatus | None,
    contact_id: uuid.UUID | None,
    first: int | None,
    after: str | None,
) -> Page[Invitation]:
    """Invitations, newest first, by status and contact: filtered and paged in SQL. Each
    invitation's portal user comes in the same statement (``page.related`` by invitation id)."""
    conditions = []
    if contact_id is not None:
        conditions.append(Invitation.contact_id == contact_id)
    if status is not None:
        conditions.append(in_status(status, session_now(session)))
    return await newest_first(
        session,
        Invitation,
        conditions,
        first=first,
        after=after,
        time_column="created_at",
        join=(PortalUser, PortalUser.id == Invitation.portal_user_id),
    )
