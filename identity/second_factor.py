"""A staff member's second factor: enrolment with confirmation, ten single-use recovery codes,
code checks that count against a lockout like passwords, disabling, and an admin's reset.

Code checks (:func:`check_code`) lock the staff row first, so two requests carrying the same
code cannot both pass; a failure counts against the account's second-factor lockout (scope
``staff-second-factor``, the same backoff as passwords, kept apart from the password counter so
that knowing the password does not reset it). Callers keep that count although the refused
mutation's other writes roll back (``keep_writes``), and make the check before writing anything.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity import totp
from identity.environment import IdentityEnvironment
from identity.errors import SecondFactorErrorCode as Code
from identity.sessions import STAFF_SESSIONS, revoke_all_sessions
from identity.staff_invitations import email_staff
from identity.throttling import Throttle
from portal.errors import InvalidInput
from portal.models import StaffLoginChallenge, StaffRecoveryCode, StaffSession, StaffUser
from portal.models.base import session_now
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject

SCOPE = "staff-second-factor"
RECOVERY_CODE_COUNT = 10
# 16 base32 characters (80 bits) in groups of four: abcd-efgh-ijkl-mnop.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
MAX_CODE_LENGTH = 64


def invalid_code() -> InvalidInput:
    return InvalidInput.single(Code.INVALID_CODE, "code", "The code is not valid.")


def _keys(env: IdentityEnvironment) -> list[str]:
    return [key.reveal() for key in env.settings.secret_keys]


def _recovery_hash(staff: StaffUser, code: str) -> str:
    normalized = totp.normalize_code(code).lower()
    return hashlib.sha256(f"{staff.id}:{normalized}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


async def begin_enrolment(
    session: AsyncSession, env: IdentityEnvironment, staff: StaffUser
) -> Enrolment:
    """A new secret for ``staff`` (shown once, replacing an unconfirmed one); it takes effect
    only when :func:`confirm_enrolment` receives a code from it."""
    if staff.totp_enabled_at is not None:
        raise InvalidInput.single(Code.ALREADY_ENABLED, None, "Two-factor login is already set up.")
    secret = totp.new_secret()
    staff.totp_pending_secret = totp.seal_secret(secret, _keys(env))
    await session.flush()
    uri = totp.provisioning_uri(secret, staff.email, env.settings.portal_name)
    return Enrolment(secret=secret, otpauth_uri=uri)


async def _lock(session: AsyncSession, staff: StaffUser) -> None:
    await session.refresh(staff, with_for_update=True)


async def _counted(throttle: Throttle, staff: StaffUser, passed: bool) -> bool:
    if passed:
        await throttle.account_succeeded(SCOPE, staff.email)
    else:
        await throttle.account_failed(SCOPE, staff.email)
    return passed


async def confirm_enrolment(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    current_session: StaffSession,
    code: str,
) -> list[str]:
    """Turn the pending secret on with a code from it; the member's other sessions end (they
    logged in without it). Returns the ten recovery codes (shown once). A wrong code raises
    INVALID_CODE and counts against the lockout."""
    await _lock(session, staff)
    if staff.totp_enabled_at is not None:
        raise InvalidInput.single(Code.ALREADY_ENABLED, None, "Two-factor login is already set up.")
    if staff.totp_pending_secret is None:
        raise InvalidInput.single(Code.NO_ENROLMENT, None, "Start the enrolment first.")
    if not await _check_locked(session, env, throttle, staff, code, pending=True):
        raise invalid_code()
    staff.totp_secret, staff.totp_pending_secret = staff.totp_pending_secret, None
    staff.totp_enabled_at = session_now(session)
    codes = await _replace_recovery_codes(session, staff)
    await revoke_all_sessions(
        session, STAFF_SESSIONS, staff.id, except_session_id=current_session.id
    )
    return codes


async def _replace_recovery_codes(session: AsyncSession, staff: StaffUser) -> list[str]:
    await session.execute(
        delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == staff.id)
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        StaffRecoveryCode(staff_user_id=staff.id, code_hash=_recovery_hash(staff, code))
        for code in codes
    )
    staff.recovery_codes_left = RECOVERY_CODE_COUNT
    await session.flush()
    return codes


async def _use_recovery_code(session: AsyncSession, staff: StaffUser, code: str) -> bool:
    now = session_now(session)
    result = await session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.staff_user_id == staff.id,
            StaffRecoveryCode.code_hash == _recovery_hash(staff, code),
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now, updated_at=now)
    )
    if int(result.rowcount) != 1:  # type: ignore[attr-defined]
        return False
    staff.recovery_codes_left = max(staff.recovery_codes_left - 1, 0)
    return True


async def check_code(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    code: str,
    *,
    recovery: bool = True,
) -> bool:
    """Whether ``code`` is a current authenticator code not used before, or (``recovery``) an
    unused recovery code, which is then spent. While the account's second-factor lockout holds,
    every code is refused without being looked at. Counts the attempt either way."""
    await _lock(session, staff)
    return await _check_locked(session, env, throttle, staff, code, recovery=recovery)


async def _check_locked(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    code: str,
    *,
    recovery: bool = False,
    pending: bool = False,
) -> bool:
    """:func:`check_code` on the locked staff row; ``pending``: against the enrolment's secret
    (no code of it used yet, no recovery codes) instead of the active one."""
    sealed = staff.totp_pending_secret if pending else staff.totp_secret
    if sealed is None or await throttle.account_locked(SCOPE, staff.email):
        return False  # while locked: not looked at, and neither counted nor extending the lock
    passed = False
    code = code[:MAX_CODE_LENGTH]
    if totp.looks_like_totp(code):
        secret = totp.open_secret(sealed, _keys(env))
        last_step = None if pending else staff.totp_last_step
        step = (
            totp.accepted_step(secret, code, session_now(session), last_step)
            if secret is not None
            else None
        )
        if step is not None:
            staff.totp_last_step = step
            passed = True
    elif recovery:
        passed = await _use_recovery_code(session, staff, code)
    await session.flush()
    return await _counted(throttle, staff, passed)


async def regenerate_recovery_codes(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    code: str,
) -> list[str]:
    """Ten new recovery codes (the old ones stop working); needs a current authenticator
    code."""
    if staff.totp_enabled_at is None:
        raise InvalidInput.single(Code.NOT_ENABLED, None, "Two-factor login is not set up.")
    if not await check_code(session, env, throttle, staff, code, recovery=False):
        raise invalid_code()
    return await _replace_recovery_codes(session, staff)


async def _clear(session: AsyncSession, staff: StaffUser) -> None:
    staff.totp_secret = staff.totp_pending_secret = None
    staff.totp_enabled_at = staff.totp_last_step = None
    staff.recovery_codes_left = 0
    await session.execute(
        delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == staff.id)
    )
    await close_login_challenges(session, staff)


async def close_login_challenges(session: AsyncSession, staff: StaffUser) -> None:
    """End every half-finished login of ``staff`` (password change, reset, deactivation)."""
    now = session_now(session)
    await session.execute(
        update(StaffLoginChallenge)
        .where(
            StaffLoginChallenge.staff_user_id == staff.id, StaffLoginChallenge.closed_at.is_(None)
        )
        .values(closed_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


async def disable(
    session: AsyncSession,
    env: IdentityEnvironment,
    throttle: Throttle,
    staff: StaffUser,
    code: str,
    actor: Actor,
) -> None:
    """Turn the second factor off with a current code or a recovery code."""
    if staff.totp_enabled_at is None:
        raise InvalidInput.single(Code.NOT_ENABLED, None, "Two-factor login is not set up.")
    if not await check_code(session, env, throttle, staff, code):
        raise invalid_code()
    await _clear(session, staff)
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_SECOND_FACTOR_DISABLE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )


async def reset(session: AsyncSession, staff: StaffUser, by: StaffUser, actor: Actor) -> None:
    """An admin removes a colleague's second factor (lost phone): their sessions end, they are
    emailed, and they must enrol again after their next password login when it is required."""
    if staff.id == by.id:
        raise InvalidInput.single(
            Code.NOT_ALLOWED_ON_SELF, "id", "Disable your own second factor with a code."
        )
    if staff.totp_enabled_at is None and staff.totp_pending_secret is None:
        raise InvalidInput.single(Code.NOT_ENABLED, "id", "Two-factor login is not set up.")
    await _lock(session, staff)
    await _clear(session, staff)
    await revoke_all_sessions(session, STAFF_SESSIONS, staff.id)
    await email_staff(session, staff, "staff_second_factor_reset", {"reset_by": actor.name})
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_SECOND_FACTOR_RESET,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )
