"""A staff member's own account: change the password, see and end their own sessions."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import StaffAuthErrorCode as Code
from identity.password_login import current_password_matches
from identity.password_policy import hash_new_password
from identity.second_factor import close_login_challenges
from identity.sessions import STAFF_SESSIONS, revoke_all_sessions, revoke_session
from identity.staff import STAFF_SCOPE
from identity.throttling import Throttle
from portal.errors import InvalidInput
from portal.models import StaffSession, StaffUser
from portal.models.base import session_now
from portal.pagination import Page
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.timeline import newest_first


async def change_own_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    current_session: StaffSession,
    current_password: str,
    new_password: str,
    actor: Actor,
) -> int:
    """Set a new password (the current one is required); every other session and every
    half-finished login of the member ends. Returns how many sessions ended."""
    hasher = env.password_hasher
    if not await current_password_matches(
        hasher, throttle, STAFF_SCOPE, staff.email, staff.password_hash, current_password
    ):
        raise InvalidInput.single(
            Code.WRONG_PASSWORD, "current_password", "The current password is wrong."
        )
    staff.password_hash = await hash_new_password(
        hasher, new_password, "new_password", email=staff.email
    )
    ended = await revoke_all_sessions(
        session, STAFF_SESSIONS, staff.id, except_session_id=current_session.id
    )
    await close_login_challenges(session, staff)
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_PASSWORD_CHANGE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )
    return ended


async def list_own_sessions(
    session: AsyncSession, staff: StaffUser, *, first: int | None, after: str | None
) -> Page[StaffSession]:
    """The member's live sessions, newest first."""
    now = session_now(session)
    return await newest_first(
        session,
        StaffSession,
        [
            StaffSession.staff_user_id == staff.id,
            StaffSession.revoked_at.is_(None),
            StaffSession.expires_at > now,
        ],
        first=first,
        after=after,
        time_column="created_at",
    )


async def end_own_session(
    session: AsyncSession, staff: StaffUser, session_id: uuid.UUID | None
) -> StaffSession:
    """End one of the member's own sessions (another member's is NOT_FOUND)."""
    record = await session.get(StaffSession, session_id) if session_id else None
    if record is None or record.staff_user_id != staff.id or record.revoked_at is not None:
        raise InvalidInput.single(Code.NOT_FOUND, "id", "No such session.")
    await revoke_session(session, record)
    return record


async def end_other_sessions(
    session: AsyncSession, staff: StaffUser, current_session: StaffSession
) -> int:
    """End every session of the member but this one; returns how many ended."""
    return await revoke_all_sessions(
        session, STAFF_SESSIONS, staff.id, except_session_id=current_session.id
    )
