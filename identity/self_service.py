"""What a logged-in customer does with their own account: change their data, change the email
address (proven by a link to the new address, with a notice to the old one) and delete the
account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.customer_auth import verify_current_password
from identity.environment import IdentityEnvironment
from identity.errors import PortalAuthErrorCode as Code
from identity.frontend_links import EMAIL_CHANGE_PATH, frontend_link
from identity.link_tokens import redeem_user_link
from identity.portal_events import record_user_event
from identity.portal_history import record_portal_event
from identity.portal_users import remember_login_of
from identity.registration import recipient_context
from identity.signed_tokens import TokenPurpose
from identity.states import RegistrationStatus
from identity.throttling import Throttle
from portal.config import Settings
from portal.email.outbox import enqueue_email
from portal.errors import FieldError, InvalidInput
from portal.models import Contact, PortalUser
from portal.normalization import MAX_EMAIL_LENGTH, is_valid_email, normalize_email
from portal.services.actors import Actor, ActorType
from portal.services.contacts import consent, update_contact
from portal.services.contacts.history import add_history_entry
from portal.services.events import EventType
from portal.services.portal_settings import PortalSettings

WRONG_PASSWORD = FieldError(Code.WRONG_PASSWORD, "password", "The password is wrong.")


async def _require_password(
    env: IdentityEnvironment, user: PortalUser, password: str, throttle: Throttle
) -> None:
    # Counted against the account like a login; a locked account answers as a wrong password.
    if not await verify_current_password(env.password_hasher, user, password, throttle):
        raise InvalidInput([WRONG_PASSWORD])


async def update_my_profile(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    fields: Mapping[str, Any],
    actor: Actor,
) -> Contact:
    """Change the given fields of the customer's own contact (its history notes the change;
    the portal user's language follows the contact's)."""
    contact = await session.get(Contact, user.contact_id, with_for_update=True)
    assert contact is not None  # a logged-in customer always has a contact
    changes = await update_contact(
        session,
        contact,
        contact.version,  # self-service edits the current state; staff edits are versioned
        fields,
        actor=actor,
        phone_region=env.settings.default_phone_region,
    )
    if "language" in changes:
        user.language = contact.language
    return contact


async def request_email_change(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    new_email: str,
    password: str,
    *,
    throttle: Throttle,
) -> None:
    """Send a confirmation link to ``new_email`` and a notice to the current address. Whether
    the new address is taken is only checked on confirmation, so this answer reveals nothing.
    A wrong password (or a locked account) raises ``WRONG_PASSWORD`` and counts against the
    account's login lockout (the caller keeps that write)."""
    await _require_password(env, user, password, throttle)
    new_email = new_email.strip()
    if len(new_email) > MAX_EMAIL_LENGTH or not is_valid_email(new_email):
        raise InvalidInput.single(Code.INVALID_EMAIL, "new_email", "Not a valid email address.")
    if normalize_email(new_email) == user.email_normalized:
        raise InvalidInput.single(Code.SAME_EMAIL, "new_email", "This is already your address.")
    if not await throttle.allow_mail_to(new_email):
        return  # the address has had its share of mail: the same answer, nothing sent
    token, jti = env.tokens.issue(TokenPurpose.EMAIL_CHANGE, user.id)
    user.pending_email = new_email
    user.email_change_jti = jti
    user.registration_status = RegistrationStatus.EMAIL_UPDATE_IN_PROGRESS
    greeting = recipient_context(user)
    await enqueue_email(
        session,
        template="email_change_confirmation",
        to=new_email,
        language=user.language,
        context={
            **greeting,
            "confirm_url": frontend_link(env.settings, EMAIL_CHANGE_PATH, token=token),
        },
        contact_id=user.contact_id,
    )
    await enqueue_email(
        session,
        template="email_change_notice",
        to=user.email,
        language=user.language,
        context={**greeting, "new_email": new_email},
        contact_id=user.contact_id,
    )
    await session.flush()


async def confirm_email_change(
    session: AsyncSession, env: IdentityEnvironment, portal_settings: PortalSettings, token: str
) -> PortalUser:
    """Switch to the new address; the linked contact's primary email follows."""
    user = await redeem_user_link(
        session,
        env.tokens,
        token,
        TokenPurpose.EMAIL_CHANGE,
        timedelta(hours=portal_settings.email_change_hours),
        still_valid=lambda user, claims: (
            user.email_change_jti == claims.jti and user.pending_email is not None
        ),
    )
    new_email = user.pending_email
    assert new_email is not None  # still_valid checked it
    taken = await session.scalar(
        select(PortalUser.id).where(
            PortalUser.email_normalized == normalize_email(new_email), PortalUser.id != user.id
        )
    )
    if taken is not None:
        raise InvalidInput.single(
            Code.EMAIL_TAKEN, "token", "The new address belongs to another account."
        )
    user.email = new_email
    user.email_normalized = normalize_email(new_email)
    user.pending_email = None
    user.email_change_jti = None
    user.registration_status = RegistrationStatus.REGISTERED
    if user.contact_id is not None:
        contact = await session.get(Contact, user.contact_id)
        if contact is not None:
            contact.email = new_email
            contact.email_normalized = user.email_normalized
        await record_portal_event(session, user, "Portal login email changed")
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise InvalidInput.single(
            Code.EMAIL_TAKEN, "token", "The new address belongs to another account."
        ) from None
    return user


async def delete_my_account(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    password: str,
    *,
    throttle: Throttle,
) -> None:
    """Remove the login (sessions and flows with it); the contact stays, with a history entry.
    The password is checked like :func:`request_email_change`'s."""
    await _require_password(env, user, password, throttle)
    await remember_login_of(session, user)
    if user.contact_id is not None:
        await add_history_entry(
            session,
            user.contact_id,
            Actor(ActorType.CUSTOMER, id=user.id, name=user.email),
            source="portal",
            description="Portal account deleted by the customer",
            visible_to_customer=False,
        )
    await record_user_event(
        session, EventType.PORTAL_USER_DELETED, user, details={"reason": "deleted_by_customer"}
    )
    await session.delete(user)
    await session.flush()


async def subscribe_to_newsletter(
    session: AsyncSession,
    settings: Settings,
    contact: Contact,
    actor: Actor,
    evidence: consent.Evidence,
    *,
    throttle: Throttle,
) -> None:
    """The customer asks for the newsletter: the double opt-in link goes to the contact's
    address, unless that address has had its share of mail (the same answer, nothing sent).
    Raises :class:`InvalidInput` as :func:`portal.services.contacts.consent.send_invitation`."""
    if contact.email and not await throttle.allow_mail_to(contact.email):
        return
    await consent.send_invitation(session, settings, contact, actor, evidence)
