"""Newest-first keyset pages of dated records (history, audit log, portal users, outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import AuditEntry, ContactHistoryEntry, OutboxMessage, PortalUser
from portal.pagination import Page, check_page_size, decode_cursor

Dated = TypeVar("Dated", AuditEntry, ContactHistoryEntry, OutboxMessage, PortalUser)


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
    if after:
        moment, last = decode_cursor(after, 2)
        try:
            when, last_id = datetime.fromisoformat(str(moment)), uuid.UUID(str(last))
        except ValueError:
            raise InvalidInput.single(
                "INVALID_CURSOR", "after", "The cursor is not valid."
            ) from None
        query = query.where(
            or_(moment_column < when, and_(moment_column == when, model.id < last_id))
        )
    ordered = query.order_by(moment_column.desc(), model.id.desc()).limit(limit + 1)
    related: dict[Any, Any] = {}
    if join is None:
        rows: Sequence[Any] = (await session.scalars(ordered)).all()
    else:
        pairs = (await session.execute(ordered)).all()
        rows = [item for item, _ in pairs]
        related = {item.id: other for item, other in pairs if other is not None}

    async def count_total() -> int:
        total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
        return int(total or 0)

    def key(row: Any) -> tuple[str, str]:
        return (getattr(row, time_column).isoformat(), str(row.id))

    page = Page.from_rows(rows, limit, key, after_given=after is not None, count_total=count_total)
    page.related = related
    return page
