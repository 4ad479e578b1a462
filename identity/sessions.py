"""Server-side sessions: a random bearer token for the client, its hash in the database.

Storing sessions server-side is what makes logout, "log out everywhere" and suspension take
effect at once, on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.tokens import hash_token, new_opaque_token
from portal.models import StaffSession, StaffUser
from portal.models.base import session_now

STAFF_TOKEN_PREFIX = "pst"
# last_seen_at is written at most this often, so a busy console does not write on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """Absolute lifetime and idle timeout of a session."""

    lifetime: timedelta
    idle_timeout: timedelta


@dataclass(frozen=True)
class StartedSession:
    token: str
    record: StaffSession


async def start_staff_session(
    session: AsyncSession,
    staff: StaffUser,
    policy: SessionPolicy,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> StartedSession:
    """Open a new session for ``staff``; the returned token is shown to the client once."""
    now = session_now(session)
    token, token_hash = new_opaque_token(STAFF_TOKEN_PREFIX)
    record = StaffSession(
        staff_user_id=staff.id,
        token_hash=token_hash,
        expires_at=now + policy.lifetime,
        last_seen_at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400] or None,
    )
    session.add(record)
    await session.flush()
    return StartedSession(token=token, record=record)


async def resolve_staff_session(
    session: AsyncSession, token: str, policy: SessionPolicy
) -> tuple[StaffSession, StaffUser] | None:
    """The live session and its active staff user for ``token``, or None when the token is
    unknown, revoked, expired, idle for too long, or its user was deactivated."""
    if not token.startswith(STAFF_TOKEN_PREFIX + "_") or len(token) > 200:
        return None
    now = session_now(session)
    row = (
        await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffSession.staff_user_id == StaffUser.id)
            .where(StaffSession.token_hash == hash_token(token))
        )
    ).one_or_none()
    if row is None:
        return None
    record, staff = row
    if (
        record.revoked_at is not None
        or record.expires_at <= now
        or record.last_seen_at + policy.idle_timeout <= now
        or not staff.is_active
    ):
        return None
    if now - record.last_seen_at >= LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
    return record, staff


async def revoke_staff_session(session: AsyncSession, record: StaffSession) -> None:
    """End one session now."""
    record.revoked_at = session_now(session)
    await session.flush()


async def revoke_all_staff_sessions(session: AsyncSession, staff: StaffUser) -> int:
    """End every live session of ``staff``; returns how many were live."""
    now: datetime = session_now(session)
    result = await session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == staff.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
