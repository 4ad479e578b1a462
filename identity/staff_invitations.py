"""Staff invitations: an admin creates an account without a password and its owner sets one.

The setup link (7 days, single use) carries a random token of which only the SHA-256 is stored;
the emailed link is sealed in the outbox like every other link. It is voided by a newer
invitation, by deactivation, and when the admin who sent it is deactivated or deleted: an
invitation is only as good as the standing of the person who made it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import StaffAdminErrorCode as Code
from identity.frontend_links import frontend_link
from identity.password_policy import check_new_password
from identity.permissions import StaffRole
from identity.states import StaffState, staff_state_of
from portal.email.outbox import Formality, enqueue_email
from portal.errors import FieldError, InvalidInput
from portal.models import StaffInvitation, StaffUser
from portal.models.base import session_now
from portal.normalization import MAX_EMAIL_LENGTH, is_valid_email, normalize_email
from portal.opaque_tokens import hash_token, new_opaque_token
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject

INVITATION_LIFETIME = timedelta(days=7)
SETUP_PATH = "/staff/setup"
INVITATION_TOKEN_PREFIX = "psi"
MAX_DISPLAY_NAME_LENGTH = 200
LANGUAGES = ("de", "en")


async def email_staff(
    session: AsyncSession, staff: StaffUser, template: str, context: dict[str, Any]
) -> None:
    """Queue ``template`` for ``staff`` in their language and form of address."""
    await enqueue_email(
        session,
        template=template,
        to=staff.email,
        language=staff.language,
        formality=staff.formality,
        context={"first_name": staff.display_name, **context},
    )


async def _send_invitation(
    session: AsyncSession, env: IdentityEnvironment, staff: StaffUser, inviter: StaffUser
) -> str:
    now = session_now(session)
    await revoke_staff_invitations(session, staff.id)
    token, token_hash = new_opaque_token(INVITATION_TOKEN_PREFIX)
    expires = now + INVITATION_LIFETIME
    session.add(
        StaffInvitation(
            staff_user_id=staff.id,
            invited_by_id=inviter.id,
            token_hash=token_hash,
            expires_at=expires,
        )
    )
    setup_url = frontend_link(env.settings, SETUP_PATH, token=token)
    await email_staff(
        session,
        staff,
        "staff_invitation",
        {
            "setup_url": setup_url,
            "username": staff.email,
            "role": staff.role,
            "inviter_name": inviter.display_name or inviter.email,
            "expires_at": expires.isoformat(),
        },
    )
    await session.flush()
    return setup_url


async def revoke_staff_invitations(session: AsyncSession, staff_id: uuid.UUID) -> None:
    """Void every open setup link of ``staff_id`` (newer invitation, deactivation)."""
    now = session_now(session)
    await session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.staff_user_id == staff_id,
            StaffInvitation.accepted_at.is_(None),
            StaffInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


@dataclass(frozen=True)
class StaffInvitationRequest:
    email: str
    role: StaffRole
    display_name: str = ""
    language: str = "de"
    formality: str = Formality.FORMAL


def _check_request(request: StaffInvitationRequest) -> list[FieldError]:
    errors: list[FieldError] = []
    email = request.email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not is_valid_email(email):
        errors.append(FieldError(Code.INVALID_EMAIL, "email", "Not a valid email."))
    if len(request.display_name.strip()) > MAX_DISPLAY_NAME_LENGTH:
        errors.append(
            FieldError(
                Code.TOO_LONG,
                "display_name",
                f"At most {MAX_DISPLAY_NAME_LENGTH} characters.",
            )
        )
    if request.language not in LANGUAGES:
        errors.append(FieldError(Code.INVALID_LANGUAGE, "language", "Language must be de or en."))
    return errors


async def invite_staff(
    session: AsyncSession,
    env: IdentityEnvironment,
    inviter: StaffUser,
    request: StaffInvitationRequest,
    actor: Actor,
) -> StaffUser:
    """Create an account without a password and email its owner a 7-day setup link."""
    errors = _check_request(request)
    if errors:
        raise InvalidInput(errors)
    email = request.email.strip()
    taken = InvalidInput.single(
        Code.EMAIL_TAKEN, "email", "A staff account with this email exists."
    )
    existing = await session.scalar(
        select(StaffUser.id).where(StaffUser.email_normalized == normalize_email(email))
    )
    if existing is not None:
        raise taken
    staff = StaffUser(
        email=email,
        email_normalized=normalize_email(email),
        display_name=request.display_name.strip() or email.split("@", 1)[0],
        password_hash=None,
        role=request.role.value,
        is_active=True,
        language=request.language,
        formality=str(request.formality),
    )
    try:
        async with session.begin_nested():
            session.add(staff)
    except IntegrityError:
        # A concurrent invitation of the same address won between our check and our insert.
        raise taken from None
    await _send_invitation(session, env, staff, inviter)
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_INVITE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
        changes={"email": email, "role": staff.role},
    )
    return staff


async def resend_staff_invitation(
    session: AsyncSession,
    env: IdentityEnvironment,
    inviter: StaffUser,
    staff: StaffUser,
    actor: Actor,
) -> None:
    """A new setup link for a member who has not set a password yet (older links stop)."""
    if staff_state_of(staff) is not StaffState.INVITED:
        raise InvalidInput.single(
            Code.NOT_INVITED, "id", "This staff member has already set up the account."
        )
    await _send_invitation(session, env, staff, inviter)
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_INVITE_RESENT,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )


async def accept_staff_invitation(
    session: AsyncSession, env: IdentityEnvironment, token: str, password: str
) -> StaffUser:
    """Redeem a setup link once: the invited member sets their password. Refused when the link
    is unknown, used, replaced, expired, or its sender is no longer an active staff member."""
    invalid = InvalidInput.single(Code.INVALID_TOKEN, "token", "This link is not valid.")
    if not token.startswith(INVITATION_TOKEN_PREFIX + "_") or len(token) > 200:
        raise invalid
    invitation = await session.scalar(
        select(StaffInvitation)
        .where(StaffInvitation.token_hash == hash_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invitation is None or invitation.revoked_at is not None:
        raise invalid
    if invitation.accepted_at is not None:
        raise InvalidInput.single(Code.TOKEN_USED, "token", "This link was used already.")
    now = session_now(session)
    if invitation.expires_at <= now:
        raise InvalidInput.single(Code.TOKEN_EXPIRED, "token", "This link has expired.")
    inviter = (
        await session.get(StaffUser, invitation.invited_by_id) if invitation.invited_by_id else None
    )
    staff = await session.get(StaffUser, invitation.staff_user_id, with_for_update=True)
    if inviter is None or not inviter.is_active or staff is None or not staff.is_active:
        raise invalid
    errors = check_new_password(password, email=staff.email)
    if errors:
        raise InvalidInput(errors)
    staff.password_hash = await env.password_hasher.hash(password)
    invitation.accepted_at = now
    await session.flush()
    return staff
