"""Fast bulk seeding of contacts with one INSERT ... SELECT over a number series, built from the
model so it keeps working as columns are added (other columns take the model's defaults)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, Uuid, case, cast, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.models import Contact
from portal.models.base import UTCDateTime
from portal.services.customer_numbers import CUSTOMER_NUMBER_SEQUENCE, FIRST_CUSTOMER_NUMBER

SHARED_EVERY = 1000  # in every block of 1000 contacts, three share one email (family, shop)


def email_for(index: int) -> str:
    """The seeded email of contact ``index`` (1-based), mirroring :func:`seed_contacts`."""
    if index % SHARED_EVERY < 3:
        return f"shared{index // SHARED_EVERY}@example.com"
    return f"user{index}@example.com"


def _text(*parts: Any) -> Any:
    result = parts[0]
    for part in parts[1:]:
        result = result + part  # String + String compiles to || on both dialects
    return result


async def seed_contacts(engine: AsyncEngine, start: int, stop: int) -> None:
    """Insert contacts ``start..stop-1`` (1-based indexes) in one statement."""
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        series: Any = select(func.generate_series(start, stop - 1).label("g")).subquery()
    else:
        base = select(literal(start, Integer).label("g")).cte("series", recursive=True)
        series = base.union_all(select(base.c.g + 1).where(base.c.g < stop - 1))
    g = series.c.g
    number = cast(g, String)
    email = case(
        (
            g % SHARED_EVERY < 3,
            # Floor division: "/" of integers is true division in SQLAlchemy 2 (on PostgreSQL
            # it wrote shared0.00100000000000000000@example.com).
            _text(literal("shared"), cast(g // SHARED_EVERY, String), literal("@example.com")),
        ),
        else_=_text(literal("user"), number, literal("@example.com")),
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    customer_number = g + (FIRST_CUSTOMER_NUMBER - 1)
    last_name = _text(literal("Name"), number)

    def random_uuid() -> Any:
        # As SQLAlchemy's Uuid stores it: native on PostgreSQL, 32 hex digits on SQLite.
        return func.gen_random_uuid() if postgres else func.lower(func.hex(func.randomblob(16)))

    special: dict[str, Any] = {
        "id": random_uuid(),
        "customer_number": customer_number,
        "first_name": literal("Vorname"),
        "last_name": last_name,
        "email": email,
        "email_normalized": email,
        # What portal.services.contacts.crud.search_text_of makes of these (all ASCII, so
        # lower() folds them): searches find the seeded contacts as they would real ones.
        "search_text": func.lower(
            _text(
                literal("vorname "),
                last_name,
                literal(" "),
                email,
                literal(" "),
                cast(customer_number, String),
            )
        ),
        "created_at": literal(now, UTCDateTime()),
        "updated_at": literal(now, UTCDateTime()),
    }
    columns, values = [], []
    for column in Contact.__table__.columns:
        if column.name in special:
            expression = special[column.name]
        elif isinstance(column.type, Uuid) and column.default is not None:
            # A Python-side default (uuid4) would be evaluated once for the whole statement:
            # one value in every row, which a unique column (directory_id) refuses.
            expression = random_uuid()
        elif column.default is not None and getattr(column.default, "is_scalar", False):
            expression = literal(column.default.arg, column.type)  # type: ignore[attr-defined]
        elif column.default is not None and getattr(column.default, "is_callable", False):
            # e.g. ``default=list`` of a JSON column; SQLAlchemy wraps it to take a context
            value = column.default.arg(None)  # type: ignore[attr-defined]
            expression = literal(value, column.type)
        elif column.nullable or column.server_default is not None:
            continue
        else:
            raise RuntimeError(f"seed does not know how to fill contacts.{column.name}")
        columns.append(column.name)
        values.append(expression.label(column.name))
    statement = insert(Contact.__table__).from_select(columns, select(*values).select_from(series))
    last = stop - 1 + FIRST_CUSTOMER_NUMBER - 1
    async with engine.begin() as connection:
        await connection.execute(statement)
        if postgres:
            await connection.execute(text(f"SELECT setval('{CUSTOMER_NUMBER_SEQUENCE}', {last})"))
        else:
            await connection.execute(
                text("INSERT OR REPLACE INTO id_counters (name, value) VALUES (:n, :v)"),
                {"n": CUSTOMER_NUMBER_SEQUENCE, "v": last},
            )
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
