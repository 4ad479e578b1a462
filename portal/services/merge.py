"""Merging duplicate contacts into one: the target keeps its customer number, fills its empty
fields from the sources and takes over everything that hangs off them (history, tags, groups,
resources, consent, portal user, audit entries); the sources are deleted, and the merge is
recorded in both histories and the audit log. See ``portal.services.duplicates`` for finding
candidates."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import (
    AuditEntry,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroupMember,
    ContactHistoryEntry,
    ContactTag,
    ExternalReference,
    Impersonation,
    Invitation,
    OutboxMessage,
    PortalUser,
    ResourceAssignment,
)
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.history import add_history_entry
from portal.services.contacts.reads import additional_emails, require_contact
from portal.services.contacts.writes import refresh_search_text
from portal.services.duplicates import DuplicateErrorCode
from portal.services.events import EventType, record_event, reference

MAX_SOURCES = 10
MERGE_ACTION = AuditAction.CONTACTS_MERGE


_FILLABLE = (
    "salutation", "title", "first_name", "last_name", "company_name", "street", "postal_code",
    "city", "country", "email", "email_normalized", "phone1", "phone1_e164", "phone2",
    "phone2_e164", "mobile", "mobile_e164", "fax", "fax_e164", "website", "date_of_birth",
    "notes", "newsletter_confirmed_at", "newsletter_invited_at", "registered_at",
)  # fmt: skip

# The filled fields a merge event names (derived columns and dates of record stay out).
_SHOWN_FIELDS = frozenset(_FILLABLE) - {
    "email_normalized", "phone1_e164", "phone2_e164", "mobile_e164", "fax_e164",
    "newsletter_confirmed_at", "newsletter_invited_at", "registered_at",
}  # fmt: skip

_MOVED: tuple[Any, ...] = (
    ContactHistoryEntry, ConsentEvent, ContactEmail, ExternalReference, OutboxMessage, Invitation,
    Impersonation, AuditEntry,
)  # fmt: skip
# Association rows: moved unless the target already has the same tag, group or resource.
_ASSOCIATIONS: tuple[tuple[Any, str], ...] = (
    (ContactTag, "tag_id"),
    (ContactGroupMember, "group_id"),
    (ResourceAssignment, "resource_id"),
)


async def _move_rows(
    session: AsyncSession, source_ids: list[uuid.UUID], target_id: uuid.UUID
) -> None:
    # Audit entries and support sessions move too: the sources' entries hold their names and
    # addresses, and an erasure or export of the person must find them under the target.
    for model in _MOVED:
        await session.execute(
            update(model).where(model.contact_id.in_(source_ids)).values(contact_id=target_id)
        )
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.subject_type == "Contact", AuditEntry.subject_id.in_(source_ids))
        .values(subject_id=target_id)
    )
    for model, key in _ASSOCIATIONS:
        have = {
            getattr(row, key): row
            for row in await session.scalars(select(model).where(model.contact_id == target_id))
        }
        rows = await session.scalars(select(model).where(model.contact_id.in_(source_ids)))
        for row in list(rows):
            kept = have.get(getattr(row, key))
            if kept is None:
                row.contact_id = target_id
                have[getattr(row, key)] = row
                continue
            if model is ResourceAssignment:
                # The same resource on both: the person keeps everything either was allowed.
                kept.permissions = sorted({*kept.permissions, *row.permissions})
            await session.delete(row)


async def merge(
    session: AsyncSession,
    actor: Actor,
    target: Contact,
    sources: list[Contact],
    *,
    merge_logins: bool = False,
) -> dict[str, Any]:
    """Merge ``sources`` into ``target``: fill empty fields, move everything, delete sources."""
    if not sources:
        raise InvalidInput.single(DuplicateErrorCode.NOT_FOUND, "source_ids", "No sources given.")
    if len(sources) > MAX_SOURCES:
        raise InvalidInput.single(
            DuplicateErrorCode.TOO_MANY_SOURCES, "source_ids", f"At most {MAX_SOURCES} sources."
        )
    source_ids = [s.id for s in sources]
    if target.id in source_ids:
        raise InvalidInput.single(
            DuplicateErrorCode.SAME_CONTACT, "source_ids", "The target is among the sources."
        )
    if len(set(source_ids)) < len(source_ids):
        raise InvalidInput.single(
            DuplicateErrorCode.SAME_CONTACT, "source_ids", "A source is named twice."
        )
    users = list(
        await session.scalars(
            select(PortalUser).where(PortalUser.contact_id.in_([target.id, *source_ids]))
        )
    )
    if len(users) > 1 and not merge_logins:
        raise InvalidInput.single(
            DuplicateErrorCode.BOTH_HAVE_PORTAL_USERS,
            "source_ids",
            "Several of these contacts have portal users: resolve first, or merge the logins.",
        )
    filled: dict[str, Any] = {}
    for name in _FILLABLE:
        if getattr(target, name) in (None, ""):
            for source in sources:
                value = getattr(source, name)
                if value not in (None, ""):
                    filled[name] = value
                    break
    numbers = [s.customer_number for s in sources]
    for source in sources:
        await add_history_entry(
            session, source.id, actor, source=actor.history_source,
            description=f"Merged into {target.customer_number}",
        )  # fmt: skip
    # Move what hangs off the sources; association rows the target already has are dropped.
    await _move_rows(session, source_ids, target.id)
    for source in sources:
        if source.email_normalized and source.email_normalized != (
            filled.get("email_normalized") or target.email_normalized
        ):
            session.add(
                ContactEmail(
                    contact_id=target.id,
                    email=source.email or "",
                    email_normalized=source.email_normalized,
                )
            )
    if users:
        keep = max(
            users, key=lambda u: (u.last_login_at is not None, u.last_login_at or u.created_at)
        )
        for user in users:
            if user is not keep:
                await record_event(
                    session, EventType.PORTAL_USER_DELETED, actor, contact_id=user.contact_id,
                    portal_user_id=user.id, details={"reason": "contacts_merged"},
                )  # fmt: skip
                await session.delete(user)
        await session.flush()
        if keep.contact_id != target.id:
            await record_event(
                session, EventType.PORTAL_USER_LINKED, actor, contact_id=target.id,
                portal_user_id=keep.id, details={"linkedBy": "merge"},
            )  # fmt: skip
        keep.contact_id = target.id
    await session.flush()
    for source in sources:
        await session.delete(source)
    await session.flush()
    emails = await additional_emails(session, target.id)  # read before the row changes
    for name, value in filled.items():
        setattr(target, name, value)
    refresh_search_text(target, emails)
    await add_history_entry(
        session, target.id, actor, source=actor.history_source,
        description="Merged with " + ", ".join(str(n) for n in numbers),
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        MERGE_ACTION,
        subject_type=AuditSubject.CONTACT,
        subject_id=target.id,
        contact_id=target.id,
        changes={"sources": [str(i) for i in source_ids], "filled": sorted(filled)},
    )
    await record_event(
        session, EventType.CONTACT_MERGED, actor, contact_id=target.id,
        details={"mergedContacts": [reference("Contact", i) for i in source_ids]},
        changes={k: v for k, v in filled.items() if k in _SHOWN_FIELDS},
    )  # fmt: skip
    for source_id in source_ids:
        await audit.record(
            session,
            actor,
            AuditAction.CONTACTS_MERGED_INTO,
            subject_type=AuditSubject.CONTACT,
            subject_id=source_id,
            contact_id=target.id,
            changes={"target": str(target.id)},
        )
    await session.flush()
    return filled


async def merged_contact_ids(session: AsyncSession, contact_id: uuid.UUID) -> set[uuid.UUID]:
    """The contact and every contact merged into it, directly or through earlier merges. Merges
    re-point what hangs off their sources; older merges left audit entries and support sessions
    under the deleted sources' ids, which these ids still find."""
    found, frontier = {contact_id}, [contact_id]
    while frontier:
        merges = await session.scalars(
            select(AuditEntry.changes).where(
                AuditEntry.action == MERGE_ACTION, AuditEntry.contact_id.in_(frontier)
            )
        )
        sources = {uuid.UUID(s) for changes in merges for s in changes.get("sources", ())}
        frontier = list(sources - found)
        found.update(frontier)
    return found


async def merge_by_ids(
    session: AsyncSession,
    actor: Actor,
    target_id: uuid.UUID | None,
    source_ids: list[uuid.UUID | None],
    *,
    merge_logins: bool = False,
) -> tuple[Contact, dict[str, Any]]:
    """:func:`merge` of contacts named by id (each row-locked; NOT_FOUND on ``target_id`` or
    ``source_ids``). More than :data:`MAX_SOURCES` sources are refused before any is read."""
    target = await require_contact(session, target_id, "target_id")
    if len(source_ids) > MAX_SOURCES:
        raise InvalidInput.single(
            DuplicateErrorCode.TOO_MANY_SOURCES, "source_ids", f"At most {MAX_SOURCES} sources."
        )
    sources = [await require_contact(session, s, "source_ids") for s in source_ids]
    return target, await merge(session, actor, target, sources, merge_logins=merge_logins)
