"""What staff do about a contact's portal access: invite (again), void an invitation, set the
password instead of inviting, and find the contact's portal user. Each action is audited and
noted in the contact's history (see :func:`identity.portal_users.record_staff_action`)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.invitations import (
    InvitationErrorCode,
    InvitationStatus,
    IssuedInvitation,
    invite_contact,
    status_of,
)
from identity.password_policy import check_new_password
from identity.portal_users import record_staff_action
from identity.sessions import CUSTOMER_SESSIONS, revoke_all_sessions
from identity.states import RegistrationStatus
from portal.errors import InvalidInput
from portal.models import Contact, Invitation, PortalUser
from portal.models.base import session_now
from portal.services.actors import Actor
from portal.services.contacts import require_contact
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
        session, env, portal_settings, contact, send_email=send_email, created_by=staff_name
    )
    await record_staff_action(
        session, actor, "invite", issued.portal_user, changes={"emailed": send_email}
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
    invitation.revoked_reason = "STAFF"
    user = await session.get(PortalUser, invitation.portal_user_id)
    if user is not None:
        await record_staff_action(session, actor, "revoke_invitation", user)
    return invitation


@dataclass(frozen=True)
class PasswordSetByStaff:
    portal_user: PortalUser
    # Only when generated: shown to the staff member this once, never stored.
    generated_password: str | None


async def set_password_by_staff(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    contact: Contact,
    password: str | None,
    *,
    generate: bool,
    actor: Actor,
) -> PasswordSetByStaff:
    """Instead of an invitation: give the contact's portal user (created if needed, linked)
    ``password``, or a generated one when ``generate`` or no password is given. The account
    is activated, open invitations end and so does every session of the user."""
    issued = await invite_contact(
        session,
        env,
        portal_settings,
        contact,
        send_email=False,
        created_by="password set by staff",
    )
    user = issued.portal_user
    given = password if password and not generate else None
    chosen = given or secrets.token_urlsafe(12)
    errors = check_new_password(chosen, "password", email=user.email)
    if errors:
        raise InvalidInput(errors)
    now = session_now(session)
    issued.invitation.revoked_at, issued.invitation.revoked_reason = now, "PASSWORD_SET"
    user.password_hash = await env.password_hasher.hash(chosen)
    user.password_changed_at = now
    user.activated_at = user.activated_at or now
    user.registration_status = RegistrationStatus.REGISTERED
    await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    await record_staff_action(session, actor, "set_password", user)
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
