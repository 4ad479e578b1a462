"""Invitations: staff create a customer's portal user and send a 30-day setup link.

The link carries the invitation id and a random nonce; only the nonce's SHA-256 is stored, and
the emailed link is sealed in the outbox and removed from it once sent. A link is single use
and is voided by a newer invitation, by suspension and by deletion.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.customer_auth import LoggedIn
from identity.environment import IdentityEnvironment
from identity.frontend_links import frontend_link
from identity.password_policy import check_new_password
from identity.passwords import reader_before_locking
from identity.portal_events import record_user_event
from identity.portal_history import customer_actor, record_login, record_portal_event
from identity.sessions import CUSTOMER_SESSIONS, start_session
from identity.states import MappingStatus, RegistrationStatus
from identity.throttling import Throttle, ThrottleAction
from portal.email.outbox import enqueue_email
from portal.email.overrides import load_override
from portal.email.rendering import EmailRenderer, RenderedEmail
from portal.email.sealing import LinkSealer
from portal.errors import InvalidInput
from portal.models import Contact, Invitation, PortalUser
from portal.models.base import session_now
from portal.normalization import normalize_email
from portal.opaque_tokens import hash_token
from portal.services.actors import Actor
from portal.services.events import EventType, reference
from portal.services.portal_settings import (
    InvitationRequestPolicy,
    PortalSettings,
)

SETUP_PATH = "/setup"


class InvitationErrorCode(StrEnum):
    CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
    CONTACT_HAS_NO_EMAIL = "CONTACT_HAS_NO_EMAIL"
    CONTACT_INACTIVE = "CONTACT_INACTIVE"
    EMAIL_BELONGS_TO_ANOTHER_CONTACT = "EMAIL_BELONGS_TO_ANOTHER_CONTACT"
    ALREADY_ACTIVE = "ALREADY_ACTIVE"
    # Setting a password for a contact who has or had a login needs the right to replace a
    # customer's credential (issue 16, item 6).
    CUSTOMER_HAS_LOGIN = "CUSTOMER_HAS_LOGIN"
    SUSPENDED = "SUSPENDED"
    NOT_FOUND = "NOT_FOUND"
    NOT_PENDING = "NOT_PENDING"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_USED = "TOKEN_USED"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    PASSWORD_TOO_COMMON = "PASSWORD_TOO_COMMON"


class RevokedReason(StrEnum):
    """Why an invitation was voided (stored in ``invitations.revoked_reason``)."""

    STAFF = "STAFF"
    REPLACED = "REPLACED"
    SUSPENDED = "SUSPENDED"
    PASSWORD_SET = "PASSWORD_SET"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    EXPIRED = "EXPIRED"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"


def status_of(invitation: Invitation, now: datetime) -> InvitationStatus:
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    portal_user: PortalUser
    setup_url: str


async def revoke_pending(
    session: AsyncSession, portal_user_id: uuid.UUID, reason: RevokedReason
) -> int:
    """Void every open invitation of a user (newer invitation, suspension, staff)."""
    now = session_now(session)
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.portal_user_id == portal_user_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason=reason, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _portal_user_for(session: AsyncSession, contact: Contact, actor: Actor) -> PortalUser:
    """The contact's portal user, created (already linked) if it has none."""
    if not contact.is_active:
        raise InvalidInput.single(
            InvitationErrorCode.CONTACT_INACTIVE, "contact_id", "The contact is inactive."
        )
    if not contact.email or not contact.email_normalized:
        raise InvalidInput.single(
            InvitationErrorCode.CONTACT_HAS_NO_EMAIL, "contact_id", "The contact has no email."
        )
    user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == contact.id))
    if user is None:
        user = await session.scalar(
            select(PortalUser).where(PortalUser.email_normalized == contact.email_normalized)
        )
        if user is not None and user.contact_id not in (None, contact.id):
            raise InvalidInput.single(
                InvitationErrorCode.EMAIL_BELONGS_TO_ANOTHER_CONTACT,
                "contact_id",
                "A portal user with this email belongs to another contact.",
            )
    if user is None:
        user = PortalUser(
            email=contact.email,
            email_normalized=contact.email_normalized,
            registration_status=RegistrationStatus.REGISTRATION_PENDING,
            first_name=contact.first_name,
            last_name=contact.last_name,
            language=contact.language,
            existing_customer=True,
        )
        session.add(user)
        await record_user_event(
            session, EventType.PORTAL_USER_REGISTERED, user, actor=actor,
            details={"registeredBy": "invitation"},
        )  # fmt: skip
    if user.suspended_at is not None:
        raise InvalidInput.single(
            InvitationErrorCode.SUSPENDED, "contact_id", "The portal user is suspended."
        )
    if user.activated_at is not None and user.password_hash is not None:
        raise InvalidInput.single(
            InvitationErrorCode.ALREADY_ACTIVE, "contact_id", "The customer has set up access."
        )
    newly_linked = user.contact_id is None
    user.contact_id = contact.id
    user.mapping_status = MappingStatus.ASSIGNED
    user.pending_reason = None
    user.assigned_at = user.assigned_at or session_now(session)
    await session.flush()
    if newly_linked:
        await record_user_event(
            session, EventType.PORTAL_USER_LINKED, user, actor=actor,
            details={"linkedBy": "invitation"},
        )  # fmt: skip
    return user


def invitation_context(
    contact: Contact, setup_url: str, username: str, expires: datetime
) -> dict[str, str]:
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "salutation": contact.salutation,
        "title": contact.title,
        "setup_url": setup_url,
        "username": username,
        "expires_at": expires.isoformat(),
    }


async def render_invitation_preview(
    session: AsyncSession,
    env: IdentityEnvironment,
    renderer: EmailRenderer,
    portal_settings: PortalSettings,
    contact: Contact,
    language: str | None = None,
) -> RenderedEmail:
    """The invitation ``contact`` would get now (in ``language``, else the contact's; in the
    contact's form of address; with staff's override), with a placeholder link; nothing is
    sent or stored."""
    chosen = renderer.language(language or contact.language)
    expires = session_now(session).replace(microsecond=0) + timedelta(
        days=portal_settings.invitation_days
    )
    setup_url = frontend_link(env.settings, SETUP_PATH, token="preview")  # noqa: S106
    return renderer.render(
        "invitation",
        chosen,
        contact.formality,
        invitation_context(contact, setup_url, contact.email or "", expires),
        await load_override(session, "invitation", chosen),
    )


async def invite_contact(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    contact: Contact,
    *,
    send_email: bool,
    created_by: str,
    actor: Actor,
    announce: bool = True,
) -> IssuedInvitation:
    """A new setup link for the contact (earlier open links stop working). With ``announce``
    it is an ``invitation.sent`` event; a link revoked at once (a password set by staff
    instead) is not."""
    user = await _portal_user_for(session, contact, actor)
    await revoke_pending(session, user.id, RevokedReason.REPLACED)
    nonce = secrets.token_urlsafe(32)
    now = session_now(session)
    invitation = Invitation(
        id=uuid.uuid4(),
        portal_user_id=user.id,
        contact_id=contact.id,
        nonce_hash=hash_token(nonce),
        expires_at=now + timedelta(days=portal_settings.invitation_days),
        created_by=created_by,
    )
    session.add(invitation)
    setup_url = frontend_link(env.settings, SETUP_PATH, token=f"{invitation.id.hex}.{nonce}")
    if send_email:
        invitation.emailed_at = now
        await enqueue_email(
            session,
            template="invitation",
            to=user.email,
            language=contact.language,
            formality=contact.formality,
            context=invitation_context(contact, setup_url, user.email, invitation.expires_at),
            contact_id=contact.id,
            sealer=LinkSealer.from_settings(env.settings),
        )
    await session.flush()
    if announce:
        await record_user_event(
            session, EventType.INVITATION_SENT, user, actor=actor,
            details={"invitation": reference("Invitation", invitation.id), "emailed": send_email,
                     "expiresAt": invitation.expires_at},
        )  # fmt: skip
    return IssuedInvitation(invitation, user, setup_url)


async def _invited_email(session: AsyncSession, invitation: Invitation) -> str:
    """The address of the portal user an invitation sets up, if it may still be set up."""
    email = await session.scalar(
        select(PortalUser.email).where(
            PortalUser.id == invitation.portal_user_id,
            PortalUser.suspended_at.is_(None),
            PortalUser.contact_id.is_not(None),
        )
    )
    if email is None:
        raise InvalidInput.single(
            InvitationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    return email


async def _redeemable(session: AsyncSession, token: str, *, lock: bool = True) -> Invitation:
    ident, _, nonce = token.partition(".")
    invitation = None
    try:
        invitation_id = uuid.UUID(hex=ident)
    except ValueError:
        invitation_id = None
    if invitation_id is not None and nonce and len(token) < 200:
        invitation = await session.get(Invitation, invitation_id, with_for_update=lock)
    if invitation is None or not hmac.compare_digest(invitation.nonce_hash, hash_token(nonce)):
        raise InvalidInput.single(
            InvitationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    state = status_of(invitation, session_now(session))
    if state is InvitationStatus.ACCEPTED:
        raise InvalidInput.single(InvitationErrorCode.TOKEN_USED, "token", "The link was used.")
    if state is InvitationStatus.REVOKED:
        raise InvalidInput.single(
            InvitationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    if state is InvitationStatus.EXPIRED:
        raise InvalidInput.single(
            InvitationErrorCode.TOKEN_EXPIRED, "token", "The link has expired."
        )
    return invitation


async def accept_invitation(
    session: AsyncSession,
    env: IdentityEnvironment,
    token: str,
    password: str,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoggedIn:
    """Set the password, activate and log in. The email cannot change here.

    The link and the password are checked and the password hashed before anything is locked
    (the request holds no connection while it hashes); the link is checked again under its
    lock."""
    async with reader_before_locking(session, env.database) as reader:
        email = await _invited_email(reader, await _redeemable(reader, token, lock=False))
    errors = check_new_password(password, "password", email=email)
    if errors:
        raise InvalidInput(errors)
    async with env.password_hasher.admitted():
        password_hash = await env.password_hasher.hash(password)
    invitation = await _redeemable(session, token)
    user = await session.get(PortalUser, invitation.portal_user_id, with_for_update=True)
    if user is None or user.suspended_at is not None or user.contact_id is None:
        raise InvalidInput.single(
            InvitationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    if user.email != email:  # changed while the password was hashed: check it again
        errors = check_new_password(password, "password", email=user.email)
        if errors:
            raise InvalidInput(errors)
    now = session_now(session)
    user.password_hash = password_hash
    user.password_changed_at = now
    user.password_set_by_staff_at = None  # the customer's own password now
    user.activated_at = user.activated_at or now
    user.registration_status = RegistrationStatus.REGISTERED
    invitation.accepted_at = now
    started = await start_session(
        session, CUSTOMER_SESSIONS, user.id, env.customer_sessions,
        ip_address=ip_address, user_agent=user_agent,
    )  # fmt: skip
    await record_user_event(
        session, EventType.INVITATION_ACCEPTED, user,
        details={"invitation": reference("Invitation", invitation.id)},
    )  # fmt: skip
    if user.activated_at == now:
        await record_portal_event(session, user, "Portal account activated (invitation accepted)")
        await record_user_event(
            session, EventType.PORTAL_USER_ACTIVATED, user, details={"activatedBy": "invitation"}
        )
    await record_login(session, env, user, now)
    user.last_login_at = now
    await session.flush()
    return LoggedIn(user, started)


async def request_new_invitation(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    email: str,
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> None:
    """A customer whose link expired asks for a new one. Same answer for everyone (also over
    the client's limit); staff are notified or a new link is sent, as the settings say."""
    if len(email) > 254:
        return
    if throttle is not None and not (
        await throttle.allow(ThrottleAction.INVITATION_REQUEST, client_ip)
        and await throttle.allow_mail_to(email)
    ):
        return
    user = await session.scalar(
        select(PortalUser).where(PortalUser.email_normalized == normalize_email(email))
    )
    if user is None or user.contact_id is None or user.suspended_at is not None:
        return
    if user.activated_at is not None and user.password_hash is not None:
        return  # set up already: the login page and password reset are the way
    contact = await session.get(Contact, user.contact_id)
    if contact is None:
        return
    if portal_settings.invitation_request_policy is InvitationRequestPolicy.SEND_NEW_LINK:
        await invite_contact(
            session, env, portal_settings, contact, send_email=True, created_by="self-service",
            actor=customer_actor(user),
        )  # fmt: skip
        return
    for address in portal_settings.pending_review_notify:
        await enqueue_email(
            session,
            template="staff_pending_review",
            to=address,
            language=env.settings.default_language,
            context={"portal_user_email": user.email, "reason": "INVITATION_REQUESTED"},
        )
