"""Reading contacts: by id (one, many, or row-locked for a change), by customer number, and
a contact's additional email addresses. Changes are in :mod:`portal.services.contacts.writes`."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import Contact, ContactEmail
from portal.services.contacts.fields import ContactErrorCode
from portal.services.customer_numbers import parse_customer_number


async def additional_emails(session: AsyncSession, contact_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(ContactEmail.email).where(ContactEmail.contact_id == contact_id)
    )
    return list(rows)


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
    """The contact with this customer number; None for text that is no customer number."""
    parsed = parse_customer_number(number)
    if parsed is None:
        return None
    return await session.scalar(select(Contact).where(Contact.customer_number == parsed))


async def get_contacts_by_ids(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    """Contacts by id in one query (DataLoaders batch through this)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Contact).where(Contact.id.in_(ids)))
    return {contact.id: contact for contact in rows}
