"""What staff do with portal users: list, assign a contact, suspend, activate, delete.

Every operation validates first and raises :class:`InvalidInput` with a ``PortalUserErrorCode``;
the caller's transaction commits it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.contact_linking import link_contact
from identity.environment import IdentityEnvironment
from identity.invitations import RevokedReason, revoke_pending
from identity.portal_events import record_user_event
from identity.portal_history import LinkedBy
from identity.registration import issue_password_reset, send_activation_email
from identity.sessions import CUSTOMER_SESSIONS, revoke_all_sessions
from identity.states import MappingStatus, PendingReason, RegistrationStatus
from portal.errors import InvalidInput
from portal.models import Contact, PortalUser
from portal.models.base import PlainRow, session_now
from portal.normalization import normalize_email
from portal.pagination import Page
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts import create_contact
from portal.services.contacts.history import add_history_entry
from portal.services.events import EventType, reference
from portal.services.timeline import newest_first_rows


class PortalUserErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    CONTACT_HAS_PORTAL_USER = "CONTACT_HAS_PORTAL_USER"
    CONTACT_INACTIVE = "CONTACT_INACTIVE"
    ALREADY_ACTIVATED = "ALREADY_ACTIVATED"
    ALREADY_SUSPENDED = "ALREADY_SUSPENDED"
    NOT_SUSPENDED = "NOT_SUSPENDED"
    SUSPENDED = "SUSPENDED"
    NOT_ACTIVATED = "NOT_ACTIVATED"


@dataclass(frozen=True)
class PortalUserFilter:
    registration_status: str | None = None
    mapping_status: str | None = None
    pending_reason: str | None = None
    contact_id: uuid.UUID | None = None
    email: str | None = None  # substring of the normalised email
    suspended: bool | None = None


def _conditions(f: PortalUserFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.registration_status:
        conditions.append(PortalUser.registration_status == f.registration_status)
    if f.mapping_status:
        conditions.append(PortalUser.mapping_status == f.mapping_status)
    if f.pending_reason:
        conditions.append(PortalUser.pending_reason == f.pending_reason)
    if f.contact_id:
        conditions.append(PortalUser.contact_id == f.contact_id)
    if f.email:
        needle = (
            normalize_email(f.email).replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        )
        conditions.append(PortalUser.email_normalized.like(f"%{needle}%", escape="\\"))
    if f.suspended is not None:
        conditions.append(
            PortalUser.suspended_at.is_not(None)
            if f.suspended
            else PortalUser.suspended_at.is_(None)
        )
    return conditions


# What a list of portal users reads: everything but credentials and token ids.
RECORD_KEYS = tuple(
    column.key
    for column in PortalUser.__table__.columns
    if column.key not in ("password_hash", "password_reset_jti", "email_change_jti")
)


async def list_portal_users(
    session: AsyncSession,
    f: PortalUserFilter,
    *,
    first: int | None,
    after: str | None,
    contact_columns: Sequence[str] = (),
) -> Page[PlainRow]:
    """Newest first; keyset on (created_at, id); plain rows of :data:`RECORD_KEYS`. With
    ``contact_columns``, each user's contact is read in the same statement: a mapping of those
    columns in ``page.related[user.id]``, for pages that show contacts."""
    join = None
    if contact_columns:
        join = (Contact, Contact.id == PortalUser.contact_id, ("id", *contact_columns))
    return await newest_first_rows(
        session, PortalUser, RECORD_KEYS, _conditions(f), first=first, after=after,
        time_column="created_at", join=join,
    )  # fmt: skip


async def get_portal_user(session: AsyncSession, user_id: uuid.UUID | None) -> PortalUser:
    """The portal user (row-locked for the change to come) or NOT_FOUND."""
    user = await session.get(PortalUser, user_id, with_for_update=True) if user_id else None
    if user is None:
        raise InvalidInput.single(PortalUserErrorCode.NOT_FOUND, "portal_user_id", "No such user.")
    return user


async def record_staff_action(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    user: PortalUser,
    *,
    contact_id: uuid.UUID | None = None,
    changes: dict[str, object] | None = None,
) -> None:
    """Audit a staff action on a portal user, and note it in the contact's history."""
    contact_id = contact_id or user.contact_id
    await audit.record(
        session,
        actor,
        action,
        subject_type=AuditSubject.PORTAL_USER,
        subject_id=user.id,
        contact_id=contact_id,
        changes=changes or {},
    )
    if contact_id is not None:
        await add_history_entry(
            session,
            contact_id,
            actor,
            source="staff console",
            description="Portal account: "
            + action.value.removeprefix("portal_user.").replace("_", " "),
        )


async def remember_login_of(session: AsyncSession, user: PortalUser) -> None:
    """Note on the user's contact that it had a login of its own, before ``user`` stops being
    it (deleted or unassigned): staff may not set a password for it afterwards without the
    right to replace a customer's credential (see :mod:`identity.staff_passwords`). A plain
    UPDATE: the contact's version, which staff edits name, does not change."""
    if user.contact_id is not None and user.password_hash is not None:
        await session.execute(
            update(Contact).where(Contact.id == user.contact_id).values(had_portal_login=True)
        )


async def portal_users_by_contact_ids(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, PortalUser]:
    if not contact_ids:
        return {}
    rows = await session.scalars(select(PortalUser).where(PortalUser.contact_id.in_(contact_ids)))
    return {row.contact_id: row for row in rows if row.contact_id is not None}


def require_unassigned(user: PortalUser) -> None:
    if user.contact_id is not None:
        raise InvalidInput.single(
            PortalUserErrorCode.ALREADY_ASSIGNED,
            "portal_user_id",
            "The user already has a contact.",
        )


async def _link_to(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    contact_id: uuid.UUID | None,
    actor: Actor,
) -> Contact:
    require_unassigned(user)
    contact = await session.get(Contact, contact_id, with_for_update=True) if contact_id else None
    if contact is None:
        raise InvalidInput.single(
            PortalUserErrorCode.CONTACT_NOT_FOUND, "contact_id", "No such contact."
        )
    if not contact.is_active:
        raise InvalidInput.single(
            PortalUserErrorCode.CONTACT_INACTIVE, "contact_id", "The contact is inactive."
        )
    taken = await session.scalar(select(PortalUser.id).where(PortalUser.contact_id == contact.id))
    if taken is not None:
        raise InvalidInput.single(
            PortalUserErrorCode.CONTACT_HAS_PORTAL_USER,
            "contact_id",
            "The contact already has a portal user.",
        )
    await link_contact(
        session, env, user, contact, notify=True, linked_by=LinkedBy.STAFF, actor=actor
    )
    return contact


async def assign_portal_user(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    contact_id: uuid.UUID | None,
    actor: Actor,
) -> Contact:
    """Staff assign a contact to a user that has none (typed errors otherwise); the customer
    is emailed that the account is ready."""
    contact = await _link_to(session, env, user, contact_id, actor)
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_ASSIGN, user)
    return contact


async def assign_new_contact(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    fields: Mapping[str, Any],
    actor: Actor,
) -> Contact:
    """Staff create a contact from ``fields`` and assign it to a user that has none. Nothing
    but the email is needed: the contact always carries the registrant's proven email as its
    primary email (an other email given is kept as a further one), and takes the name the
    registrant gave where staff give none."""
    require_unassigned(user)
    given = dict(fields)
    other_email = given.pop("email", None)
    further = list(given.get("additional_emails") or [])
    if other_email and normalize_email(other_email) != user.email_normalized:
        further.append(other_email)
    if further:
        given["additional_emails"] = further
    given["email"] = user.email
    if not any(str(given.get(key) or "").strip()
               for key in ("first_name", "last_name", "company_name")):  # fmt: skip
        given["first_name"] = user.first_name
        given["last_name"] = user.last_name or user.email
    contact = await create_contact(
        session, given, actor=actor, phone_region=env.settings.default_phone_region
    )
    await _link_to(session, env, user, contact.id, actor)
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_ASSIGN_NEW_CONTACT, user)
    return contact


async def unassign_portal_user(session: AsyncSession, user: PortalUser, actor: Actor) -> None:
    """Remove the contact link; the user is pending again and every session ends."""
    previous = user.contact_id
    if previous is None:
        raise InvalidInput.single(
            PortalUserErrorCode.NOT_ASSIGNED, "portal_user_id", "The user has no contact."
        )
    await remember_login_of(session, user)
    user.contact_id = None
    user.mapping_status = MappingStatus.PENDING
    user.pending_reason = PendingReason.UNASSIGNED
    user.assigned_at = None
    await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    await session.flush()
    await record_staff_action(
        session, actor, AuditAction.PORTAL_USER_UNASSIGN, user, contact_id=previous
    )
    await record_user_event(
        session, EventType.PORTAL_USER_PENDING_REVIEW, user, actor=actor,
        details={"reason": PendingReason.UNASSIGNED.value,
                 "previousContact": reference("Contact", previous)},
    )  # fmt: skip


async def suspend_portal_user(session: AsyncSession, user: PortalUser, actor: Actor) -> int:
    """Block login and end every session and open invitation at once; returns how many
    sessions ended."""
    if user.suspended_at is not None:
        raise InvalidInput.single(
            PortalUserErrorCode.ALREADY_SUSPENDED, "portal_user_id", "The user is suspended."
        )
    user.suspended_at = session_now(session)
    ended = await revoke_all_sessions(session, CUSTOMER_SESSIONS, user.id)
    await revoke_pending(session, user.id, RevokedReason.SUSPENDED)
    await session.flush()
    await record_staff_action(
        session, actor, AuditAction.PORTAL_USER_SUSPEND, user, changes={"sessions_ended": ended}
    )
    await record_user_event(session, EventType.PORTAL_USER_SUSPENDED, user, actor=actor)
    return ended


async def reactivate_portal_user(session: AsyncSession, user: PortalUser, actor: Actor) -> None:
    """Allow login again; sessions ended by the suspension stay ended."""
    if user.suspended_at is None:
        raise InvalidInput.single(
            PortalUserErrorCode.NOT_SUSPENDED, "portal_user_id", "The user is not suspended."
        )
    user.suspended_at = None
    await session.flush()
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_REACTIVATE, user)
    await record_user_event(session, EventType.PORTAL_USER_REACTIVATED, user, actor=actor)


def require_not_activated(user: PortalUser) -> None:
    if user.activated_at is not None:
        raise InvalidInput.single(
            PortalUserErrorCode.ALREADY_ACTIVATED, "portal_user_id", "The user is activated."
        )


async def resend_activation_email(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser, actor: Actor
) -> None:
    """A new activation link for a user who has not activated yet."""
    require_not_activated(user)
    await send_activation_email(session, env, user)
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_RESEND_ACTIVATION, user)


async def send_password_reset_link(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser, actor: Actor
) -> None:
    """Staff help a locked-out customer without ever knowing the password: the customer gets
    the reset link by email (as if they had asked; any older link stops working) and chooses
    the password themselves. For active users too; not for suspended ones (the link would not
    work) or users who never activated (they need their activation email)."""
    if user.suspended_at is not None:
        raise InvalidInput.single(
            PortalUserErrorCode.SUSPENDED, "portal_user_id",
            "The user is suspended; reactivate them first.",
        )  # fmt: skip
    if user.activated_at is None:
        raise InvalidInput.single(
            PortalUserErrorCode.NOT_ACTIVATED, "portal_user_id",
            "The user has not activated the account yet; resend the activation email.",
        )  # fmt: skip
    await issue_password_reset(session, env, user, "password_reset")
    await record_staff_action(
        session, actor, AuditAction.PORTAL_USER_PASSWORD_RESET_LINK_SENT, user
    )


async def activate_manually(session: AsyncSession, user: PortalUser, actor: Actor) -> None:
    """Staff activate a user without the email link ('Freischalten'). Nobody proved the
    address, so a user without a contact is not matched by it (whoever registered could have
    typed any customer's address): it waits with ``EMAIL_NOT_PROVEN`` until staff choose its
    contact."""
    require_not_activated(user)
    user.activated_at = session_now(session)
    if user.registration_status in (
        RegistrationStatus.ACTIVATION_EMAIL_SENT,
        RegistrationStatus.REGISTRATION_PENDING,
    ):
        user.registration_status = RegistrationStatus.REGISTERED
    await record_user_event(
        session, EventType.PORTAL_USER_ACTIVATED, user, actor=actor,
        details={"activatedBy": "staff"},
    )  # fmt: skip
    if user.contact_id is None:
        user.mapping_status = MappingStatus.PENDING
        user.pending_reason = PendingReason.EMAIL_NOT_PROVEN
        await record_user_event(
            session, EventType.PORTAL_USER_PENDING_REVIEW, user, actor=actor,
            details={"reason": PendingReason.EMAIL_NOT_PROVEN.value},
        )  # fmt: skip
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_ACTIVATE_MANUALLY, user)


async def delete_portal_user(session: AsyncSession, user: PortalUser, actor: Actor) -> None:
    """Remove the login; sessions and flows go with it, the contact stays."""
    await remember_login_of(session, user)
    await record_staff_action(session, actor, AuditAction.PORTAL_USER_DELETE, user)
    await record_user_event(
        session, EventType.PORTAL_USER_DELETED, user, actor=actor,
        details={"reason": "deleted_by_staff"},
    )  # fmt: skip
    await session.delete(user)
    await session.flush()
