"""Per-request DataLoaders: every relation resolves through one, so a page of N rows costs a
constant number of queries, not N."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from portal.models import Contact
from portal.services import contacts


class Loaders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.contact_by_id: DataLoader[uuid.UUID, Contact | None] = DataLoader(self._load_contacts)

    async def _load_contacts(self, ids: list[uuid.UUID]) -> list[Contact | None]:
        found = await contacts.get_contacts_by_ids(self._session, ids)
        return [found.get(i) for i in ids]
