"""Creating, changing, deactivating and deleting contacts. Every write by staff lands in the
contact's history and in the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from portal.bulk_insert import bulk_insert
from portal.errors import FieldError, InvalidInput
from portal.models import (
    AuditEntry,
    Contact,
    ContactEmail,
    ContactHistoryEntry,
    OutboxMessage,
    PortalUser,
)
from portal.models.base import full_row, session_now, table_of
from portal.normalization import digits_only, fold_for_search
from portal.services import audit
from portal.services.actors import SYSTEM, Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactErrorCode, has_a_name, validate_fields
from portal.services.contacts.history import add_history_entry, history_row
from portal.services.contacts.reads import additional_emails
from portal.services.customer_numbers import next_customer_numbers
from portal.services.events import (
    EventType,
    event_row,
    forget_event_values,
    record_event,
    record_events,
)

# Fields whose change is shown by name only in history (the values are in the audit log).
_TRACKED = (
    "salutation", "title", "first_name", "last_name", "company_name", "street", "postal_code",
    "city", "country", "email", "phone1", "phone2", "mobile", "fax", "website", "date_of_birth",
    "notes", "language", "formality", "reachability", "directory_visible", "source",
)  # fmt: skip


@dataclass(frozen=True)
class ContactDraft:
    """The common fields of a new contact; ``extra`` carries any other field by name."""

    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str | None = None
    language: str = "de"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_name": self.company_name,
            "email": self.email,
            "language": self.language,
            **self.extra,
        }


_SEARCHED = ("first_name", "last_name", "company_name", "email")
_PHONES = (
    "phone1", "phone2", "mobile", "fax", "phone1_e164", "phone2_e164", "mobile_e164", "fax_e164",
)  # fmt: skip


def search_text_of(
    values: Mapping[str, Any], customer_number: int, additional: list[str] | None = None
) -> str:
    """The folded search column of a contact with these column values."""
    parts = [
        *(values.get(key) or "" for key in _SEARCHED),
        *(additional or []),
        str(customer_number),
        *(digits_only(values[key]) for key in _PHONES if values.get(key)),
    ]
    return " ".join(fold_for_search(p) for p in parts if p)


# What the member directory shows, and so all that its search may match.
_DIRECTORY_SHOWN = ("first_name", "last_name", "company_name", "city", "website")


def directory_text_of(values: Mapping[str, Any]) -> str:
    """The folded directory search column of a contact with these column values."""
    return " ".join(fold_for_search(values[k]) for k in _DIRECTORY_SHOWN if values.get(k))


def refresh_search_text(contact: Contact, additional: list[str] | None = None) -> None:
    """Recompute the folded search columns from the contact's searchable fields."""
    values = {key: getattr(contact, key) for key in (*_SEARCHED, *_PHONES, *_DIRECTORY_SHOWN)}
    contact.search_text = search_text_of(values, contact.customer_number, additional)
    contact.directory_text = directory_text_of(values)


def _apply_columns(contact: Contact, columns: Mapping[str, Any]) -> None:
    for name, value in columns.items():
        if name != "additional_emails":
            setattr(contact, name, value)


async def _replace_additional_emails(
    session: AsyncSession, contact: Contact, emails: list[tuple[str, str]]
) -> list[str]:
    await session.execute(delete(ContactEmail).where(ContactEmail.contact_id == contact.id))
    for text, normalized in emails:
        session.add(ContactEmail(contact_id=contact.id, email=text, email_normalized=normalized))
    return [text for text, _ in emails]


async def create_contact(
    session: AsyncSession,
    draft: ContactDraft | Mapping[str, Any],
    *,
    actor: Actor = SYSTEM,
    phone_region: str = "DE",
) -> Contact:
    """Validate and add a contact with the next customer number."""
    columns = validate_new_contact(draft, phone_region=phone_region)
    (contact_id,) = await create_contacts(session, [columns], actor=actor)
    contact = await session.get(Contact, contact_id)
    assert contact is not None
    return contact


def validate_new_contact(
    draft: ContactDraft | Mapping[str, Any],
    *,
    phone_region: str = "DE",
    known_phones: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The validated columns of a new contact, or InvalidInput (no database needed)."""
    given = draft.fields() if isinstance(draft, ContactDraft) else dict(draft)
    given = {k: v for k, v in given.items() if v is not None or k == "email"}
    columns, errors = validate_fields(given, phone_region=phone_region, known_phones=known_phones)
    if not has_a_name(columns):
        errors.append(
            FieldError(
                ContactErrorCode.REQUIRED,
                "last_name",
                "A contact needs a first name, a last name or a company name.",
            )
        )
    if errors:
        raise InvalidInput(errors)
    return columns


async def create_contacts(
    session: AsyncSession,
    validated: list[dict[str, Any]],
    *,
    actor: Actor = SYSTEM,
    audit_each: bool = True,
) -> list[uuid.UUID]:
    """Add contacts from :func:`validate_new_contact` results, numbered in list order, with
    their history and audit entries; returns their ids. With ``audit_each=False`` (imports)
    the audit log gets one ``contact.import`` entry naming the batch's contacts instead of one
    entry with every field per contact (the history entry per contact stays).

    The rows go in as bulk inserts (one ``executemany`` per table, whatever the count; no ORM
    objects), which is what keeps a CSV import of 100,000 rows within seconds. Load a contact
    with ``session.get`` to work with it afterwards."""
    await session.flush()  # pending ORM changes first: the bulk inserts bypass the session
    numbers = await next_customer_numbers(session, len(validated))
    now = session_now(session)
    contacts: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, columns in zip(numbers, validated, strict=True):
        additional = columns.get("additional_emails", [])
        values = {k: v for k, v in columns.items() if k != "additional_emails"}
        contact_id = uuid.uuid4()
        values.update(
            id=contact_id,
            customer_number=number,
            registered_at=now,
            version=1,
            search_text=search_text_of(values, number, [text for text, _ in additional]),
            directory_text=directory_text_of(values),
        )
        row = full_row(Contact, now, values)
        contacts.append(row)
        emails.extend(
            full_row(ContactEmail, now, {"contact_id": contact_id, "email": text,
                                         "email_normalized": normalized})
            for text, normalized in additional
        )  # fmt: skip
        history.append(
            history_row(contact_id, actor, source=row["source"], description="Contact created",
                        occurred_at=now)
        )  # fmt: skip
        events.append(
            event_row(EventType.CONTACT_CREATED, actor, occurred_at=now, contact_id=contact_id,
                      details={"customerNumber": str(number)}, changes=_event_values(columns))
        )  # fmt: skip
        if audit_each:
            entries.append(
                audit.audit_row(
                    actor,
                    AuditAction.CONTACT_CREATE,
                    occurred_at=now,
                    subject_type=AuditSubject.CONTACT,
                    subject_id=contact_id,
                    contact_id=contact_id,
                    changes={k: [None, v] for k, v in _set_values(columns).items()},
                )
            )
    if not audit_each and contacts:
        entries.append(
            audit.audit_row(
                actor, AuditAction.CONTACT_IMPORT, occurred_at=now,
                subject_type=AuditSubject.CONTACT, subject_id=None,
                changes={"created": [str(row["id"]) for row in contacts]},
            )
        )  # fmt: skip
    # Contacts first, then what refers to them.
    await bulk_insert(session, table_of(Contact), contacts)
    await bulk_insert(session, table_of(ContactEmail), emails)
    await bulk_insert(session, table_of(ContactHistoryEntry), history)
    await bulk_insert(session, table_of(AuditEntry), entries)
    await record_events(session, events)
    return [row["id"] for row in contacts]


def _set_values(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a new contact has a value in (what its creation "changed")."""
    return {k: v for k, v in columns.items() if v not in (None, "", [], False)}


def _event_values(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a new contact was given, as an event names them: the tracked fields (no
    derived columns), further emails as their text."""
    values = {k: v for k, v in _set_values(columns).items() if k in _TRACKED}
    if columns.get("additional_emails"):
        values["additional_emails"] = [text for text, _ in columns["additional_emails"]]
    return values


async def update_contact(
    session: AsyncSession,
    contact: Contact,
    version: int,
    given: Mapping[str, Any],
    *,
    actor: Actor,
    phone_region: str = "DE",
) -> dict[str, list[Any]]:
    """Apply the given fields if ``version`` is still current; returns ``{field: [old, new]}``."""
    if version != contact.version:
        raise InvalidInput.single(
            ContactErrorCode.STALE_VERSION,
            "version",
            "The contact changed since you loaded it; reload and apply your change again.",
        )
    columns, errors = validate_fields(given, phone_region=phone_region)
    merged = {k: getattr(contact, k) for k in ("first_name", "last_name", "company_name")}
    merged.update({k: v for k, v in columns.items() if k in merged})
    if not has_a_name(merged):
        errors.append(FieldError(ContactErrorCode.REQUIRED, "last_name", "A contact needs a name."))
    if errors:
        raise InvalidInput(errors)
    changes: dict[str, list[Any]] = {}
    for name, value in columns.items():
        if name == "additional_emails":
            old = sorted(await additional_emails(session, contact.id))
            new = sorted(text for text, _ in value)
            if old != new:
                changes[name] = [old, new]
        elif name in _TRACKED and getattr(contact, name) != value:
            changes[name] = [getattr(contact, name), value]
    if not changes:
        return changes
    # Read everything before touching the row: a query after a change would autoflush it, and
    # every flush of a changed contact bumps its version.
    replaced = columns.get("additional_emails")
    emails = (
        [text for text, _ in replaced]
        if replaced is not None
        else await additional_emails(session, contact.id)
    )
    _apply_columns(contact, columns)
    refresh_search_text(contact, emails)
    try:
        await session.flush()
    except StaleDataError:
        # Another request updated the row between our read and our write.
        raise InvalidInput.single(
            ContactErrorCode.STALE_VERSION, "version", "The contact changed meanwhile."
        ) from None
    if replaced is not None:
        await _replace_additional_emails(session, contact, replaced)
    await add_history_entry(
        session,
        contact.id,
        actor,
        source=actor.history_source,
        description="Changed: " + ", ".join(sorted(changes)),
        visible_to_customer=actor.customer_sees_changes,
    )
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_UPDATE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes=changes,
    )
    await record_event(
        session, EventType.CONTACT_UPDATED, actor, contact_id=contact.id,
        changes={name: new for name, (_old, new) in changes.items()},
    )  # fmt: skip
    return changes


async def set_active(session: AsyncSession, contact: Contact, active: bool, actor: Actor) -> None:
    """Deactivate (hidden from lists, no newsletters) or reactivate a contact."""
    if contact.is_active == active:
        code = ContactErrorCode.ALREADY_ACTIVE if active else ContactErrorCode.ALREADY_INACTIVE
        raise InvalidInput.single(code, "id", "Nothing to change.")
    contact.is_active = active
    await session.flush()
    word = "reactivated" if active else "deactivated"
    await add_history_entry(
        session, contact.id, actor, source=actor.history_source, description=f"Contact {word}"
    )
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_REACTIVATE if active else AuditAction.CONTACT_DEACTIVATE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes={"is_active": [not active, active]},
    )
    await record_event(
        session,
        EventType.CONTACT_REACTIVATED if active else EventType.CONTACT_DEACTIVATED,
        actor,
        contact_id=contact.id,
    )


async def delete_contact(
    session: AsyncSession,
    contact: Contact,
    actor: Actor,
    *,
    event_type: EventType = EventType.CONTACT_DELETED,
) -> None:
    """Delete the contact and its personal data, irreversibly: history, consent evidence,
    further emails, group and tag links go with the row (foreign keys cascade); its portal user
    and queued emails are removed; earlier audit entries and events keep ids but lose their
    values. The event is ``contact.deleted``, or ``contact.erased`` for a GDPR erasure."""
    contact_id, number = contact.id, contact.customer_number
    user_ids = list(
        await session.scalars(select(PortalUser.id).where(PortalUser.contact_id == contact_id))
    )
    await session.execute(delete(PortalUser).where(PortalUser.contact_id == contact_id))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.contact_id == contact_id))
    await session.execute(
        update(AuditEntry).where(AuditEntry.contact_id == contact_id).values(changes={})
    )
    await forget_event_values(session, [contact_id], user_ids)
    await session.delete(contact)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_DELETE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact_id,
        contact_id=contact_id,
        changes={"customer_number": number},
    )
    await record_event(
        session, event_type, actor, contact_id=contact_id,
        details={"customerNumber": str(number)},
    )  # fmt: skip
    for user_id in user_ids:
        # The portal user goes with its contact: followers of portal users learn it too.
        await record_event(
            session, EventType.PORTAL_USER_DELETED, actor, contact_id=contact_id,
            portal_user_id=user_id, details={"reason": event_type.value},
        )  # fmt: skip
