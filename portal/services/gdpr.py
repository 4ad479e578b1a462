"""GDPR: a person's data as one document (Art. 15/20), and erasure everywhere (Art. 17)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import (
    AuditEntry,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactHistoryEntry,
    ExternalReference,
    Impersonation,
    Invitation,
    OutboxMessage,
    PortalSession,
    PortalUser,
)
from portal.services import audit
from portal.services.actors import Actor
from portal.services.contacts.crud import delete_contact
from portal.services.contacts.groups_tags import groups_by_contact, tags_by_contact
from portal.services.resources import assignments_by_contact

# Never part of an export: secrets and credentials.
_SECRET_COLUMNS = {
    "password_hash", "password_reset_jti", "email_change_jti", "token_hash", "nonce_hash",
    "newsletter_token_hash", "token_jti", "search_text",
}  # fmt: skip


_SUPPORT_FIELDS = ("staff_name", "reason", "mode", "started_at", "ended_at")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in obj.__table__.columns
        if column.key not in _SECRET_COLUMNS
    }


async def personal_data(session: AsyncSession, contact: Contact) -> dict[str, Any]:
    """Everything stored about the person behind ``contact``, without secrets."""
    cid = contact.id
    user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == cid))

    async def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
        return [_row(r) for r in await session.scalars(select(model).where(*where))]

    subjects = [cid] + ([user.id] if user else [])
    document: dict[str, Any] = {
        "contact": _row(contact),
        "additional_emails": await rows(ContactEmail, ContactEmail.contact_id == cid),
        "external_references": await rows(ExternalReference, ExternalReference.contact_id == cid),
        "groups": [g.name for g in (await groups_by_contact(session, [cid]))[cid]],
        "tags": [t.name for t in (await tags_by_contact(session, [cid]))[cid]],
        "resources": [
            {"resource": r.name, "kind": r.kind, "permissions": r.permissions}
            for r in (await assignments_by_contact(session, [cid])).get(cid, [])
        ],
        "history": await rows(ContactHistoryEntry, ContactHistoryEntry.contact_id == cid),
        "consent_events": await rows(ConsentEvent, ConsentEvent.contact_id == cid),
        "portal_user": _row(user) if user else None,
        "sessions": await rows(PortalSession, PortalSession.portal_user_id == user.id)
        if user
        else [],
        "invitations": await rows(Invitation, Invitation.contact_id == cid),
        "emails_sent": [
            {k: v for k, v in r.items() if k != "context"}
            for r in await rows(OutboxMessage, OutboxMessage.contact_id == cid)
        ],
        "audit_entries": await rows(
            AuditEntry, or_(AuditEntry.contact_id == cid, AuditEntry.subject_id.in_(subjects))
        ),
        "support_sessions": [
            {
                k: v
                for k, v in r.items()
                if k in ("staff_name", "reason", "mode", "started_at", "ended_at")
            }
            for r in await rows(Impersonation, Impersonation.contact_id == cid)
        ],
    }
    return document


async def erase(session: AsyncSession, contact: Contact, actor: Actor) -> None:
    """Remove the person's data everywhere: the contact and all that hangs off it, the portal
    user with sessions and invitations, emails to or about them; audit entries keep their ids
    and actions but lose every value and name."""
    user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == contact.id))
    addresses = {
        a for a in (contact.email_normalized, user.email_normalized if user else None) if a
    }
    ids = [contact.id] + ([user.id] if user else [])
    for address in addresses:
        await session.execute(
            delete(OutboxMessage).where(
                or_(
                    OutboxMessage.to_address.ilike(address),
                    cast(OutboxMessage.context, String).ilike(f"%{address}%"),
                )
            )
        )
    await session.execute(
        update(AuditEntry)
        .where(
            or_(
                AuditEntry.contact_id.in_(ids),
                AuditEntry.subject_id.in_(ids),
                AuditEntry.actor_id.in_(ids),
            )
        )
        .values(changes={}, actor_name="", ip_address=None)
    )
    await session.execute(
        update(Impersonation)
        .where(Impersonation.contact_id == contact.id)
        .values(reason="(erased)", ticket_reference="")
    )
    await delete_contact(session, contact, actor)
    await audit.record(
        session, actor, "gdpr.erase", subject_type="Contact", subject_id=contact.id,
        contact_id=contact.id,
    )  # fmt: skip
