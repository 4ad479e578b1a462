"""Server-side sessions for staff and customers: a random bearer token for the client, its hash
in the database.

Storing sessions server-side is what makes logout, "log out everywhere", password changes and
suspension take effect at once, on every worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal.db import defer_write, is_read_only
from portal.models import PortalSession, PortalUser, StaffSession, StaffUser
from portal.models.base import session_now
from portal.opaque_tokens import hash_token, new_opaque_token

STAFF_TOKEN_PREFIX = "pst"
CUSTOMER_TOKEN_PREFIX = "pcs"
MAX_TOKEN_LENGTH = 200
# last_seen_at is written at most this often, so a busy client does not write on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

Record = TypeVar("Record", StaffSession, PortalSession)
Owner = TypeVar("Owner", StaffUser, PortalUser)


@dataclass(frozen=True)
class SessionPolicy:
    """Absolute lifetime and idle timeout of a session."""

    lifetime: timedelta
    idle_timeout: timedelta


@dataclass(frozen=True)
class SessionKind(Generic[Record, Owner]):
    """How one kind of session is stored: its table, its owner and its token prefix."""

    record: type[Record]
    owner: type[Owner]
    owner_column: InstrumentedAttribute[uuid.UUID]
    prefix: str

    @cached_property
    def lookup(self) -> Select[Record, Owner]:
        """A session and its owner by token hash (``:token_hash``); built once, as every
        authenticated request runs it."""
        return (
            select(self.record, self.owner)
            .join(self.owner, self.owner_column == self.owner.id)
            .where(self.record.token_hash == bindparam("token_hash"))
        )


STAFF_SESSIONS = SessionKind(
    StaffSession, StaffUser, StaffSession.staff_user_id, STAFF_TOKEN_PREFIX
)
CUSTOMER_SESSIONS = SessionKind(
    PortalSession, PortalUser, PortalSession.portal_user_id, CUSTOMER_TOKEN_PREFIX
)


@dataclass(frozen=True)
class StartedSession(Generic[Record]):
    token: str
    record: Record


async def start_session(
    session: AsyncSession,
    kind: SessionKind[Record, Owner],
    owner_id: uuid.UUID,
    policy: SessionPolicy,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
    **columns: Any,
) -> StartedSession[Record]:
    """Open a new session; the returned token is shown to the client once. A fresh token per
    login means a session id planted before login is never the one used after it."""
    now = session_now(session)
    token, token_hash = new_opaque_token(kind.prefix)
    record = kind.record(
        token_hash=token_hash,
        expires_at=now + policy.lifetime,
        last_seen_at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400] or None,
        **{kind.owner_column.key: owner_id},
        **columns,
    )
    session.add(record)
    await session.flush()
    return StartedSession(token=token, record=record)


async def find_live_session(
    session: AsyncSession,
    kind: SessionKind[Record, Owner],
    token: str,
    policy: SessionPolicy,
) -> tuple[Record, Owner] | None:
    """The live session and its owner for ``token``, or None when the token is unknown,
    revoked, expired or idle for too long. Whether the owner may still use it (active,
    not suspended) is the caller's rule."""
    if not token.startswith(kind.prefix + "_") or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = session_now(session)
    row = (await session.execute(kind.lookup, {"token_hash": hash_token(token)})).one_or_none()
    if row is None:
        return None
    record, owner = row
    if (
        record.revoked_at is not None
        or record.expires_at <= now
        or record.last_seen_at + policy.idle_timeout <= now
    ):
        return None
    if now - record.last_seen_at >= LAST_SEEN_RESOLUTION:
        if is_read_only(session):  # a query: recorded after it, without making it a write
            defer_write(
                session,
                update(kind.record)
                .where(kind.record.id == record.id)
                .values(last_seen_at=now, updated_at=now),
            )
        else:
            record.last_seen_at = now
    return record, owner


async def resolve_staff_session(
    session: AsyncSession, token: str, policy: SessionPolicy
) -> tuple[StaffSession, StaffUser] | None:
    """The live staff session for ``token`` whose staff user is still active."""
    found = await find_live_session(session, STAFF_SESSIONS, token, policy)
    if found is None or not found[1].is_active:
        return None
    return found


async def start_staff_session(
    session: AsyncSession,
    staff: StaffUser,
    policy: SessionPolicy,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> StartedSession[StaffSession]:
    """Open a staff session."""
    return await start_session(
        session, STAFF_SESSIONS, staff.id, policy, ip_address=ip_address, user_agent=user_agent
    )


async def revoke_session(session: AsyncSession, record: StaffSession | PortalSession) -> None:
    """End one session now."""
    record.revoked_at = session_now(session)
    await session.flush()


async def revoke_all_sessions(
    session: AsyncSession,
    kind: SessionKind[Record, Owner],
    owner_id: uuid.UUID,
    *,
    except_session_id: uuid.UUID | None = None,
) -> int:
    """End every live session of one owner (optionally but one); returns how many ended."""
    now = session_now(session)
    query = (
        update(kind.record)
        .where(kind.owner_column == owner_id, kind.record.revoked_at.is_(None))
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if except_session_id is not None:
        query = query.where(kind.record.id != except_session_id)
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]
