"""Per-request DataLoaders: every relation resolves through one, so a page of N rows costs a
constant number of queries, not N."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from identity.portal_users import portal_users_by_contact_ids
from portal.models import (
    Contact,
    ContactEmail,
    ExternalReference,
    PortalUser,
)
from portal.models.base import PlainRow
from portal.services.contacts import get_contacts_by_ids
from portal.services.contacts.groups_tags import groups_by_contact, tags_by_contact
from portal.services.contacts.history import QuickInfo, quick_info_for
from portal.services.resources import assignments_by_contact

T = TypeVar("T")
R = TypeVar("R")
# What a relation field returns: the value, or an awaitable of it while its loader is busy.
MaybeLoaded: TypeAlias = R | Awaitable[R]


def loaded(pending: Awaitable[T], convert: Callable[[T], MaybeLoaded[R]]) -> MaybeLoaded[R]:
    """``convert`` of a DataLoader's value: at once when the loader already holds it (a page
    preloaded its relations, see ``schema.common.records.preload``), so the field completes
    without a coroutine; else once the value arrives. ``convert`` may itself return an
    awaitable (a second loader)."""
    if isinstance(pending, asyncio.Future) and pending.done():
        return convert(pending.result())  # raises the loader's error, as awaiting would

    async def later() -> R:
        converted = convert(await pending)
        if inspect.isawaitable(converted):
            return cast(R, await converted)
        return converted

    return later()


K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V]):
    """A DataLoader that a list resolver can also fill for a whole page at once.

    :meth:`fill` calls the batch function once for all keys it does not hold yet and keeps the
    values as they are (no future per key, as :meth:`prime` does); :meth:`then` hands a field
    its converted value at once when held or already loaded, and otherwise goes through the
    DataLoader (batched, awaited). Clearing a key forgets a held value too."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        super().__init__(load_fn)
        # A batch function may answer a key with an exception, raised where the key is used.
        self._filled: dict[K, V | BaseException] = {}

    async def fill(self, keys: Iterable[K]) -> None:
        """Load every key not held yet, in one call of the batch function."""
        missing = [k for k in dict.fromkeys(keys) if k not in self._filled]
        if missing:
            values = await self.load_fn(missing)
            self._filled.update(zip(missing, values, strict=True))

    def load(self, key: K) -> Awaitable[V]:
        if key in self._filled:
            future: asyncio.Future[V] = self.loop.create_future()
            value = self._filled[key]
            if isinstance(value, BaseException):
                future.set_exception(value)
            else:
                future.set_result(value)
            return future
        return super().load(key)

    def prime(self, key: K, value: V, force: bool = False) -> None:
        """Hold ``value`` for ``key`` (replacing a held one only with ``force``)."""
        if force or key not in self._filled:
            self._filled[key] = value

    def then(self, key: K, convert: Callable[[V], MaybeLoaded[R]]) -> MaybeLoaded[R]:
        """``convert`` of the key's value: at once when held, else once loaded."""
        if key in self._filled:
            value = self._filled[key]
            if isinstance(value, BaseException):
                raise value
            return convert(value)
        return loaded(self.load(key), convert)

    def clear(self, key: K) -> None:
        self._filled.pop(key, None)
        with contextlib.suppress(KeyError):  # held but never loaded
            super().clear(key)

    def clear_many(self, keys: Iterable[K]) -> None:
        for key in keys:
            self.clear(key)

    def clear_all(self) -> None:
        self._filled.clear()
        super().clear_all()


def _many(
    fetch: Callable[[list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, Any]]], default: Any
) -> Callable[[list[uuid.UUID]], Awaitable[list[Any]]]:
    """A batch function from a ``fetch(ids) -> {id: value}``; missing ids get ``default``."""

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await fetch(list(ids))
        return [found.get(i, default) for i in ids]

    return load


class Loaders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        s = session
        self.contact_by_id: Loader[uuid.UUID, Contact | None] = Loader(
            _many(lambda ids: get_contacts_by_ids(s, ids), None)
        )
        self.groups_by_contact: Loader[uuid.UUID, list[PlainRow]] = Loader(
            _many(lambda ids: groups_by_contact(s, ids), [])
        )
        self.tags_by_contact: Loader[uuid.UUID, list[PlainRow]] = Loader(
            _many(lambda ids: tags_by_contact(s, ids), [])
        )
        self.portal_user_by_contact: Loader[uuid.UUID, PortalUser | PlainRow | None] = Loader(
            _many(lambda ids: portal_users_by_contact_ids(s, ids), None)
        )
        self.emails_by_contact: Loader[uuid.UUID, list[str]] = Loader(_many(self._emails, []))
        self.references_by_contact: Loader[uuid.UUID, list[ExternalReference]] = Loader(
            _many(self._references, [])
        )
        self.assignments_by_contact: Loader[uuid.UUID, list[PlainRow]] = Loader(
            _many(lambda ids: assignments_by_contact(s, ids), [])
        )
        self.quick_info_by_contact: Loader[uuid.UUID, QuickInfo | None] = Loader(
            _many(self._quick_info, None)
        )
        # The customer's own numbers: only history entries meant for them.
        self.customer_quick_info_by_contact: Loader[uuid.UUID, QuickInfo | None] = Loader(
            _many(self._customer_quick_info, None)
        )

    def prime_portal_users(self, users: Iterable[PortalUser | PlainRow]) -> None:
        """Seed ``portal_user_by_contact`` with users a query already read (a contact has at
        most one portal user), so a page of portal users asking for ``contact.portalStatus``
        does not read the same users again."""
        for user in users:
            if user.contact_id is not None:
                self.portal_user_by_contact.prime(user.contact_id, user)

    async def _emails(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result: dict[uuid.UUID, list[str]] = {}
        rows = await self._session.execute(
            select(ContactEmail.contact_id, ContactEmail.email)
            .where(ContactEmail.contact_id.in_(ids))
            .order_by(ContactEmail.email)
        )
        for contact_id, email in rows.all():
            result.setdefault(contact_id, []).append(email)
        return result

    async def _references(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ExternalReference]]:
        result: dict[uuid.UUID, list[ExternalReference]] = {}
        rows = await self._session.scalars(
            select(ExternalReference)
            .where(ExternalReference.contact_id.in_(ids))
            .order_by(ExternalReference.source_system)
        )
        for reference in rows:
            result.setdefault(reference.contact_id, []).append(reference)
        return result

    async def _quick_info(
        self, ids: list[uuid.UUID], *, customer_view: bool = False
    ) -> dict[uuid.UUID, QuickInfo]:
        contacts = await self.contact_by_id.load_many(ids)
        return await quick_info_for(
            self._session,
            [(c.id, c.registered_at) for c in contacts if c is not None],
            customer_view=customer_view,
        )

    async def _customer_quick_info(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, QuickInfo]:
        return await self._quick_info(ids, customer_view=True)
