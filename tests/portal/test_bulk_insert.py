"""bulk_insert stores rows exactly as the ORM reads them back, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from portal.app.runtime import Runtime
from portal.bulk_insert import bulk_insert
from portal.models import Contact
from portal.models.base import full_row, table_of


async def test_rows_read_back_through_the_orm_unchanged(runtime: Runtime) -> None:
    now = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = [
        full_row(Contact, now, {
            "id": first, "customer_number": 900001, "last_name": "Groß", "is_active": False,
            "reachability": [{"day": "MON", "from": "08:00", "to": "12:00"}],
            "registered_at": now, "search_text": "gross",
        }),
        full_row(Contact, now, {
            "id": second, "customer_number": 900002, "last_name": "Weiß", "email": None,
            "search_text": "weiss",
        }),
    ]  # fmt: skip
    async with runtime.database.transaction() as session:
        await bulk_insert(session, table_of(Contact), rows)
    async with runtime.database.transaction() as session:
        one = await session.get(Contact, first)
        two = await session.get(Contact, second)
    assert one is not None and two is not None
    assert (one.last_name, one.is_active, one.version, one.language) == ("Groß", False, 1, "de")
    assert one.reachability == [{"day": "MON", "from": "08:00", "to": "12:00"}]
    assert one.registered_at == now and one.created_at == now
    assert (two.email, two.registered_at, two.reachability) == (None, None, [])
