"""System-assigned customer numbers: sequential, unique, never reused, gaps tolerated.

PostgreSQL draws from a sequence (no lock held between concurrent creations; a rolled-back
transaction leaves a gap). SQLite has one writer at a time, so a counter row is enough.
"""

from __future__ import annotations

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import IdCounter

CUSTOMER_NUMBER_SEQUENCE = "contact_customer_number_seq"
FIRST_CUSTOMER_NUMBER = 10001
# ``customer_number`` is a 32-bit integer column: larger keys are no customer numbers (and would
# overflow the database driver), nor are the other Unicode digits that ``int()`` accepts.
MAX_CUSTOMER_NUMBER = 2**31 - 1


def parse_customer_number(text: str) -> int | None:
    """The customer number ``text`` holds (surrounding blanks ignored): ASCII digits within the
    column's range, else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_CUSTOMER_NUMBER)):
        return None
    number = int(text)
    return number if number <= MAX_CUSTOMER_NUMBER else None


async def next_customer_numbers(session: AsyncSession, count: int = 1) -> list[int]:
    """Reserve ``count`` customer numbers, in ascending order."""
    if count < 1:
        return []
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(
            text(f"SELECT nextval('{CUSTOMER_NUMBER_SEQUENCE}') FROM generate_series(1, :n)"),  # noqa: S608
            {"n": count},
        )
        return sorted(int(row[0]) for row in result)
    result = await session.execute(
        update(IdCounter)
        .where(IdCounter.name == CUSTOMER_NUMBER_SEQUENCE)
        .values(value=IdCounter.value + count)
        .returning(IdCounter.value)
    )
    last = result.scalar_one_or_none()
    if last is None:
        session.add(
            IdCounter(name=CUSTOMER_NUMBER_SEQUENCE, value=FIRST_CUSTOMER_NUMBER - 1 + count)
        )
        await session.flush()
        last = FIRST_CUSTOMER_NUMBER - 1 + count
    return list(range(last - count + 1, last + 1))
