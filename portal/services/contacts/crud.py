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

from portal.errors import FieldError, InvalidInput
from portal.models import AuditEntry, Contact, ContactEmail, OutboxMessage, PortalUser
from portal.models.base import session_now
from portal.normalization import digits_only, fold_for_search
from portal.services import audit
from portal.services.actors import SYSTEM, Actor
from portal.services.contacts.fields import ContactErrorCode, has_a_name, validate_fields
from portal.services.contacts.history import add_history_entry, history_entry
from portal.services.customer_numbers import next_customer_numbers

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


def refresh_search_text(contact: Contact, additional: list[str] | None = None) -> None:
    """Recompute the folded search column from the contact's searchable fields."""
    phones = [contact.phone1, contact.phone2, contact.mobile, contact.fax]
    phones_e164 = [contact.phone1_e164, contact.phone2_e164, contact.mobile_e164, contact.fax_e164]
    parts = [
        contact.first_name,
        contact.last_name,
        contact.company_name,
        contact.email or "",
        *(additional or []),
        str(contact.customer_number),
        *(digits_only(p) for p in phones if p),
        *(digits_only(p) for p in phones_e164 if p),
    ]
    contact.search_text = " ".join(fold_for_search(p) for p in parts if p)


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


async def additional_emails(session: AsyncSession, contact_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(ContactEmail.email).where(ContactEmail.contact_id == contact_id)
    )
    return list(rows)


async def create_contact(
    session: AsyncSession,
    draft: ContactDraft | Mapping[str, Any],
    *,
    actor: Actor = SYSTEM,
    phone_region: str = "DE",
) -> Contact:
    """Validate and add a contact with the next customer number."""
    columns = validate_new_contact(draft, phone_region=phone_region)
    (contact,) = await create_contacts(session, [columns], actor=actor)
    return contact


def validate_new_contact(
    draft: ContactDraft | Mapping[str, Any], *, phone_region: str = "DE"
) -> dict[str, Any]:
    """The validated columns of a new contact, or InvalidInput (no database needed)."""
    given = draft.fields() if isinstance(draft, ContactDraft) else dict(draft)
    given = {k: v for k, v in given.items() if v is not None or k == "email"}
    columns, errors = validate_fields(given, phone_region=phone_region)
    if not has_a_name(columns):
        errors.append(
            FieldError(
                ContactErrorCode.REQUIRED,
                "lastName",
                "A contact needs a first name, a last name or a company name.",
            )
        )
    if errors:
        raise InvalidInput(errors)
    return columns


async def create_contacts(
    session: AsyncSession, validated: list[dict[str, Any]], *, actor: Actor = SYSTEM
) -> list[Contact]:
    """Add contacts from :func:`validate_new_contact` results, numbered in list order, with
    their history and audit entries, in two flushes whatever the count (CSV import)."""
    numbers = await next_customer_numbers(session, len(validated))
    now = session_now(session)
    contacts = []
    for number, columns in zip(numbers, validated, strict=True):
        contact = Contact(id=uuid.uuid4(), customer_number=number, registered_at=now)
        _apply_columns(contact, columns)
        refresh_search_text(contact, [text for text, _ in columns.get("additional_emails", [])])
        contacts.append(contact)
    session.add_all(contacts)
    # Contacts first, then what refers to them; a new contact starts at version 1.
    await session.flush()
    for contact, columns in zip(contacts, validated, strict=True):
        session.add_all(
            ContactEmail(contact_id=contact.id, email=text, email_normalized=normalized)
            for text, normalized in columns.get("additional_emails", [])
        )
        session.add(
            history_entry(
                contact.id, actor, source=contact.source, description="Contact created",
                occurred_at=now,
            )
        )  # fmt: skip
        session.add(
            audit.audit_entry(
                actor,
                "contact.create",
                occurred_at=now,
                subject_type="Contact",
                subject_id=contact.id,
                contact_id=contact.id,
                changes={
                    k: [None, v] for k, v in columns.items() if v not in (None, "", [], False)
                },
            )
        )
    await session.flush()
    return contacts


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
        errors.append(FieldError(ContactErrorCode.REQUIRED, "lastName", "A contact needs a name."))
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
        source="portal" if actor.type == "customer" else "staff console",
        description="Changed: " + ", ".join(sorted(changes)),
        visible_to_customer=actor.type == "customer",
    )
    await audit.record(
        session,
        actor,
        "contact.update",
        subject_type="Contact",
        subject_id=contact.id,
        contact_id=contact.id,
        changes=changes,
    )
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
        session, contact.id, actor, source="staff console", description=f"Contact {word}"
    )
    await audit.record(
        session,
        actor,
        "contact.reactivate" if active else "contact.deactivate",
        subject_type="Contact",
        subject_id=contact.id,
        contact_id=contact.id,
        changes={"is_active": [not active, active]},
    )


async def delete_contact(session: AsyncSession, contact: Contact, actor: Actor) -> None:
    """Delete the contact and its personal data, irreversibly: history, consent evidence,
    further emails, group and tag links go with the row (foreign keys cascade); its portal user
    and queued emails are removed; earlier audit entries keep ids but lose their values."""
    contact_id, number = contact.id, contact.customer_number
    await session.execute(delete(PortalUser).where(PortalUser.contact_id == contact_id))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.contact_id == contact_id))
    await session.execute(
        update(AuditEntry).where(AuditEntry.contact_id == contact_id).values(changes={})
    )
    await session.delete(contact)
    await session.flush()
    await audit.record(
        session,
        actor,
        "contact.delete",
        subject_type="Contact",
        subject_id=contact_id,
        contact_id=contact_id,
        changes={"customer_number": number},
    )


async def get_contact(session: AsyncSession, contact_id: uuid.UUID | None) -> Contact | None:
    return await session.get(Contact, contact_id) if contact_id else None


async def require_contact(
    session: AsyncSession, contact_id: uuid.UUID | None, field_name: str = "id"
) -> Contact:
    """The contact (row-locked for the change to come) or a NOT_FOUND error."""
    contact = await session.get(Contact, contact_id, with_for_update=True) if contact_id else None
    if contact is None:
        raise InvalidInput.single(ContactErrorCode.NOT_FOUND, field_name, "No such contact.")
    return contact


async def get_contact_by_customer_number(session: AsyncSession, number: str) -> Contact | None:
    text = number.strip()
    if not text.isdigit() or len(text) > 12:
        return None
    return await session.scalar(select(Contact).where(Contact.customer_number == int(text)))


async def get_contacts_by_ids(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    """Contacts by id in one query (DataLoaders batch through this)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Contact).where(Contact.id.in_(ids)))
    return {contact.id: contact for contact in rows}
