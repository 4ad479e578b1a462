"""The portal's member directory: visible, active contacts' public fields, for customers."""

from __future__ import annotations

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from portal.pagination import Page
from portal.services.contacts.search import ContactFilter, list_contacts


async def list_directory(
    session: AsyncSession, *, search: str | None, first: int | None, after: str | None
) -> Page[RowMapping]:
    """Active contacts that chose to appear in the directory, by name (rows of
    :data:`~portal.services.contacts.search.RECORD_COLUMNS`)."""
    return await list_contacts(
        session,
        first=first,
        after=after,
        filter=ContactFilter(search=search, active=True, directory_only=True),
    )
