"""Customer login, logout, password reset and change, account deletion.

Only an activated, linked, not suspended user gets a session. Wrong password, unknown email,
suspended and not activated all give one generic error after one argon2 verification, so
neither the answer nor its timing tells them apart. A user who proves the password but still
waits for a contact learns that (and may get a flow token to answer a second identifier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import PortalAuthErrorCode as Code
from identity.impersonation import end as end_impersonation
from identity.impersonation import live_impersonation
from identity.link_tokens import read_token, redeem_user_link
from identity.password_login import current_password_matches, verify_login_password
from identity.password_policy import hash_new_password, require_new_password
from identity.passwords import PasswordHasher, read_before_locking
from identity.portal_history import record_login, record_portal_event
from identity.registration import get_portal_user_by_email, issue_password_reset
from identity.sessions import (
    CUSTOMER_SESSIONS,
    SessionPolicy,
    StartedSession,
    find_live_session,
    revoke_all_sessions,
    revoke_session,
    start_session,
)
from identity.signed_tokens import TokenPurpose
from identity.throttling import Throttle, ThrottleAction
from portal.email.outbox import enqueue_email
from portal.errors import FieldError, InvalidInput
from portal.models import Impersonation, PortalSession, PortalUser
from portal.models.base import session_now
from portal.normalization import MAX_EMAIL_LENGTH
from portal.services.actors import Actor
from portal.services.portal_settings import PortalSettings

CUSTOMER_SCOPE = "customer"
INVALID_CREDENTIALS = FieldError(Code.INVALID_CREDENTIALS, None, "Email or password is wrong.")
WRONG_CURRENT_PASSWORD = FieldError(
    Code.WRONG_PASSWORD, "current_password", "The current password is wrong."
)


class PendingContactAssignment(Exception):
    """The password is right, but no contact is assigned yet."""

    def __init__(self, user: PortalUser) -> None:
        super().__init__("pending contact assignment")
        self.user = user


def can_log_in(user: PortalUser) -> bool:
    """Whether a user may hold a session at all (checked at login and on every request)."""
    return (
        user.activated_at is not None
        and user.suspended_at is None
        and user.password_hash is not None
    )


@dataclass(frozen=True)
class CustomerSession:
    """A customer's live session: the session, its user and, when support opened it to see
    what the customer sees, the impersonation."""

    session: PortalSession
    user: PortalUser
    impersonation: Impersonation | None = None


async def resolve_customer_session(
    session: AsyncSession, token: str, policy: SessionPolicy
) -> CustomerSession | None:
    """The live session of ``token`` while its user may use it: suspension, a lost contact
    link or a lost activation end access at once, and so do the end of the impersonation
    behind a support session and its staff member's deactivation or lost permission."""
    found = await find_live_session(session, CUSTOMER_SESSIONS, token, policy)
    if found is None:
        return None
    record, user = found
    if not can_log_in(user) or user.contact_id is None:
        return None
    impersonation = None
    if record.impersonation_id is not None:
        impersonation = await live_impersonation(session, record.impersonation_id)
        if impersonation is None:
            return None
    return CustomerSession(record, user, impersonation)


async def log_out(session: AsyncSession, current: CustomerSession, actor: Actor) -> None:
    """End this session now; a support session ends its impersonation with it."""
    if current.impersonation is not None:
        await end_impersonation(session, current.impersonation, "ENDED", actor)
    await revoke_session(session, current.session)


async def verify_customer_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    email: str,
    password: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> PortalUser | None:
    """The user whose password this is, if the account may log in; else None (same cost, see
    :func:`identity.password_login.verify_login_password`)."""
    return await verify_login_password(
        session,
        env,
        PortalUser,
        email,
        password,
        may_log_in=can_log_in,
        throttle=throttle,
        throttle_scope=CUSTOMER_SCOPE,
        client_ip=client_ip,
    )


@dataclass(frozen=True)
class LoggedIn:
    user: PortalUser
    started: StartedSession[PortalSession]


async def log_in(
    session: AsyncSession,
    env: IdentityEnvironment,
    email: str,
    password: str,
    *,
    throttle: Throttle | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoggedIn:
    """Open a customer session; raises :class:`InvalidInput` (generic) or
    :class:`PendingContactAssignment`. Throttled attempts get the same generic error."""
    user = await verify_customer_password(session, env, email, password, throttle, ip_address)
    if user is None:
        raise InvalidInput([INVALID_CREDENTIALS])
    if user.contact_id is None:
        raise PendingContactAssignment(user)
    started = await start_session(
        session,
        CUSTOMER_SESSIONS,
        user.id,
        env.customer_sessions,
        ip_address=ip_address,
        user_agent=user_agent,
        # Staff set this password: staff could have opened this session.
        staff_created=user.password_set_by_staff_at is not None,
    )
    now = session_now(session)
    await record_login(session, env, user, now)
    user.last_login_at = now
    await session.flush()
    return LoggedIn(user, started)


async def request_password_reset(
    session: AsyncSession,
    env: IdentityEnvironment,
    email: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> None:
    """Email a reset link if the address has an account that could use one; otherwise nothing,
    with the same answer (also when the client or the address is over its limit)."""
    if len(email) > MAX_EMAIL_LENGTH:
        return
    if throttle is not None and not (
        await throttle.allow(ThrottleAction.PASSWORD_RESET, client_ip)
        and await throttle.allow_mail_to(email)
    ):
        return
    user = await get_portal_user_by_email(session, email)
    if user is not None and user.suspended_at is None:
        await issue_password_reset(session, env, user, "password_reset")


async def _set_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    password: str,
    field: str,
    *,
    new_hash: str | None = None,
) -> None:
    """Set ``password`` (hashed already as ``new_hash``, or hashed here in the bounded queue)."""
    if new_hash is None:
        new_hash = await hash_new_password(env.password_hasher, password, field, email=user.email)
    else:
        require_new_password(password, field, email=user.email)
    user.password_hash = new_hash
    user.password_changed_at = session_now(session)
    user.password_set_by_staff_at = None  # the customer's own password now
    # A password change voids every outstanding reset link.
    user.password_reset_jti = None
    await record_portal_event(session, user, "Portal password changed")
    await enqueue_email(
        session,
        template="password_changed",
        to=user.email,
        language=user.language,
        context={"first_name": user.first_name, "last_name": user.last_name},
        contact_id=user.contact_id,
    )


async def reset_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    token: str,
    new_password: str,
) -> PortalUser:
    """Set a new password with a reset token; ends every session and does not log in."""

    def refuse_a_weak_password(user: PortalUser) -> None:
        # Before the token is spent: the customer may try again with the same link.
        require_new_password(new_password, "new_password", email=user.email)

    # Checked and hashed before anything is locked (the request holds no connection while it
    # hashes); redeem_user_link checks the link again under the user's lock.
    claims = read_token(
        env.tokens,
        token,
        TokenPurpose.PASSWORD_RESET,
        timedelta(minutes=portal_settings.password_reset_minutes),
    )
    email = await read_before_locking(
        session,
        env.database,
        select(PortalUser.email).where(
            PortalUser.id == claims.subject,
            PortalUser.password_reset_jti == claims.jti,
            PortalUser.suspended_at.is_(None),
        ),
    )
    if email is None:
        raise InvalidInput.single(Code.INVALID_TOKEN, "token", "The link is not valid.")
    new_hash = await hash_new_password(
        env.password_hasher, new_password, "new_password", email=email
    )
    user = await redeem_user_link(
        session,
        env.tokens,
        token,
        TokenPurpose.PASSWORD_RESET,
        timedelta(minutes=portal_settings.password_reset_minutes),
        still_valid=lambda user, claims: (
            user.password_reset_jti == claims.jti and user.suspended_at is None
        ),
        before_spending=refuse_a_weak_password,
    )
    await _set_password(session, env, user, new_password, "new_password", new_hash=new_hash)
    await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    await session.flush()
    return user


async def verify_current_password(
    hasher: PasswordHasher, user: PortalUser, password: str, throttle: Throttle
) -> bool:
    """Whether ``password`` is the logged-in ``user``'s password, counted against the account
    like a login (:func:`identity.password_login.current_password_matches`)."""
    return await current_password_matches(
        hasher, throttle, CUSTOMER_SCOPE, user.email_normalized, user.password_hash, password
    )


async def change_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    current_password: str,
    new_password: str,
    *,
    throttle: Throttle,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> StartedSession[PortalSession]:
    """Change the password of a logged-in user. Every session ends, the current one included;
    the caller continues in the fresh session returned (the session id rotates). A wrong or
    throttled current password raises :class:`InvalidInput` with ``WRONG_PASSWORD`` (see
    :func:`verify_current_password`); the caller keeps the throttle's writes."""
    if not await verify_current_password(env.password_hasher, user, current_password, throttle):
        raise InvalidInput([WRONG_CURRENT_PASSWORD])
    await _set_password(session, env, user, new_password, "new_password")
    await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    return await start_session(
        session,
        CUSTOMER_SESSIONS,
        user.id,
        env.customer_sessions,
        ip_address=ip_address,
        user_agent=user_agent,
    )
