"""Staff accounts: creation and password authentication."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.errors import StaffAuthErrorCode
from identity.password_policy import check_new_password
from identity.passwords import MAX_PASSWORD_LENGTH, PasswordHasher
from identity.permissions import StaffRole
from identity.throttling import Throttle, ThrottleAction
from portal.errors import FieldError, InvalidInput
from portal.models import StaffUser
from portal.models.base import session_now
from portal.normalization import is_valid_email, normalize_email

STAFF_SCOPE = "staff"


async def get_staff_by_email(session: AsyncSession, email: str) -> StaffUser | None:
    """The staff user with this (normalised) email, active or not."""
    return await session.scalar(
        select(StaffUser).where(StaffUser.email_normalized == normalize_email(email))
    )


async def create_staff_user(
    session: AsyncSession,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    role: str,
    display_name: str = "",
) -> StaffUser:
    """Add a staff account; raises :class:`InvalidInput` for a bad email, role or password, or
    an email that another staff account already has."""
    errors: list[FieldError] = []
    email = email.strip()
    if not is_valid_email(email):
        errors.append(FieldError(StaffAuthErrorCode.INVALID_EMAIL, "email", "Not a valid email."))
    if role not in {r.value for r in StaffRole}:
        errors.append(
            FieldError(
                StaffAuthErrorCode.INVALID_ROLE,
                "role",
                f"Role must be one of: {', '.join(r.value for r in StaffRole)}.",
            )
        )
    errors.extend(check_new_password(password))
    if errors:
        raise InvalidInput(errors)
    if await get_staff_by_email(session, email) is not None:
        raise InvalidInput.single(
            StaffAuthErrorCode.EMAIL_TAKEN, "email", "A staff account with this email exists."
        )
    staff = StaffUser(
        email=email,
        email_normalized=normalize_email(email),
        display_name=display_name.strip() or email.split("@", 1)[0],
        password_hash=await hasher.hash(password),
        role=role,
        is_active=True,
    )
    try:
        async with session.begin_nested():
            session.add(staff)
    except IntegrityError:
        # A concurrent request created the same account between our check and our insert.
        raise InvalidInput.single(
            StaffAuthErrorCode.EMAIL_TAKEN, "email", "A staff account with this email exists."
        ) from None
    return staff


async def authenticate_staff(
    session: AsyncSession,
    hasher: PasswordHasher,
    email: str,
    password: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> StaffUser | None:
    """The active staff user with these credentials, or None.

    Unknown emails, inactive accounts and wrong passwords all cost one argon2 verification and
    give the same None, so neither the answer nor its timing tells which it was. With a
    ``throttle``, locked accounts and clients over their limit get the same None and failures
    count against the account (see :mod:`identity.throttling`).
    """
    if throttle is not None and (
        not await throttle.allow(ThrottleAction.LOGIN, client_ip)
        or await throttle.account_locked(STAFF_SCOPE, email)
    ):
        await hasher.verify_dummy(password[: MAX_PASSWORD_LENGTH + 1])
        return None
    staff = await _verify(session, hasher, email, password)
    if throttle is not None:
        if staff is None:
            await throttle.account_failed(STAFF_SCOPE, email)
        else:
            await throttle.account_succeeded(STAFF_SCOPE, email)
    return staff


async def _verify(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str
) -> StaffUser | None:
    staff = None
    if len(email) <= 254 and len(password) <= MAX_PASSWORD_LENGTH:
        staff = await get_staff_by_email(session, email)
    if staff is None:
        await hasher.verify_dummy(password)
        return None
    if not await hasher.verify(staff.password_hash, password) or not staff.is_active:
        return None
    if hasher.needs_rehash(staff.password_hash):
        staff.password_hash = await hasher.hash(password)
    staff.last_login_at = session_now(session)
    await session.flush()
    return staff
