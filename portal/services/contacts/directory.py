"""The portal's member directory: visible, active contacts' public fields, for customers.

The directory is its own list, not a view of the staff's contact list: its search matches only
the fields it shows (a member must not learn whether an email, phone number or customer number
belongs to a listed person), and its ids and cursors carry the contact's directory id, never
the contact's id or customer number (issue 16, item 10).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, String, Uuid, func, literal, select, true, tuple_
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import read_rows
from portal.errors import InvalidInput
from portal.models import Contact
from portal.normalization import fold_for_search
from portal.pagination import Page, check_page_size, decode_cursor

# What a directory entry shows; its id is the directory id.
DIRECTORY_COLUMNS = (
    Contact.directory_id,
    Contact.first_name,
    Contact.last_name,
    Contact.company_name,
    Contact.city,
    Contact.website,
)
# Served by ix_contacts_directory_order (partial: listed, active contacts).
_ORDER = (
    func.lower(Contact.last_name, type_=String),
    func.lower(Contact.first_name, type_=String),
    Contact.directory_id,
)
_LABELS = ("sort_0", "sort_1", "sort_2")
_MAX_WORDS = 8


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _conditions(search: str | None) -> list[ColumnElement[bool]]:
    # Spelt like ix_contacts_directory_order's WHERE, so that both databases use it (SQLite
    # proves a partial index only from the same terms; "IS 1" is not "= 1").
    conditions: list[ColumnElement[bool]] = [
        Contact.directory_visible == true(),
        Contact.is_active == true(),
    ]
    for word in (search or "").split()[:_MAX_WORDS]:
        pattern = f"%{_like_escape(fold_for_search(word))}%"
        conditions.append(Contact.directory_text.like(pattern, escape="\\"))
    return conditions


def _bound(after: str) -> list[Any]:
    last_name, first_name, directory_id = decode_cursor(after, len(_ORDER))
    try:
        if not isinstance(last_name, str) or not isinstance(first_name, str):
            raise ValueError
        entry = uuid.UUID(str(directory_id))
    except ValueError:
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.") from None
    return [literal(last_name), literal(first_name), literal(entry, Uuid())]


async def list_directory(
    session: AsyncSession, *, search: str | None, first: int | None, after: str | None
) -> Page[RowMapping]:
    """Active contacts that chose to appear in the directory, by name (rows of
    :data:`DIRECTORY_COLUMNS` by key); ``search`` words must each appear in a shown field."""
    limit = check_page_size(first)
    conditions = _conditions(search)
    sort_columns: list[Any] = [key.label(label) for key, label in zip(_ORDER, _LABELS, strict=True)]
    query = select(*DIRECTORY_COLUMNS, *sort_columns).where(*conditions).order_by(*_ORDER)
    if after is not None:
        query = query.where(tuple_(*_ORDER) > tuple_(*_bound(after)))
    rows = (await read_rows(session, query.limit(limit + 1))).mappings().all()

    async def count_total() -> int:
        total = await session.scalar(select(func.count()).select_from(Contact).where(*conditions))
        return int(total or 0)

    return Page.from_rows(
        rows,
        limit,
        lambda row: (row["sort_0"], row["sort_1"], str(row["sort_2"])),
        after_given=after is not None,
        count_total=count_total,
    )
