"""Support impersonation: staff see the portal exactly as one customer does.

A staff user with ``support:impersonate`` starts an impersonation with a reason (and a ticket);
it yields a one-time login token (2 minutes) bound to that staff user and that portal user.
Redeeming it opens a customer session marked as impersonated, with a hard maximum (30 minutes),
that never touches the customer's last login. Start, every mutation and the end are audited
with both identities; the customer's history shows "Viewed by support", and the customer is
emailed if the settings say so.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.frontend_links import frontend_link
from identity.link_tokens import read_token, spend_token
from identity.permissions import StaffPermission, permissions_for_role
from identity.portal_events import record_user_event
from identity.sessions import CUSTOMER_SESSIONS, SessionPolicy, StartedSession, start_session
from identity.signed_tokens import TokenPurpose
from portal.email.outbox import enqueue_email
from portal.errors import InvalidInput
from portal.models import Contact, Impersonation, PortalSession, PortalUser, StaffUser
from portal.models.base import session_now
from portal.normalization import clean_name, clean_text
from portal.services import audit
from portal.services.actors import Actor, ActorType
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.history import add_history_entry
from portal.services.events import EventType, record_event, reference

SUPPORT_LOGIN_PATH = "/support-login"


class ImpersonationMode(StrEnum):
    READ_ONLY = "READ_ONLY"
    FULL = "FULL"


class ImpersonationErrorCode(StrEnum):
    REASON_TOO_SHORT = "REASON_TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    USER_SUSPENDED = "USER_SUSPENDED"
    USER_NOT_LINKED = "USER_NOT_LINKED"
    USER_NOT_ACTIVE = "USER_NOT_ACTIVE"
    CONTACT_HAS_NO_PORTAL_USER = "CONTACT_HAS_NO_PORTAL_USER"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_USED = "TOKEN_USED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_ENDED = "ALREADY_ENDED"


class ImpersonationState(StrEnum):
    PENDING = "PENDING"  # token issued, not redeemed
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


def state_of(row: Impersonation, now: datetime) -> ImpersonationState:
    if row.end_reason == "REVOKED":
        return ImpersonationState.REVOKED
    if row.ended_at is not None:
        return ImpersonationState.ENDED
    if row.started_at is None:
        return (
            ImpersonationState.PENDING if row.token_expires_at > now else ImpersonationState.EXPIRED
        )
    if row.expires_at is not None and row.expires_at <= now:
        return ImpersonationState.EXPIRED
    return ImpersonationState.ACTIVE


def permissions_to_impersonate(mode: str) -> frozenset[StaffPermission]:
    """What a staff member needs to impersonate in ``mode``: support:impersonate, and
    support:impersonate_full for FULL."""
    if mode == ImpersonationMode.FULL:
        return frozenset(
            {StaffPermission.SUPPORT_IMPERSONATE, StaffPermission.SUPPORT_IMPERSONATE_FULL}
        )
    return frozenset({StaffPermission.SUPPORT_IMPERSONATE})


def staff_may_impersonate(staff: StaffUser | None, mode: str) -> bool:
    """Whether ``staff`` may (still) impersonate in ``mode``: an impersonation is bound to its
    staff member, and stops working once that account is deactivated, deleted or no longer
    holds the permission its mode needs."""
    if staff is None or not staff.is_active:
        return False
    return permissions_to_impersonate(mode) <= permissions_for_role(staff.role)


async def live_impersonation(
    session: AsyncSession, impersonation_id: uuid.UUID
) -> Impersonation | None:
    """The impersonation a customer session was opened for, while that session may still be
    used: not ended, and its staff member still active and allowed to impersonate in its mode
    (deactivation or a lost permission ends it at once)."""
    row = await session.get(Impersonation, impersonation_id)
    if row is None or row.ended_at is not None:
        return None
    staff = await session.get(StaffUser, row.staff_user_id) if row.staff_user_id else None
    return row if staff_may_impersonate(staff, row.mode) else None


def staff_actor(staff: StaffUser, ip: str | None = None) -> Actor:
    return Actor(ActorType.STAFF, staff.id, staff.display_name or staff.email, ip)


def support_actor(row: Impersonation, ip: str | None = None) -> Actor:
    """The staff member behind an impersonation, as the actor of what happens in it."""
    return Actor(ActorType.STAFF, row.staff_user_id, row.staff_name, ip)


async def portal_user_of_contact(session: AsyncSession, contact_id: uuid.UUID | None) -> PortalUser:
    """The portal user to impersonate for a contact, or CONTACT_HAS_NO_PORTAL_USER."""
    user = (
        await session.scalar(select(PortalUser).where(PortalUser.contact_id == contact_id))
        if contact_id
        else None
    )
    if user is None:
        raise InvalidInput.single(
            ImpersonationErrorCode.CONTACT_HAS_NO_PORTAL_USER,
            "contact_id",
            "The contact has no portal user.",
        )
    return user


async def start_impersonation(
    session: AsyncSession,
    env: IdentityEnvironment,
    staff: StaffUser,
    user: PortalUser | None,
    *,
    reason: str,
    ticket_reference: str,
    mode: ImpersonationMode,
    ip_address: str | None = None,
) -> tuple[Impersonation, str, str]:
    """A pending impersonation and its one-time ``(token, login_url)``."""
    settings = env.settings
    reason, ticket = clean_name(reason), clean_text(ticket_reference)
    # What counts is what a reader sees: letters and digits, not spaces, dots or invisible
    # characters (twelve zero-width spaces were "12 characters" once).
    minimum = settings.impersonation_reason_min_length
    if sum(ch.isalnum() for ch in reason) < minimum:
        raise InvalidInput.single(
            ImpersonationErrorCode.REASON_TOO_SHORT,
            "reason",
            f"Give a reason of at least {minimum} letters or digits.",
        )
    if len(reason) > 500 or len(ticket) > 100:
        raise InvalidInput.single(ImpersonationErrorCode.TOO_LONG, "reason", "Too long.")
    if user is None:
        raise InvalidInput.single(
            ImpersonationErrorCode.USER_NOT_FOUND, "portal_user_id", "No such user."
        )
    if user.suspended_at is not None:
        raise InvalidInput.single(
            ImpersonationErrorCode.USER_SUSPENDED, "portal_user_id", "The user is suspended."
        )
    if user.contact_id is None:
        raise InvalidInput.single(
            ImpersonationErrorCode.USER_NOT_LINKED, "portal_user_id", "The user has no contact."
        )
    if user.activated_at is None:
        raise InvalidInput.single(
            ImpersonationErrorCode.USER_NOT_ACTIVE, "portal_user_id", "The user is not activated."
        )
    now = session_now(session)
    row = Impersonation(
        id=uuid.uuid4(),
        staff_user_id=staff.id,
        staff_name=staff.display_name or staff.email,
        portal_user_id=user.id,
        contact_id=user.contact_id,
        reason=reason,
        ticket_reference=ticket,
        mode=mode.value,
        token_jti="",
        token_expires_at=now + timedelta(seconds=settings.impersonation_token_seconds),
    )
    token, jti = env.tokens.issue(TokenPurpose.IMPERSONATION, row.id)
    row.token_jti = jti
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        staff_actor(staff, ip_address),
        AuditAction.IMPERSONATION_START,
        subject_type=AuditSubject.PORTAL_USER,
        subject_id=user.id,
        contact_id=user.contact_id,
        changes={
            "impersonation_id": str(row.id),
            "reason": reason,
            "ticket": ticket,
            "mode": mode.value,
        },
    )
    return row, token, frontend_link(settings, SUPPORT_LOGIN_PATH, token=token)


async def redeem(
    session: AsyncSession,
    env: IdentityEnvironment,
    token: str,
    *,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> tuple[Impersonation, PortalUser, StartedSession[PortalSession]]:
    """Open the impersonated customer session (once, within the token's 2 minutes, while the
    staff member who started it is active and may still impersonate)."""
    settings = env.settings
    claims = read_token(
        env.tokens,
        token,
        TokenPurpose.IMPERSONATION,
        timedelta(seconds=settings.impersonation_token_seconds),
    )
    row = await session.get(Impersonation, claims.subject, with_for_update=True)
    if row is None or row.token_jti != claims.jti:
        raise InvalidInput.single(
            ImpersonationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    await spend_token(session, claims)
    if row.started_at is not None or row.ended_at is not None:
        raise InvalidInput.single(ImpersonationErrorCode.TOKEN_USED, "token", "The link was used.")
    staff = await session.get(StaffUser, row.staff_user_id) if row.staff_user_id else None
    user = await session.get(PortalUser, row.portal_user_id) if row.portal_user_id else None
    if (
        not staff_may_impersonate(staff, row.mode)
        or user is None
        or user.suspended_at is not None
        or user.contact_id is None
    ):
        raise InvalidInput.single(
            ImpersonationErrorCode.INVALID_TOKEN, "token", "The link is not valid."
        )
    now = session_now(session)
    lifetime = timedelta(minutes=settings.impersonation_max_minutes)
    row.started_at, row.expires_at = now, now + lifetime
    # A hard maximum: the session cannot outlive the impersonation, idle or not.
    started = await start_session(
        session, CUSTOMER_SESSIONS, user.id, SessionPolicy(lifetime, lifetime),
        ip_address=ip_address, user_agent=user_agent, impersonation_id=row.id,
    )  # fmt: skip
    actor = support_actor(row, ip_address)
    await record_user_event(
        session, EventType.IMPERSONATION_STARTED, user,
        actor=dataclasses.replace(actor, for_customer=user.id),  # support, as the customer
        details={"impersonation": reference("ImpersonationSession", row.id), "mode": row.mode,
                 "expiresAt": row.expires_at},
    )  # fmt: skip
    await add_history_entry(
        session, user.contact_id, actor, source="support",
        description="Viewed by support", visible_to_customer=True,
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        AuditAction.IMPERSONATION_SESSION_STARTED,
        subject_type=AuditSubject.PORTAL_USER,
        subject_id=user.id,
        contact_id=user.contact_id,
        changes={
            "impersonation_id": str(row.id),
            "reason": row.reason,
            "ticket": row.ticket_reference,
        },
    )
    if settings.impersonation_notify_customer:
        contact = await session.get(Contact, user.contact_id)
        await enqueue_email(
            session,
            template="impersonation_notice",
            to=user.email,
            language=user.language,
            formality=contact.formality if contact else "formal",
            context={
                "first_name": contact.first_name if contact else user.first_name,
                "last_name": contact.last_name if contact else user.last_name,
                "salutation": contact.salutation if contact else "",
                "title": contact.title if contact else "",
                "staff_name": row.staff_name,
                "started_at": now.isoformat(),
            },
            contact_id=user.contact_id,
        )
    return row, user, started


async def end(session: AsyncSession, row: Impersonation, reason: str, actor: Actor) -> None:
    """End the impersonation and its session at once (``ENDED`` or ``REVOKED``)."""
    if row.ended_at is not None:
        raise InvalidInput.single(ImpersonationErrorCode.ALREADY_ENDED, "id", "Already ended.")
    now = session_now(session)
    row.ended_at, row.end_reason = now, reason
    await session.execute(
        update(PortalSession)
        .where(PortalSession.impersonation_id == row.id, PortalSession.revoked_at.is_(None))
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    await audit.record(
        session,
        actor,
        AuditAction.IMPERSONATION_REVOKED
        if reason == "REVOKED"
        else AuditAction.IMPERSONATION_ENDED,
        subject_type=AuditSubject.PORTAL_USER,
        subject_id=row.portal_user_id,
        contact_id=row.contact_id,
        changes={"impersonation_id": str(row.id), "staff": row.staff_name},
    )
    await record_event(
        session, EventType.IMPERSONATION_ENDED, actor, contact_id=row.contact_id,
        portal_user_id=row.portal_user_id,
        details={"impersonation": reference("ImpersonationSession", row.id),
                 "endReason": reason, "staffUser": _staff_reference(row)},
    )  # fmt: skip


def _staff_reference(row: Impersonation) -> dict[str, str] | None:
    return reference("StaffUser", row.staff_user_id) if row.staff_user_id else None


async def revoke_impersonation(
    session: AsyncSession, impersonation_id: uuid.UUID | None, actor: Actor
) -> Impersonation:
    """An admin ends an impersonation at once (its session ends with it)."""
    row = (
        await session.get(Impersonation, impersonation_id, with_for_update=True)
        if impersonation_id
        else None
    )
    if row is None:
        raise InvalidInput.single(ImpersonationErrorCode.NOT_FOUND, "id", "No such impersonation.")
    await end(session, row, "REVOKED", actor)
    return row


async def record_mutation(session: AsyncSession, row: Impersonation, mutation: str) -> None:
    """Audit a mutation performed inside an impersonated session, with both identities."""
    await audit.record(
        session,
        support_actor(row),
        AuditAction.IMPERSONATION_MUTATION,
        subject_type=AuditSubject.PORTAL_USER,
        subject_id=row.portal_user_id,
        contact_id=row.contact_id,
        changes={"impersonation_id": str(row.id), "mutation": mutation, "reason": row.reason},
    )
