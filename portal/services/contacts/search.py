"""Listing contacts: search, filters, sort orders, keyset pagination."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.db import read_rows
from portal.errors import InvalidInput
from portal.models import Contact, ContactGroupMember, ContactTag, PortalUser, Tag
from portal.models.base import UTCDateTime
from portal.models.contact_search import SearchTextContains
from portal.pagination import Page, check_page_size, count_up_to_bound, decode_cursor
from portal.services.contacts.list_plans import not_an_index_key
from portal.services.contacts.search_plan import search_page
from portal.services.contacts.search_terms import search_terms

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ContactOrderField(StrEnum):
    NAME = "NAME"
    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
    CREATED_AT = "CREATED_AT"
    LAST_VISIT = "LAST_VISIT"


class OptInState(StrEnum):
    NONE = "NONE"  # never invited
    INVITED = "INVITED"  # invited, not confirmed
    CONFIRMED = "CONFIRMED"
    REVOKED = "REVOKED"


@dataclass(frozen=True)
class ContactFilter:
    search: str | None = None
    status: str | None = None
    active: bool | None = None  # None: active only, unless include_inactive
    include_inactive: bool = False
    group_ids: tuple[uuid.UUID, ...] = ()
    tags: tuple[str, ...] = ()  # tag names; all must be present
    source: str | None = None
    opt_in: OptInState | None = None


@dataclass(frozen=True)
class ContactOrder:
    field: ContactOrderField = ContactOrderField.NAME
    descending: bool = False


async def filter_conditions(
    db: AsyncSession | AsyncConnection, f: ContactFilter
) -> list[ColumnElement[bool]]:
    """The WHERE terms of filter ``f``. Tag names are looked up first (one indexed read): the
    list statement then filters by tag ids, which both planners estimate from their statistics
    (a name joined inside the statement left PostgreSQL guessing the tag's share). A tag name
    that names no tag matches no contact."""
    return _conditions_of(f, await _tag_ids_of(db, f))


async def _tag_ids_of(db: AsyncSession | AsyncConnection, f: ContactFilter) -> dict[str, uuid.UUID]:
    names = {_tag_key(name) for name in f.tags}
    if not names:
        return {}
    found = await db.execute(
        select(Tag.name_normalized, Tag.id).where(Tag.name_normalized.in_(names))
    )
    return dict(found.all())


def _tag_key(name: str) -> str:
    return name.strip().lower()


def _linked(
    contact_id: Any, key: Any, value: uuid.UUID, *, as_set: bool = False
) -> ColumnElement[bool]:
    """Contacts with a row of ``value`` in the link table column ``key`` (contact_tags.tag_id,
    contact_group_members.group_id). The id is written into the statement (a UUID, never text
    from the request): PostgreSQL plans each tag with its own row estimate, where a prepared
    statement's generic plan would assume an average tag. An EXISTS, not ``id IN (SELECT
    ...)``: SQLite builds an IN set in full before the first row (every contact of a common
    tag, 1.2 s at 100,000 contacts in the benchmark), where the EXISTS probes the link table's
    primary key for the contacts an order's index walks and stops at the page's end.

    ``as_set``: the ``IN`` form after all, for SQLite's bounded counts, which read every match
    anyway: the set (one read of the link table's ``tag_id`` index) drives the count through
    the contacts' primary key instead of probing once per active contact (the rare tag's
    count 500 -> 15 ms at 100,000 contacts)."""
    linked_to = key == bindparam(None, value, type_=key.type, literal_execute=True)
    if as_set:
        return Contact.id.in_(select(contact_id).where(linked_to))
    return exists().where(contact_id == Contact.id, linked_to)


def _conditions_of(
    f: ContactFilter,
    tag_ids: Mapping[str, uuid.UUID],
    *,
    hide_equality_indexes: bool = False,
    links_as_sets: bool = False,
) -> list[ColumnElement[bool]]:
    """The WHERE terms of filter ``f``, with its tag names already resolved to ``tag_ids``
    (what :func:`filter_conditions` returns). ``hide_equality_indexes``: SQLite must not
    search the indexes that lead with ``is_active`` or ``portal_status`` (the statement is
    read through the order's index or driven by the search's matches, see
    :mod:`portal.services.contacts.list_plans`). ``links_as_sets``: see :func:`_linked`."""
    conditions: list[ColumnElement[bool]] = []
    hide = hide_equality_indexes
    is_active = not_an_index_key(Contact.is_active) if hide else Contact.is_active
    portal_status = not_an_index_key(Contact.portal_status) if hide else Contact.portal_status
    if f.active is not None:
        conditions.append(is_active.is_(f.active))
    elif not f.include_inactive:
        conditions.append(is_active.is_(True))
    for term in search_terms(f.search):
        conditions.append(SearchTextContains(term))
    if f.status:
        conditions.append(portal_status == f.status)
    for group_id in f.group_ids:
        conditions.append(
            _linked(
                ContactGroupMember.contact_id,
                ContactGroupMember.group_id,
                group_id,
                as_set=links_as_sets,
            )
        )
    for name in f.tags:
        tag_id = tag_ids.get(_tag_key(name))
        conditions.append(
            false()
            if tag_id is None
            else _linked(ContactTag.contact_id, ContactTag.tag_id, tag_id, as_set=links_as_sets)
        )
    if f.source:
        conditions.append(Contact.source == f.source)
    # A revocation keeps the confirmation date (consent.has_opt_in): revoked_at decides.
    if f.opt_in is OptInState.CONFIRMED:
        conditions.append(
            and_(
                Contact.newsletter_confirmed_at.is_not(None),
                Contact.newsletter_revoked_at.is_(None),
            )
        )
    elif f.opt_in is OptInState.REVOKED:
        conditions.append(Contact.newsletter_revoked_at.is_not(None))
    elif f.opt_in is OptInState.INVITED:
        conditions.append(
            and_(
                Contact.newsletter_invited_at.is_not(None),
                Contact.newsletter_confirmed_at.is_(None),
                Contact.newsletter_revoked_at.is_(None),
            )
        )
    elif f.opt_in is OptInState.NONE:
        conditions.append(
            and_(Contact.newsletter_invited_at.is_(None), Contact.newsletter_confirmed_at.is_(None))
        )
    return conditions


def _last_visit() -> Any:
    return func.coalesce(
        select(PortalUser.last_login_at)
        .where(PortalUser.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery(),
        literal(EPOCH, UTCDateTime()),
    )


@cache
def _sort_keys(field: ContactOrderField) -> tuple[Any, ...]:
    return tuple(_build_sort_keys(field))


def _build_sort_keys(field: ContactOrderField) -> list[Any]:
    if field is ContactOrderField.NAME:
        return [
            func.lower(Contact.last_name, type_=String),
            func.lower(Contact.first_name, type_=String),
            Contact.customer_number,
        ]
    if field is ContactOrderField.CREATED_AT:
        return [Contact.created_at, Contact.customer_number]
    if field is ContactOrderField.LAST_VISIT:
        return [_last_visit(), Contact.customer_number]
    return [Contact.customer_number]


# Orders read through an index of their own (the customer number's unique index,
# ix_contacts_created_at), which SQLite's planner must be steered to (list_plans).
_ORDERS_OF_THEIR_OWN_INDEX = frozenset(
    {ContactOrderField.CUSTOMER_NUMBER, ContactOrderField.CREATED_AT}
)


# Orders an index gives (PostgreSQL's capped walk of search_plan reads it); not LAST_VISIT.
_ORDERS_OF_AN_INDEX = _ORDERS_OF_THEIR_OWN_INDEX | {ContactOrderField.NAME}


def _on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _walks_the_order(f: ContactFilter, field: ContactOrderField) -> bool:
    """Whether PostgreSQL's capped walk (search_plan) can read the list without its search from
    the order's index alone. Not for LAST_VISIT (no index), a tag, group, status, source or
    opt-in filter (checked per contact read: the walk for a page of 5,000 contacts of a tag
    took 85-130 ms at 1,000,000 contacts, of the status ACTIVE 20-28 ms at 100,000 where the
    plain statement takes 1 ms), nor for the NAME order over active and inactive contacts
    (ix_contacts_name_order leads with is_active). These keep the plain statement."""
    if field not in _ORDERS_OF_AN_INDEX:
        return False
    if f.tags or f.group_ids or f.status or f.source or f.opt_in:
        return False
    return field is not ContactOrderField.NAME or f.active is not None or not f.include_inactive


def _searches_through_index(f: ContactFilter) -> bool:
    """Whether a term of the search is found through the search index (on SQLite: the FTS5
    table's matches, which then drive the statement through the customer-number index and are
    sorted: 0.5-20 ms for a name or number at 100,000 contacts, where walking the order's index
    and checking every contact against the matches took 30-60 ms on a quiet machine, and
    0.5-0.9 s under load. A term found in a fifth of all contacts costs more this way, about
    100 ms instead of 40 ms, for the NAME order)."""
    return any(SearchTextContains(term).indexed for term in search_terms(f.search))


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode(after: str, keys: tuple[Any, ...]) -> list[Any]:
    """Cursor values typed like the sort keys, so the database compares like with like."""
    values = list(decode_cursor(after, len(keys)))
    bound = []
    try:
        for key, value in zip(keys, values, strict=True):
            python_type = key.type.python_type
            if python_type is datetime:
                bound.append(literal(datetime.fromisoformat(str(value)), UTCDateTime()))
            elif isinstance(value, python_type) and python_type in (int, str):
                bound.append(literal(value))
            else:
                raise ValueError
    except (ValueError, NotImplementedError):
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.") from None
    return bound


# The columns a listed contact is read with: all but the search texts (long, internal) and the
# newsletter token (a secret). Lists read plain rows, not ORM objects: a page of 100 contacts
# costs a third less to load, and nothing on a list page is ever written back.
_NOT_RECORDED = (
    "search_text",
    "directory_text",
    "newsletter_token_hash",
    "newsletter_token_expires_at",
)
RECORD_COLUMNS = tuple(
    column for column in Contact.__table__.columns if column.key not in _NOT_RECORDED
)
RECORD_KEYS = tuple(column.key for column in RECORD_COLUMNS)
_RECORD_COLUMN_BY_KEY = {column.key: column for column in RECORD_COLUMNS}
SORT_KEY_LABELS = ("sort_0", "sort_1", "sort_2")


@lru_cache(maxsize=256)
def _page_query(
    columns: tuple[str, ...], field: ContactOrderField, descending: bool
) -> Select[Any]:
    """The page statement of some record columns in one sort order, without filters and
    limit (built once per shape: a select of 40 columns costs more to build than to run)."""
    keys = _sort_keys(field)
    labels = SORT_KEY_LABELS[: len(keys)]
    sort_columns = [key.label(label) for key, label in zip(keys, labels, strict=True)]
    selected = [_RECORD_COLUMN_BY_KEY[key] for key in columns]
    return select(*selected, *sort_columns).order_by(
        *(key.desc() if descending else key for key in keys)
    )


async def list_contacts(
    session: AsyncSession,
    *,
    first: int | None,
    after: str | None,
    filter: ContactFilter | None = None,
    order: ContactOrder | None = None,
    columns: Sequence[str] = RECORD_KEYS,
) -> Page[RowMapping]:
    """One keyset page of contacts, as rows of the record ``columns`` by name (a subset of
    :data:`RECORD_KEYS`; unknown names are bad input of the caller, a ``KeyError``). The
    cursor is the row's sort key as the database computed it (lower-cased names, last visit),
    so paging never depends on Python agreeing with SQL."""
    limit = check_page_size(first)
    f, order = filter or ContactFilter(), order or ContactOrder()
    tag_ids = await _tag_ids_of(session, f)
    searched = _searches_through_index(f)
    conditions = _conditions_of(
        f, tag_ids, hide_equality_indexes=searched or order.field in _ORDERS_OF_THEIR_OWN_INDEX
    )
    keys = _sort_keys(order.field)
    labels = SORT_KEY_LABELS[: len(keys)]
    page_query = _page_query(tuple(columns), order.field, order.descending)
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    keyset: list[ColumnElement[bool]] = []
    if after is not None:
        values = _decode(after, keys)
        row, bound = tuple_(*keys), tuple_(*values)
        keyset.append(row < bound if order.descending else row > bound)
        if on_sqlite and len(keys) > 1:
            # The same bound on the first key alone, which SQLite seeks an index by where it
            # does not seek by a row value over indexed expressions (lower(last_name)): a
            # NAME page after 10,000 rows under a source filter read every row before the
            # cursor (115-160 ms at 100,000 contacts, 7 ms with the seek).
            first_key, first_value = keys[0], values[0]
            keyset.append(
                first_key <= first_value if order.descending else first_key >= first_value
            )
    rows: Sequence[RowMapping] | None = None
    if searched and _walks_the_order(f, order.field) and _on_postgres(session):
        # A bounded worst case instead of the planner's guess from its sample (search_plan).
        rows = await search_page(
            session,
            page_query,
            keys=keys,
            labels=labels,
            descending=order.descending,
            conditions=conditions,
            keyset=keyset,
            limit=limit,
        )
    if rows is None:
        query = page_query.where(*conditions, *keyset).limit(limit + 1)
        rows = (await read_rows(session, query)).mappings().all()

    async def count_total() -> int:
        # On SQLite a count is driven by the smallest set it can name: the search's matches,
        # the contacts of a tag or group (links_as_sets), not the is_active / status indexes.
        linked = on_sqlite and bool(f.tags or f.group_ids)
        # A filter no index answers (source, opt-in) without a status: one pass over the
        # table reads each row once, where the is_active index's walk fetched every row it
        # passed (source CSV_IMPORT's count 115-255 -> 13 ms at 100,000 contacts).
        unindexed = on_sqlite and bool(f.source or f.opt_in) and not f.status
        counted = _conditions_of(
            f,
            tag_ids,
            hide_equality_indexes=searched or linked or unindexed,
            links_as_sets=on_sqlite,
        )
        return await count_up_to_bound(session, Contact, counted)

    return Page.from_rows(
        rows,
        limit,
        lambda row: tuple(_encode(row[label]) for label in labels),
        after_given=after is not None,
        count_total=count_total,
    )
