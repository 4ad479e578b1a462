"""Contacts: the CRM records portal users are linked to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import FieldError, InvalidInput
from portal.models import Contact
from portal.normalization import MAX_EMAIL_LENGTH, is_valid_email, normalize_email
from portal.pagination import Page, check_page_size, decode_cursor
from portal.services.customer_numbers import next_customer_numbers

SUPPORTED_LANGUAGES = ("de", "en")


class ContactErrorCode(StrEnum):
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class ContactDraft:
    """What a new contact is created from (the API's input, already typed)."""

    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str | None = None
    language: str = "de"


_LIMITS = {"first_name": 100, "last_name": 100, "company_name": 200}


def validate_draft(draft: ContactDraft) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, limit in _LIMITS.items():
        if len(getattr(draft, name)) > limit:
            errors.append(
                FieldError(ContactErrorCode.TOO_LONG, name, f"At most {limit} characters.")
            )
    if not (draft.first_name.strip() or draft.last_name.strip() or draft.company_name.strip()):
        errors.append(
            FieldError(
                ContactErrorCode.REQUIRED,
                "lastName",
                "A contact needs a first name, a last name or a company name.",
            )
        )
    if draft.email is not None and draft.email.strip():
        email = draft.email.strip()
        if len(email) > MAX_EMAIL_LENGTH:
            errors.append(
                FieldError(
                    ContactErrorCode.INVALID_EMAIL,
                    "email",
                    f"An email address has at most {MAX_EMAIL_LENGTH} characters.",
                )
            )
        elif not is_valid_email(email):
            errors.append(
                FieldError(ContactErrorCode.INVALID_EMAIL, "email", "Not a valid email address.")
            )
    if draft.language not in SUPPORTED_LANGUAGES:
        errors.append(
            FieldError(
                ContactErrorCode.INVALID_LANGUAGE,
                "language",
                f"Language must be one of: {', '.join(SUPPORTED_LANGUAGES)}.",
            )
        )
    return errors


async def create_contact(session: AsyncSession, draft: ContactDraft) -> Contact:
    """Validate ``draft`` and add a contact with the next customer number."""
    errors = validate_draft(draft)
    if errors:
        raise InvalidInput(errors)
    email = draft.email.strip() if draft.email and draft.email.strip() else None
    (number,) = await next_customer_numbers(session, 1)
    contact = Contact(
        customer_number=number,
        first_name=draft.first_name.strip(),
        last_name=draft.last_name.strip(),
        company_name=draft.company_name.strip(),
        email=email,
        email_normalized=normalize_email(email) if email else None,
        language=draft.language,
    )
    session.add(contact)
    await session.flush()
    return contact


async def get_contact(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, contact_id)


async def get_contacts_by_ids(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    """Contacts by id in one query (DataLoaders batch through this)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Contact).where(Contact.id.in_(ids)))
    return {contact.id: contact for contact in rows}


async def list_contacts(
    session: AsyncSession, *, first: int | None, after: str | None
) -> Page[Contact]:
    """Contacts in customer-number order, one keyset page."""
    limit = check_page_size(first)
    query = select(Contact).order_by(Contact.customer_number)
    if after is not None:
        (last_number,) = decode_cursor(after, 1)
        if not isinstance(last_number, int):
            raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.")
        query = query.where(Contact.customer_number > last_number)
    rows = (await session.scalars(query.limit(limit + 1))).all()

    async def count_total() -> int:
        return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)

    return Page.from_rows(
        rows,
        limit,
        lambda c: (c.customer_number,),
        after_given=after is not None,
        count_total=count_total,
    )
