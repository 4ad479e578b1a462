"""Two-step staff login: password, then (when the member has a second factor) a code.

A correct password for a member with a second factor opens a *login challenge* instead of a
session: a random token (only its SHA-256 stored) given to the client that passed the password,
valid 5 minutes, for at most 5 codes, closed by its first success, and by a password change,
second-factor reset or deactivation. The session opens only when a code passes; the codes count
against the member's second-factor lockout (:mod:`identity.second_factor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity import second_factor
from identity.environment import IdentityEnvironment
from identity.errors import SecondFactorErrorCode as Code
from identity.throttling import Throttle
from portal.errors import InvalidInput
from portal.models import StaffLoginChallenge, StaffUser
from portal.models.base import session_now
from portal.opaque_tokens import hash_token, new_opaque_token

CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_ATTEMPTS = 5
CHALLENGE_PREFIX = "plc"


@dataclass(frozen=True)
class OpenChallenge:
    token: str
    expires_at: datetime


async def open_challenge(
    session: AsyncSession,
    staff: StaffUser,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> OpenChallenge:
    """The half-logged-in state after a correct password (earlier open ones close)."""
    await second_factor.close_login_challenges(session, staff)
    token, token_hash = new_opaque_token(CHALLENGE_PREFIX)
    expires = session_now(session) + CHALLENGE_LIFETIME
    session.add(
        StaffLoginChallenge(
            staff_user_id=staff.id,
            token_hash=token_hash,
            expires_at=expires,
            attempts=0,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:400] or None,
        )
    )
    await session.flush()
    return OpenChallenge(token=token, expires_at=expires)


def login_expired() -> InvalidInput:
    return InvalidInput.single(
        Code.LOGIN_EXPIRED, "login_token", "This login has expired; enter the password again."
    )


async def complete_challenge(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    token: str,
    code: str,
) -> StaffUser:
    """The staff member whose challenge ``token`` this ``code`` completes; raises LOGIN_EXPIRED
    (unknown, closed, expired or used up: start again with the password) or INVALID_CODE (the
    attempt counts; the fifth wrong code closes the challenge)."""
    if not token.startswith(CHALLENGE_PREFIX + "_") or len(token) > 200:
        raise login_expired()
    challenge = await session.scalar(
        select(StaffLoginChallenge)
        .where(StaffLoginChallenge.token_hash == hash_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    now = session_now(session)
    if challenge is None or challenge.closed_at is not None or challenge.expires_at <= now:
        raise login_expired()
    staff = await session.get(StaffUser, challenge.staff_user_id)
    if staff is None or not staff.is_active or staff.totp_enabled_at is None:
        raise login_expired()
    challenge.attempts += 1
    if not await second_factor.check_code(session, env, throttle, staff, code):
        if challenge.attempts >= CHALLENGE_ATTEMPTS:
            challenge.closed_at = now
        await session.flush()
        raise second_factor.invalid_code()
    challenge.closed_at = now
    staff.last_login_at = now
    await session.flush()
    return staff
