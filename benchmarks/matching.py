"""Matching one registration among many contacts, excluding argon2 (issue: portal identity).

Product: what ``activateAccount`` runs to find the contact
(``identity.contact_linking.load_candidates`` through the ORM in a request-like session, then
the pure rules of ``identity.matching``).
Reference: the identical SQL through the raw driver (asyncpg / aiosqlite), rows discarded.
Measured at 100,000 and 1,000,000 contacts; prints p50/p95 of both, their ratio, the growth
1M / 100k, and PostgreSQL's query plan.

    python -m benchmarks.matching [sqlite] [postgresql]
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from benchmarks.harness import command_line, interleaved, report, scratch_database
from benchmarks.seed import email_for, seed_contacts
from identity.contact_linking import (
    candidate_from_contact,
    load_candidates,
    unlinked_candidates_query,
)
from identity.matching import SecondIdentifier, match_contact
from portal.db import Database

SIZES = (100_000, 1_000_000)
ROUNDS = 400
ORDER = [SecondIdentifier.CUSTOMER_NUMBER, SecondIdentifier.POSTAL_CODE]


def raw_sql(dialect: str) -> str:
    compiled = unlinked_candidates_query("{email}").compile(
        dialect=postgresql.dialect() if dialect == "postgresql" else sqlite.dialect(),
        compile_kwargs={"literal_binds": True},
    )
    return str(compiled).replace("'{email}'", "$1" if dialect == "postgresql" else "?")


async def raw_connection(url: str) -> Any:
    if url.startswith("postgresql"):
        import asyncpg

        return await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    import aiosqlite

    return await aiosqlite.connect(url.split("///", 1)[1])


async def measure(dialect: str, url: str, size: int, database: Database) -> float:
    rng = random.Random(size)
    emails = [email_for(rng.randint(1, size)) for _ in range(ROUNDS + 50)]
    sql = raw_sql(dialect)
    raw = await raw_connection(url)

    async def product(i: int) -> object:
        async with database.new_session() as session:
            contacts = await load_candidates(session, emails[i])
            return match_contact([candidate_from_contact(c) for c in contacts], ORDER)

    async def reference(i: int) -> object:
        if dialect == "postgresql":
            return await raw.fetch(sql, emails[i])
        async with raw.execute(sql, (emails[i],)) as cursor:
            return await cursor.fetchall()

    try:
        mine, theirs = await interleaved(product, reference, rounds=ROUNDS)
    finally:
        await raw.close()
    report(f"matching {dialect} {size:>9,} contacts", mine, theirs)
    return mine.p50


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            database = Database.from_url(url)
            try:
                seeded = 0
                p50s = []
                for size in SIZES:
                    await seed_contacts(database.engine, seeded + 1, size + 1)
                    seeded = size
                    p50s.append(await measure(dialect, url, size, database))
                print(f"matching {dialect} growth p50 1M / 100k: {p50s[1] / p50s[0]:.2f}x")
                if dialect == "postgresql":
                    async with database.engine.connect() as connection:
                        plan = await connection.execute(
                            text("EXPLAIN ANALYZE " + raw_sql(dialect).replace("$1", ":e")),
                            {"e": email_for(4242)},
                        )
                        print("plan:\n  " + "\n  ".join(row[0] for row in plan))
            finally:
                await database.dispose()


if __name__ == "__main__":
    command_line(main)
