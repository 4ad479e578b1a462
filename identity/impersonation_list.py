"""The list of impersonations staff review: filtered by state and portal user and paged in SQL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from identity.impersonation import ImpersonationState
from portal.models import Impersonation
from portal.models.base import session_now
from portal.pagination import Page
from portal.services.timeline import newest_first


def in_state(state: ImpersonationState, now: datetime) -> ColumnElement[bool]:
    """:func:`state_of` as a condition on the impersonations table, so a list filters in SQL."""
    if state is ImpersonationState.REVOKED:
        return Impersonation.end_reason == "REVOKED"
    not_revoked = or_(Impersonation.end_reason.is_(None), Impersonation.end_reason != "REVOKED")
    if state is ImpersonationState.ENDED:
        return and_(not_revoked, Impersonation.ended_at.is_not(None))
    running = and_(not_revoked, Impersonation.ended_at.is_(None))
    never_started = Impersonation.started_at.is_(None)
    if state is ImpersonationState.PENDING:
        return and_(running, never_started, Impersonation.token_expires_at > now)
    lapsed = and_(Impersonation.expires_at.is_not(None), Impersonation.expires_at <= now)
    if state is ImpersonationState.EXPIRED:
        return and_(
            running,
            or_(
                and_(never_started, Impersonation.token_expires_at <= now),
                and_(Impersonation.started_at.is_not(None), lapsed),
            ),
        )
    return and_(running, Impersonation.started_at.is_not(None), ~lapsed)


async def list_impersonations(
    session: AsyncSession,
    *,
    state: ImpersonationState | None,
    portal_user_id: uuid.UUID | None,
    first: int | None,
    after: str | None,
) -> Page[Impersonation]:
    """Impersonations, newest first, by state and portal user: filtered and paged in SQL
    (through the created_at and portal user indexes)."""
    conditions = []
    if portal_user_id is not None:
        conditions.append(Impersonation.portal_user_id == portal_user_id)
    if state is not None:
        conditions.append(in_state(state, session_now(session)))
    return await newest_first(
        session, Impersonation, conditions, first=first, after=after, time_column="created_at"
    )
