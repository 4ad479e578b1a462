"""Streaming CSV export of contacts and portal users: memory stays flat in the number of rows.

Rows are read in keyset chunks (customer number order); each chunk loads its tags, groups,
resources and portal users in one query each, then is written and forgotten.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import Contact, PortalUser
from portal.services.contacts.groups_tags import groups_by_contact, tags_by_contact
from portal.services.contacts.search import ContactFilter, filter_conditions
from portal.services.contacts.status import status_of
from portal.services.csv_columns import CONTACT_COLUMNS, PORTAL_USER_COLUMNS, Column, neutralise
from portal.services.resources import assignments_by_contact

CHUNK = 1000


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str = ","
    bom: bool = True  # so German Excel opens UTF-8 correctly
    language: str = "en"  # header language


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Writer:
    def __init__(self, dialect: CsvDialect) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=dialect.delimiter, lineterminator="\r\n")

    def row(self, cells: Sequence[Any]) -> None:
        self.writer.writerow([neutralise(_text(c)) for c in cells])

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def _header(columns: tuple[Column, ...], dialect: CsvDialect) -> list[str]:
    return [c.de if dialect.language == "de" else c.en for c in columns]


async def export_contacts(
    session: AsyncSession, filter: ContactFilter, dialect: CsvDialect
) -> AsyncIterator[bytes]:
    """The contacts CSV, chunk by chunk."""
    out = _Writer(dialect)
    out.row(_header(CONTACT_COLUMNS, dialect))
    yield (b"\xef\xbb\xbf" if dialect.bom else b"") + out.take()
    conditions = filter_conditions(filter)
    last = -1
    while True:
        contacts = list(
            await session.scalars(
                select(Contact)
                .where(*conditions, Contact.customer_number > last)
                .order_by(Contact.customer_number)
                .limit(CHUNK)
            )
        )
        if not contacts:
            return
        ids = [c.id for c in contacts]
        tags = await tags_by_contact(session, ids)
        groups = await groups_by_contact(session, ids)
        grants = await assignments_by_contact(session, ids)
        users = {
            u.contact_id: u
            for u in await session.scalars(select(PortalUser).where(PortalUser.contact_id.in_(ids)))
        }
        for c in contacts:
            resources = [str(r.id) for _, r in grants.get(c.id, [])]
            out.row(
                [
                    c.id, c.customer_number, c.salutation, c.title, c.first_name, c.last_name,
                    c.company_name, c.email, c.phone1, c.phone2, c.mobile, c.street,
                    c.postal_code, c.city, c.country, c.language, c.notes, c.is_active, c.source,
                    c.registered_at, c.newsletter_confirmed_at,
                    ", ".join(t.name for t in tags.get(c.id, [])),
                    ", ".join(g.name for g in groups.get(c.id, [])),
                    " ".join(resources), len(resources),
                    status_of(users.get(c.id), bool(resources)).value,
                ]
            )  # fmt: skip
        last = contacts[-1].customer_number
        # End the read transaction between chunks (SQLite would hold its lock while a slow
        # client downloads) and keep nothing of this chunk in the session.
        await session.rollback()
        session.expunge_all()
        yield out.take()


async def export_portal_users(session: AsyncSession, dialect: CsvDialect) -> AsyncIterator[bytes]:
    """The portal users CSV, chunk by chunk (newest last)."""
    out = _Writer(dialect)
    out.row(_header(PORTAL_USER_COLUMNS, dialect))
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
            out.row(
                [
                    user.email, user.registration_status, user.mapping_status,
                    contact.customer_number if contact else "",
                    f"{contact.first_name} {contact.last_name}".strip() if contact else "",
                    user.created_at, user.last_login_at,
                ]
            )  # fmt: skip
        offset_key = (rows[-1][0].created_at, rows[-1][0].id)
        await session.rollback()
        session.expunge_all()
        yield out.take()
