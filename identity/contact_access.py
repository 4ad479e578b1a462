"""What staff do about a contact's portal access: invite (again), void an invitation, set the
password instead of inviting (never for a customer's own login without the right to: see
:func:`set_password_by_staff`), and find the contact's portal user. Each action is audited and
noted in the contact's history (see :func:`identity.portal_users.record_staff_action`)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.frontend_links import LOGIN_PATH, frontend_link
from identity.invitations import (
    InvitationErrorCode,
    InvitationStatus,
    IssuedInvitation,
    RevokedReason,
    invite_contact,
    revoke_pending,
    status_of,
)
from identity.password_policy import check_new_password
from identity.portal_events import record_user_event
from identity.portal_users import record_staff_action
from identity.sessions import CUSTOMER_SESSIONS, revoke_all_sessions
from identity.states import RegistrationStatus
from portal.email.greeting import recipient_of
from portal.email.outbox import enqueue_email
from portal.errors import InvalidInput
from portal.models import Contact, Invitation, PortalUser
from portal.models.base import session_now
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction
from portal.services.contacts import require_contact
from portal.services.events import EventType
from portal.services.portal_settings import PortalSettings


async def invite_contact_by_staff(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    contact: Contact,
    *,
    send_email: bool,
    staff_name: str,
    actor: Actor,
) -> IssuedInvitation:
    """:func:`identity.invitations.invite_contact` on behalf of ``staff_name``, audited."""
    issued = await invite_contact(
        session, env, portal_settings, contact, send_email=send_email, created_by=staff_name,
        actor=actor,
    )  # fmt: skip
    await record_staff_action(
        session,
        actor,
        AuditAction.PORTAL_USER_INVITE,
        issued.portal_user,
        changes={"emailed": send_email},
    )
    return issued


async def contact_of_invitation(session: AsyncSession, invitation_id: uuid.UUID | None) -> Contact:
    """The contact an invitation was for (to invite again); ``NOT_FOUND`` when there is no
    such invitation or contact."""
    invitation = await session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None:
        raise InvalidInput.single(
            InvitationErrorCode.NOT_FOUND, "invitation_id", "No such invitation."
        )
    return await require_contact(session, invitation.contact_id, "invitation_id")


async def revoke_invitation(
    session: AsyncSession, invitation_id: uuid.UUID | None, actor: Actor
) -> Invitation:
    """Void an open invitation (``NOT_PENDING`` when it is not open any more)."""
    invitation = (
        await session.get(Invitation, invitation_id, with_for_update=True)
        if invitation_id
        else None
    )
    if invitation is None:
        raise InvalidInput.single(
            InvitationErrorCode.NOT_FOUND, "invitation_id", "No such invitation."
        )
    now = session_now(session)
    if status_of(invitation, now) is not InvitationStatus.PENDING:
        raise InvalidInput.single(InvitationErrorCode.NOT_PENDING, "invitation_id", "Not open.")
    invitation.revoked_at = now
    invitation.revoked_reason = RevokedReason.STAFF
    user = await session.get(PortalUser, invitation.portal_user_id)
    if user is not None:
        await record_staff_action(session, actor, AuditAction.PORTAL_USER_REVOKE_INVITATION, user)
    return invitation


@dataclass(frozen=True)
class PasswordSetByStaff:
    portal_user: PortalUser
    # Only when generated: shown to the staff member this once, never stored.
    generated_password: str | None


async def has_or_had_login(session: AsyncSession, contact: Contact) -> bool:
    """Whether someone holds, or held, a password for this contact: its own portal user or a
    registration under its address with a password, or a login that was deleted or unassigned
    (:func:`identity.portal_users.remember_login_of`)."""
    if contact.had_portal_login:
        return True
    same_person = PortalUser.contact_id == contact.id
    if contact.email_normalized:
        same_person = or_(same_person, PortalUser.email_normalized == contact.email_normalized)
    found = await session.scalar(
        select(exists().where(same_person, PortalUser.password_hash.is_not(None)))
    )
    return bool(found)


async def _user_for_password(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    contact: Contact,
    actor: Actor,
) -> PortalUser:
    """The contact's portal user ready for a password: an active login as it is (open
    invitations end), otherwise the one an invitation would set up (made if missing)."""
    user = await session.scalar(
        select(PortalUser).where(PortalUser.contact_id == contact.id).with_for_update()
    )
    if user is not None and user.activated_at is not None and user.password_hash is not None:
        if user.suspended_at is not None:
            raise InvalidInput.single(
                InvitationErrorCode.SUSPENDED, "contact_id", "The portal user is suspended."
            )
        await revoke_pending(session, user.id, RevokedReason.PASSWORD_SET)
        return user
    issued = await invite_contact(
        session, env, portal_settings, contact, send_email=False,
        created_by="password set by staff", actor=actor, announce=False,
    )  # fmt: skip
    issued.invitation.revoked_at = session_now(session)
    issued.invitation.revoked_reason = RevokedReason.PASSWORD_SET
    return issued.portal_user


async def set_password_by_staff(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    contact: Contact,
    password: str | None,
    *,
    generate: bool,
    may_replace_credentials: bool,
    actor: Actor,
) -> PasswordSetByStaff:
    """Instead of an invitation: give the contact's portal user (created if needed, linked)
    ``password``, or a generated one when ``generate`` or no password is given. The account
    is activated, open invitations, reset links and every session of the user end.

    Staff never hold a customer's credential (issue 16, item 6): for a contact who has or had
    a login of its own this needs ``may_replace_credentials`` (``portal_users:set_credentials``,
    administrators) and raises ``CUSTOMER_HAS_LOGIN`` otherwise; support could else delete a
    login, generate a password and turn a time-boxed, audited impersonation into the customer's
    account. Whoever does it, it is audited, the customer is emailed, and sessions the password
    opens are marked ``staff_created`` until the customer chooses their own password."""
    had_login = await has_or_had_login(session, contact)
    if had_login and not may_replace_credentials:
        raise InvalidInput.single(
            InvitationErrorCode.CUSTOMER_HAS_LOGIN,
            "contact_id",
            "The customer has or had a login: only the customer sets its password (send a "
            "password reset or an invitation).",
        )
    user = await _user_for_password(session, env, portal_settings, contact, actor)
    given = password if password and not generate else None
    chosen = given or secrets.token_urlsafe(12)
    errors = check_new_password(chosen, "password", email=user.email)
    if errors:
        raise InvalidInput(errors)
    now = session_now(session)
    if user.activated_at is None:
        await record_user_event(
            session, EventType.PORTAL_USER_ACTIVATED, user, actor=actor,
            details={"activatedBy": "password_set_by_staff"},
        )  # fmt: skip
    user.password_hash = await env.password_hasher.hash(chosen)
    user.password_changed_at = now
    user.password_set_by_staff_at = now
    user.password_reset_jti = None  # a reset link sent earlier must not undo it unnoticed
    user.activated_at = user.activated_at or now
    user.registration_status = RegistrationStatus.REGISTERED
    await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    await record_staff_action(
        session,
        actor,
        AuditAction.PORTAL_USER_SET_PASSWORD,
        user,
        changes={"generated": given is None, "customer_had_login": had_login},
    )
    await enqueue_email(
        session,
        template="password_set_by_staff",
        to=user.email,
        language=contact.language,
        formality=contact.formality,
        context={
            **recipient_of(contact),
            "set_at": now.isoformat(),
            "login_url": frontend_link(env.settings, LOGIN_PATH),
        },
        contact_id=contact.id,
    )
    await session.flush()
    return PasswordSetByStaff(user, None if given else chosen)


async def portal_user_of_contact(session: AsyncSession, contact_id: uuid.UUID | None) -> PortalUser:
    """The portal user of a contact, for suspending or reactivating its access; ``NOT_FOUND``
    when there is no such contact or it has no portal user."""
    contact = await require_contact(session, contact_id, "contact_id")
    user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == contact.id))
    if user is None:
        raise InvalidInput.single(
            InvitationErrorCode.NOT_FOUND, "contact_id", "The contact has no portal user."
        )
    return user
