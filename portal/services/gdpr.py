"""GDPR: a person's data as one document (Art. 15/20), and erasure everywhere (Art. 17).

The person is the contact with the contacts merged into it, its portal user, and waiting
registrations (portal users linked to no contact) under one of the person's addresses.

Only proven addresses count (issue 16, item 1): those the business recorded for the contact
(primary and further emails) and the login address, which its owner proved by following a link
sent to it. A pending email change is a claim nobody proved (``requestEmailChange`` asks for
none), so nothing under that address (someone else's registration, mails sent to it, audit
entries about it) is ever part of the person. A waiting registration belongs to the person only
once it was activated, that is once whoever registered proved the address: what someone typed
under an address they never proved is not the address owner's to read. Erasure still removes
such unproven registrations under the person's addresses, since they can only ever become the
address owner's and removing them takes nothing from anyone who proved anything.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import (
    AuditEntry,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactHistoryEntry,
    ExportJob,
    ExternalReference,
    Impersonation,
    Invitation,
    OutboxMessage,
    PortalSession,
    PortalUser,
)
from portal.normalization import fold_for_search
from portal.services import audit
from portal.services.actors import Actor, ActorType
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.groups_tags import groups_by_contact, tags_by_contact
from portal.services.contacts.writes import delete_contact
from portal.services.events import EventType, forget_event_values, record_event
from portal.services.merge import merged_contact_ids
from portal.services.resources import assignments_by_contact

# Never part of an export: secrets and credentials.
_SECRET_COLUMNS = {
    "password_hash", "password_reset_jti", "email_change_jti", "token_hash", "nonce_hash",
    "newsletter_token_hash", "token_jti", "search_text", "directory_text",
}  # fmt: skip
_SUPPORT_FIELDS = ("staff_name", "reason", "mode", "started_at", "ended_at")
# Who on the staff did something, and from where: left out of the person's own copy.
_STAFF_IDENTITY = ("actor_id", "actor_name", "ip_address")
_STAFF_SOURCE = "staff console"  # consent evidence recorded from a staff member's browser
ERASED = "(erased)"


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


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


@dataclass(frozen=True)
class _Person:
    contact: Contact
    contact_ids: list[uuid.UUID]  # the contact and the contacts merged into it
    user: PortalUser | None
    waiting: list[PortalUser]  # unlinked registrations under one of the addresses
    addresses: list[str]  # normalised and proven: primary, further and login address

    @property
    def user_ids(self) -> list[uuid.UUID]:
        return [u.id for u in (self.user, *self.waiting) if u is not None]


async def _person(
    session: AsyncSession, contact: Contact, *, with_unproven_registrations: bool = False
) -> _Person:
    """The person behind ``contact``; waiting registrations that never proved their address
    only ``with_unproven_registrations`` (erasure)."""
    user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == contact.id))
    further = await session.scalars(
        select(ContactEmail.email_normalized).where(ContactEmail.contact_id == contact.id)
    )
    # Never the user's pending_email: an address counts once it is proven.
    proven = (contact.email_normalized, *further, user.email_normalized if user else None)
    addresses = sorted({a for a in proven if a})
    registrations = select(PortalUser).where(
        PortalUser.contact_id.is_(None), PortalUser.email_normalized.in_(addresses)
    )
    if not with_unproven_registrations:
        registrations = registrations.where(PortalUser.activated_at.is_not(None))
    waiting = await session.scalars(registrations.order_by(PortalUser.created_at, PortalUser.id))
    ids = sorted(await merged_contact_ids(session, contact.id))
    return _Person(contact, ids, user, list(waiting), addresses)


def _audit_entries_of(person: _Person) -> ColumnElement[bool]:
    subjects = [*person.contact_ids, *person.user_ids]
    return or_(
        AuditEntry.contact_id.in_(person.contact_ids),
        AuditEntry.subject_id.in_(subjects),
        AuditEntry.actor_id.in_(person.user_ids),
    )


def _emails_to(person: _Person) -> ColumnElement[bool]:
    """Messages about the person, or to one of their addresses unless about someone else."""
    return or_(
        OutboxMessage.contact_id.in_(person.contact_ids),
        and_(
            OutboxMessage.contact_id.is_(None),
            func.lower(OutboxMessage.to_address).in_(person.addresses),
        ),
    )


def _emails_mentioning(person: _Person) -> ColumnElement[bool]:
    """Messages whose template context names one of the addresses (e.g. a notice to staff)."""
    # JSON columns store "ü" as "\u00fc": look for both spellings.
    forms = sorted({form for a in person.addresses for form in (a, json.dumps(a)[1:-1])})
    context = cast(OutboxMessage.context, String)
    mentions = [context.ilike(f"%{_like_escape(f)}%", escape="\\") for f in forms]
    return and_(OutboxMessage.contact_id.is_(None), or_(false(), *mentions))


async def personal_data(session: AsyncSession, contact: Contact) -> dict[str, Any]:
    """Everything stored about the person behind ``contact``, without secrets."""
    person = await _person(session, contact)
    cid, ids, user = contact.id, person.contact_ids, person.user

    async def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
        order = model.occurred_at if hasattr(model, "occurred_at") else model.created_at
        query = select(model).where(*where).order_by(order, model.id)
        return [_row(r) for r in await session.scalars(query)]

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
        "pending_registrations": [_row(u) for u in person.waiting],
        "sessions": await rows(PortalSession, PortalSession.portal_user_id.in_(person.user_ids)),
        "invitations": await rows(Invitation, Invitation.contact_id.in_(ids)),
        "emails_sent": [
            {k: v for k, v in r.items() if k != "context"}
            for r in await rows(OutboxMessage, _emails_to(person))
        ],
        "audit_entries": await rows(AuditEntry, _audit_entries_of(person)),
        "support_sessions": [
            {k: v for k, v in r.items() if k in _SUPPORT_FIELDS}
            for r in await rows(Impersonation, Impersonation.contact_id.in_(ids))
        ],
    }
    return document


def _without_staff(row: dict[str, Any]) -> dict[str, Any]:
    if row["actor_type"] == ActorType.CUSTOMER:
        return row
    kept = {k: v for k, v in row.items() if k not in _STAFF_IDENTITY}
    if isinstance(kept.get("changes"), dict):
        kept["changes"] = {k: v for k, v in kept["changes"].items() if k != "staff"}
    return kept


def own_copy(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as the person gets it themselves: what staff did stays, which staff member
    did it and from where (name, id, IP address, browser) does not."""
    copy = dict(document)
    copy["audit_entries"] = [_without_staff(r) for r in document["audit_entries"]]
    copy["history"] = [_without_staff(r) for r in document["history"]]
    copy["invitations"] = [
        {k: v for k, v in r.items() if k != "created_by"} for r in document["invitations"]
    ]
    copy["consent_events"] = [
        r if r["source"] != _STAFF_SOURCE else {**r, "ip_address": None, "user_agent": None}
        for r in document["consent_events"]
    ]
    # That support looked stays; which staff member did does not (issue 16).
    copy["support_sessions"] = [
        {k: v for k, v in r.items() if k != "staff_name"} for r in document["support_sessions"]
    ]
    # Support's sessions on the account were opened from a staff member's browser.
    copy["sessions"] = [
        r if r["impersonation_id"] is None else {**r, "ip_address": None, "user_agent": None}
        for r in document["sessions"]
    ]
    return copy


def _search_needles(person: _Person) -> set[str]:
    """Folded words of the person's names, company and addresses."""
    people: Sequence[Any] = (
        person.contact,
        *([person.user] if person.user else []),
        *person.waiting,
    )
    names = [n for p in people for n in (p.first_name, p.last_name)]
    words = {w for n in names for w in re.split(r"[\s\-]+", fold_for_search(n)) if len(w) > 1}
    company = fold_for_search(person.contact.company_name)
    return words | ({company} if company else set()) | set(person.addresses)


def _scrubbed(value: Any, needles: set[str]) -> Any:
    if isinstance(value, str):
        folded = fold_for_search(value)
        return ERASED if any(n in folded for n in needles) else value
    if isinstance(value, list):
        return [_scrubbed(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, needles) for k, v in value.items()}
    return value


async def _scrub_export_searches(session: AsyncSession, person: _Person) -> None:
    """Export filters (on the job and in its audit entry) that searched for the person."""
    needles = _search_needles(person)
    jobs = await session.execute(select(ExportJob.id, ExportJob.filter))
    for job_id, job_filter in jobs.all():
        scrubbed = _scrubbed(job_filter, needles)
        if scrubbed != job_filter:
            await session.execute(
                update(ExportJob).where(ExportJob.id == job_id).values(filter=scrubbed)
            )
    entries = await session.execute(
        select(AuditEntry.id, AuditEntry.changes).where(AuditEntry.action.like("export.%"))
    )
    for entry_id, changes in entries.all():
        scrubbed = _scrubbed(changes, needles)
        if scrubbed != changes:
            await session.execute(
                update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=scrubbed)
            )


async def erase(session: AsyncSession, contact: Contact, actor: Actor) -> None:
    """Remove the person's data everywhere: the contact and all that hangs off it, the portal
    user with sessions and invitations, waiting registrations under the person's addresses,
    emails to or about them, export searches for them; audit entries keep their ids and
    actions but lose every value and name."""
    person = await _person(session, contact, with_unproven_registrations=True)
    erased_emails = or_(_emails_to(person), _emails_mentioning(person))
    await session.execute(delete(OutboxMessage).where(erased_emails))
    await session.execute(
        update(AuditEntry)
        .where(_audit_entries_of(person))
        .values(changes={}, actor_name="", ip_address=None)
    )
    await session.execute(
        update(Impersonation)
        .where(Impersonation.contact_id.in_(person.contact_ids))
        .values(reason=ERASED, ticket_reference="")
    )
    await _scrub_export_searches(session, person)
    for registration in person.waiting:
        await record_event(
            session, EventType.PORTAL_USER_DELETED, actor, portal_user_id=registration.id,
            details={"reason": EventType.CONTACT_ERASED.value},
        )  # fmt: skip
        await session.delete(registration)
    await forget_event_values(session, person.contact_ids, person.user_ids)
    await delete_contact(session, contact, actor, event_type=EventType.CONTACT_ERASED)
    await audit.record(
        session,
        actor,
        AuditAction.GDPR_ERASE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
    )
