"""Streaming CSV export of contacts and portal users: memory stays flat in the number of rows.

Rows are read in keyset chunks (customer number order); each chunk loads its tags, groups,
resources and portal users in one query each (by the chunk's customer-number range), then is
written and forgotten.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.models import (
    Contact,
    ContactEmail,
    ContactGroup,
    ContactGroupMember,
    ContactTag,
    ExternalReference,
    PortalUser,
    Resource,
    ResourceAssignment,
    Tag,
)
from portal.services.contacts.search import ContactFilter, filter_conditions
from portal.services.contacts.status import status_of
from portal.services.csv_columns import (
    EXPORTED_CONTACT_COLUMNS,
    NEUTRALISED_PREFIXES,
    PORTAL_USER_COLUMNS,
    Column,
    format_reachability,
    join_names,
    neutralise,
)

CHUNK = 1000
_NEUTRALISED_STARTS = frozenset(NEUTRALISED_PREFIXES)


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str = ","
    bom: bool = True  # so German Excel opens UTF-8 correctly
    language: str = "en"  # header language


def _cell(value: Any) -> str:
    """A value as CSV text: neutralised when it is text (numbers, flags and ISO dates cannot
    start a formula), 1/0 for flags, ISO 8601 for times."""
    kind = type(value)
    if kind is str:
        text: str = value
        return neutralise(text) if text[:1] in _NEUTRALISED_STARTS else text
    if value is None:
        return ""
    if kind is bool:
        return "1" if value else "0"
    if kind is datetime or kind is date:
        return str(value.isoformat())
    return neutralise(str(value))


class _Writer:
    def __init__(self, dialect: CsvDialect) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=dialect.delimiter, lineterminator="\r\n")

    def row(self, cells: Sequence[Any]) -> None:
        # Most cells are plain text or empty: written as they are (csv writes None as an
        # empty cell); everything else goes through _cell. Runs once per cell of the export.
        starts = _NEUTRALISED_STARTS
        self.writer.writerow(
            [
                c if c is None or (type(c) is str and c[:1] not in starts) else _cell(c)
                for c in cells
            ]
        )

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def _header(columns: tuple[Column, ...], dialect: CsvDialect) -> list[str]:
    return [c.de if dialect.language == "de" else c.en for c in columns]


_CONTACT_FIELDS = (
    Contact.id, Contact.customer_number, Contact.salutation, Contact.title, Contact.first_name,
    Contact.last_name, Contact.company_name, Contact.email, Contact.phone1, Contact.phone2,
    Contact.mobile, Contact.fax, Contact.street, Contact.postal_code, Contact.city,
    Contact.country, Contact.language, Contact.formality, Contact.date_of_birth, Contact.website,
    Contact.notes, Contact.directory_visible, Contact.is_active, Contact.source,
    Contact.registered_at, Contact.newsletter_invited_at, Contact.newsletter_confirmed_at,
    Contact.newsletter_revoked_at,
    Contact.reachability,  # last: formatted into its own column after tags and groups
)  # fmt: skip


async def _joined_names(connection: AsyncConnection, query: Any) -> dict[uuid.UUID, str]:
    """``contact id -> "a, b"`` from a ``(contact_id, name)`` query (tags or groups); names
    with commas are quoted (see :func:`join_names`)."""
    found: dict[uuid.UUID, list[str]] = {}
    for contact_id, value in await connection.execute(query):
        found.setdefault(contact_id, []).append(value)
    return {contact_id: join_names(values) for contact_id, values in found.items()}


async def export_contacts(
    session: AsyncSession,
    filter: ContactFilter,
    dialect: CsvDialect,
    *,
    progress: Callable[[int], None] | None = None,
) -> AsyncIterator[bytes]:
    """The contacts CSV, chunk by chunk. Reads plain rows of exactly the exported columns (no
    ORM objects), and per chunk one query each for tags, groups, resources and portal users.
    ``progress`` is told the number of rows written after each chunk."""
    out = _Writer(dialect)
    out.row(_header(EXPORTED_CONTACT_COLUMNS, dialect))
    yield (b"\xef\xbb\xbf" if dialect.bom else b"") + out.take()
    conditions = await filter_conditions(session, filter)
    last = -1
    while True:
        # Core rows straight from the connection: the session's ORM result processing would
        # cost more than writing the CSV.
        connection = await session.connection()
        contacts = (
            await connection.execute(
                select(*_CONTACT_FIELDS)
                .where(*conditions, Contact.customer_number > last)
                .order_by(Contact.customer_number)
                .limit(CHUNK)
            )
        ).all()
        if not contacts:
            return
        # The chunk's relations, selected by the chunk's customer-number range rather than by
        # a list of its 1,000 ids (rendering 4,000 bound parameters per chunk took a third of
        # the export). The range may hold contacts the filter left out: they are never looked
        # up.
        in_chunk = Contact.customer_number.between(contacts[0][1], contacts[-1][1])
        tags = await _joined_names(
            connection,
            select(ContactTag.contact_id, Tag.name)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .join(Contact, Contact.id == ContactTag.contact_id)
            .where(in_chunk)
            .order_by(Tag.name_normalized),
        )
        groups = await _joined_names(
            connection,
            select(ContactGroupMember.contact_id, ContactGroup.name)
            .join(ContactGroup, ContactGroup.id == ContactGroupMember.group_id)
            .join(Contact, Contact.id == ContactGroupMember.contact_id)
            .where(in_chunk)
            .order_by(ContactGroup.name),
        )
        further_emails = await _joined_names(
            connection,
            select(ContactEmail.contact_id, ContactEmail.email)
            .join(Contact, Contact.id == ContactEmail.contact_id)
            .where(in_chunk)
            .order_by(ContactEmail.email_normalized),
        )
        references = await _joined_names(
            connection,
            select(
                ExternalReference.contact_id,
                ExternalReference.source_system + ":" + ExternalReference.external_id,
            )
            .join(Contact, Contact.id == ExternalReference.contact_id)
            .where(in_chunk)
            .order_by(ExternalReference.source_system),
        )
        resources: dict[uuid.UUID, list[str]] = {}
        for contact_id, resource_id in await connection.execute(
            select(ResourceAssignment.contact_id, ResourceAssignment.resource_id)
            .join(Resource, Resource.id == ResourceAssignment.resource_id)
            .join(Contact, Contact.id == ResourceAssignment.contact_id)
            .where(in_chunk)
            .order_by(Resource.name)
        ):
            resources.setdefault(contact_id, []).append(str(resource_id))
        users = {
            row.contact_id: row
            for row in await connection.execute(
                select(PortalUser.contact_id, PortalUser.suspended_at, PortalUser.last_login_at)
                .join(Contact, Contact.id == PortalUser.contact_id)
                .where(in_chunk)
            )
        }
        for c in contacts:
            contact_id = c[0]
            assigned = resources.get(contact_id, ())
            out.row(
                [
                    *c[:-1],
                    tags.get(contact_id, ""), groups.get(contact_id, ""),
                    further_emails.get(contact_id, ""),
                    format_reachability(c[-1] or (), dialect.language),
                    references.get(contact_id, ""),
                    " ".join(assigned), len(assigned),
                    status_of(users.get(contact_id), bool(assigned)).value,
                ]
            )  # fmt: skip
        last = contacts[-1][1]
        if progress is not None:
            progress(len(contacts))
        # End the read transaction between chunks (SQLite would hold its lock while a slow
        # client downloads).
        await session.rollback()
        yield out.take()


async def export_portal_users(
    session: AsyncSession, dialect: CsvDialect, columns: Sequence[str] | None = None
) -> AsyncIterator[bytes]:
    """The portal users CSV, chunk by chunk (oldest first), with ``columns`` (keys of
    ``PORTAL_USER_COLUMNS``, in the order given; all by default)."""
    by_key = {c.key: i for i, c in enumerate(PORTAL_USER_COLUMNS)}
    chosen = [by_key[key] for key in columns] if columns else list(range(len(by_key)))
    out = _Writer(dialect)
    out.row(_header(tuple(PORTAL_USER_COLUMNS[i] for i in chosen), dialect))
    yield (b"\xef\xbb\xbf" if dialect.bom else b"") + out.take()
    offset_key: tuple[datetime, Any] | None = None
    while True:
        query = (
            select(PortalUser, Contact)
            .join(Contact, Contact.id == PortalUser.contact_id, isouter=True)
            .order_by(PortalUser.created_at, PortalUser.id)
            .limit(CHUNK)
        )
        if offset_key is not None:
            query = query.where(tuple_(PortalUser.created_at, PortalUser.id) > tuple_(*offset_key))
        rows = (await session.execute(query)).all()
        if not rows:
            return
        for user, contact in rows:
            cells = [
                user.email, user.registration_status, user.mapping_status,
                contact.customer_number if contact else "",
                f"{contact.first_name} {contact.last_name}".strip() if contact else "",
                user.created_at, user.last_login_at,
            ]  # fmt: skip
            out.row([cells[i] for i in chosen])
        offset_key = (rows[-1][0].created_at, rows[-1][0].id)
        await session.rollback()
        session.expunge_all()
        yield out.take()
