"""Newest-first keyset pages of dated records (history, audit log, portal users, outbox,
impersonations, invitations)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import read_rows
from portal.errors import InvalidInput
from portal.models import (
    AuditEntry,
    ContactHistoryEntry,
    Impersonation,
    Invitation,
    OutboxMessage,
    PortalUser,
    StaffSession,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.base import PlainRow, UTCDateTime
from portal.pagination import Page, check_page_size, count_up_to_bound, decode_cursor

Dated = TypeVar(
    "Dated",
    AuditEntry,
    ContactHistoryEntry,
    Impersonation,
    Invitation,
    OutboxMessage,
    PortalUser,
    StaffSession,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


def _after(model: Any, time_column: str, after: str | None) -> ColumnElement[bool] | None:
    """The keyset condition "older than the cursor's row" (None on the first page)."""
    if not after:
        return None
    moment, last = decode_cursor(after, 2)
    try:
        when, last_id = datetime.fromisoformat(str(moment)), uuid.UUID(str(last))
    except ValueError:
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.") from None
    moment_column: Any = getattr(model, time_column)
    # A row comparison, not "a < x OR (a = x AND b < y)": both databases seek an index on
    # (time, id) to it, so a page deep in the list costs what the first one does.
    return tuple_(moment_column, model.id) < tuple_(literal(when, UTCDateTime()), literal(last_id))


def _page(
    session: AsyncSession,
    model: Any,
    conditions: Sequence[ColumnElement[bool]],
    rows: Sequence[Any],
    limit: int,
    key: Callable[[Any], tuple[str, str]],
    after: str | None,
    related: dict[Any, Any],
) -> Page[Any]:
    async def count_total() -> int:
        return await count_up_to_bound(session, model, conditions)

    page = Page.from_rows(rows, limit, key, after_given=after is not None, count_total=count_total)
    page.related = related
    return page


async def newest_first(
    session: AsyncSession,
    model: type[Dated],
    conditions: Sequence[ColumnElement[bool]],
    *,
    first: int | None,
    after: str | None,
    time_column: str = "occurred_at",
    join: tuple[type[Any], ColumnElement[bool]] | None = None,
) -> Page[Dated]:
    """One page ordered by (``time_column``, id) descending. With ``join`` (a model and the
    outer join condition), the joined row of each item comes in the same statement, in
    ``page.related`` by item id."""
    limit = check_page_size(first)
    moment_column: Any = getattr(model, time_column)
    query: Any = select(model).where(*conditions)
    if join is not None:
        query = select(model, join[0]).outerjoin(join[0], join[1]).where(*conditions)
    if (older := _after(model, time_column, after)) is not None:
        query = query.where(older)
    ordered = query.order_by(moment_column.desc(), model.id.desc()).limit(limit + 1)
    related: dict[Any, Any] = {}
    if join is None:
        rows: Sequence[Any] = (await session.scalars(ordered)).all()
    else:
        pairs = (await session.execute(ordered)).all()
        rows = [item for item, _ in pairs]
        related = {item.id: other for item, other in pairs if other is not None}

    def key(row: Any) -> tuple[str, str]:
        return (getattr(row, time_column).isoformat(), str(row.id))

    return _page(session, model, conditions, rows, limit, key, after, related)


async def newest_first_rows(
    session: AsyncSession,
    model: type[Dated],
    columns: Sequence[str],
    conditions: Sequence[ColumnElement[bool]],
    *,
    first: int | None,
    after: str | None,
    time_column: str = "occurred_at",
    join: tuple[type[Any], ColumnElement[bool], Sequence[str]] | None = None,
) -> Page[PlainRow]:
    """:func:`newest_first` for list pages that need no ORM objects: plain rows of
    ``columns`` (which must include ``id`` and ``time_column``). With ``join`` (a model, the
    outer join condition and its columns), each item's joined columns come in the same
    statement, as a mapping by column name in ``page.related`` by item id (absent when the
    outer join found nothing)."""
    limit = check_page_size(first)
    table = model.__table__
    selected: list[Any] = [table.c[name] for name in columns]
    joined: list[str] = []
    query: Any
    if join is None:
        query = select(*selected)
    else:
        other, on, joined = join[0], join[1], list(join[2])
        other_table = other.__table__
        labels = [other_table.c[name].label(f"related__{name}") for name in joined]
        query = select(*selected, *labels).outerjoin(other, on)
    query = query.where(*conditions)
    if (older := _after(model, time_column, after)) is not None:
        query = query.where(older)
    moment_column: Any = getattr(model, time_column)
    ordered = query.order_by(moment_column.desc(), model.id.desc()).limit(limit + 1)
    rows = (await read_rows(session, ordered)).all()
    related: dict[Any, Any] = {}
    if joined:
        width = len(columns)
        for row in rows[:limit]:
            values = row[width:]
            if values[joined.index("id")] is not None:
                related[row.id] = dict(zip(joined, values, strict=True))
    position = list(columns).index(time_column)

    def key(row: Any) -> tuple[str, str]:
        return (row[position].isoformat(), str(row.id))

    return _page(session, model, conditions, rows, limit, key, after, related)
