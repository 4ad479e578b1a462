"""The benchmarks' bulk seed writes contacts the application can store and read: every column
with a unique constraint gets a value of its own per row (the seed once wrote one
``directory_id`` for every contact, so seeding more than one contact failed)."""

from __future__ import annotations

from sqlalchemy import func, select

from benchmarks.seed import email_for, seed_contacts
from portal.app.runtime import Runtime
from portal.models import Contact


async def test_the_seed_writes_distinct_values_into_every_unique_column(runtime: Runtime) -> None:
    await seed_contacts(runtime.database.engine, 1, 6)
    unique_columns = [
        column for column in Contact.__table__.columns if column.unique or column.primary_key
    ]
    assert {column.name for column in unique_columns} >= {"id", "directory_id", "customer_number"}
    async with runtime.database.engine.connect() as connection:
        for column in unique_columns:
            distinct = await connection.scalar(select(func.count(func.distinct(column))))
            assert distinct == 5, column.name
        emails = (
            await connection.scalars(select(Contact.email).order_by(Contact.customer_number))
        ).all()
    assert emails == [email_for(index) for index in range(1, 6)]
