"""Staff accounts: creation and password authentication."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import StaffAuthErrorCode
from identity.password_login import verify_login_password
from identity.password_policy import check_new_password
from identity.passwords import PasswordHasher
from identity.permissions import StaffRole
from identity.throttling import Throttle
from portal.errors import FieldError, InvalidInput
from portal.models import StaffUser
from portal.models.base import session_now
from portal.normalization import clean_text, is_valid_email, normalize_email

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
        display_name=clean_text(display_name) or email.split("@", 1)[0],
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
    env: IdentityEnvironment,
    email: str,
    password: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> StaffUser | None:
    """The active staff user with these credentials, or None.

    Unknown emails, inactive accounts and wrong passwords all cost one argon2 verification and
    give the same None, so neither the answer nor its timing tells which it was (see
    :func:`identity.password_login.verify_login_password`). With a ``throttle``, locked
    accounts and clients over their limit get the same None and failures count against the
    account (see :mod:`identity.throttling`).
    """
    staff = await verify_login_password(
        session,
        env,
        StaffUser,
        email,
        password,
        may_log_in=lambda staff: staff.is_active,
        throttle=throttle,
        throttle_scope=STAFF_SCOPE,
        client_ip=client_ip,
    )
    if staff is not None:
        staff.last_login_at = session_now(session)
        await session.flush()
    return staff
