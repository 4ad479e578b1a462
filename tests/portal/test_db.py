"""Database behaviour the rest relies on: pragmas, UTC timestamps from the clock, sessions that
tolerate concurrent resolvers, optimistic versioning."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.db import read_rows
from portal.models import Contact
from portal.services.contacts import ContactDraft, create_contact
from portal.sqlite_driver import OneTripCursor


async def test_sqlite_runs_with_wal_and_foreign_keys(runtime: Runtime, is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("SQLite pragmas")
    async with runtime.database.transaction() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_timestamps_come_from_the_injected_clock_in_utc(
    runtime: Runtime, clock: FrozenClock
) -> None:
    start = clock()
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, ContactDraft(last_name="Zeit"))
    assert contact.created_at == contact.updated_at == start
    clock.advance(timedelta(hours=3))
    async with runtime.database.transaction() as session:
        row = await session.get(Contact, contact.id)
        assert row is not None
        row.first_name = "Uhr"
    async with runtime.database.transaction() as session:
        row = await session.get(Contact, contact.id)
        assert row is not None
        assert row.created_at == start
        assert row.updated_at == start + timedelta(hours=3)
        assert row.updated_at.tzinfo is UTC


async def test_naive_datetimes_are_refused(runtime: Runtime) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with runtime.database.transaction() as session:
            contact = await create_contact(session, ContactDraft(last_name="Naiv"))
            contact.created_at = datetime(2026, 1, 1)
            await session.flush()


async def test_one_session_serves_concurrent_resolvers(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        await create_contact(session, ContactDraft(last_name="A"))
        results = await asyncio.gather(
            *(session.scalar(select(Contact.last_name)) for _ in range(10))
        )
    assert results == ["A"] * 10


async def test_concurrent_updates_of_one_version_conflict(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, ContactDraft(last_name="Versioned"))
    slow = runtime.database.new_session()
    try:
        stale = await slow.get(Contact, contact.id)
        assert stale is not None and stale.version == 1
        await slow.commit()  # the row stays loaded at version 1
        async with runtime.database.transaction() as fast:
            row = await fast.get(Contact, contact.id)
            assert row is not None
            row.first_name = "One"
        # The slower writer still holds version 1 and must not overwrite silently.
        stale.first_name = "Two"
        with pytest.raises(StaleDataError):
            await slow.commit()
    finally:
        await slow.close()


async def test_sqlite_transactions_begin_immediate_and_end_before_reuse(
    runtime: Runtime, is_postgres: bool
) -> None:
    """SQLite sessions hold the write lock from their first statement (BEGIN IMMEDIATE, sent
    on the driver connection); a connection returned to the pool with a transaction still
    open (behind SQLAlchemy's back) is rolled back before anyone gets it again."""
    if is_postgres:
        pytest.skip("SQLite transaction control")
    engine = runtime.database.engine
    async with runtime.database.transaction() as session:
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection.in_transaction
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        await driver.execute("BEGIN IMMEDIATE")
        await driver.execute("INSERT INTO id_counters (name, value) VALUES ('left-open', 1)")
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert not raw.driver_connection.in_transaction
        names = (await connection.execute(text("SELECT name FROM id_counters"))).scalars()
        assert "left-open" not in list(names)


@pytest.mark.postgres_only
async def test_a_connection_the_server_closed_is_replaced_without_a_ping(
    runtime: Runtime, database_url: str, is_postgres: bool
) -> None:
    """No round trip checks a pooled connection before use (pool_pre_ping cost three per
    request); one whose backend the server ended is never handed out once asyncpg has read
    the server's goodbye, which it does on the event loop as soon as it arrives."""
    if not is_postgres:
        pytest.skip("server-side connection loss needs PostgreSQL")
    import asyncpg

    engine = runtime.database.engine
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        driver = (await connection.get_raw_connection()).driver_connection
    assert engine.pool.checkedin() >= 1
    killer = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await killer.execute("SELECT pg_terminate_backend($1)", pid)
        # Until the server has let go of it and the pooled connection has read the goodbye on
        # its socket (each query on the other connection is a turn of the event loop).
        for _ in range(1000):
            gone = not await killer.fetchval("SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid)
            if gone and driver.is_closed():
                break
    finally:
        await killer.close()
    assert driver.is_closed()
    async with runtime.database.transaction() as session:
        assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar() != pid


async def test_sqlite_statements_take_one_trip_to_the_driver_thread(
    runtime: Runtime, is_postgres: bool
) -> None:
    """SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches and closes: four trips
    to aiosqlite's thread per statement. portal's cursor does the four in one."""
    if is_postgres:
        pytest.skip("aiosqlite's driver thread")
    async with runtime.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # BEGIN is behind us
        driver = (await connection.get_raw_connection()).driver_connection
        trips = 0
        real_execute = driver._execute

        async def counted(fn: object, *args: object, **kwargs: object) -> object:
            nonlocal trips
            trips += 1
            return await real_execute(fn, *args, **kwargs)

        driver._execute = counted
        try:
            rows = (await connection.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
            assert [tuple(row) for row in rows] == [(1,), (2,)]
            assert trips == 1
            await connection.execute(
                text("UPDATE id_counters SET value = value WHERE name = 'nobody'")
            )
            assert trips == 2
        finally:
            del driver._execute


# Every member of SQLAlchemy's aiosqlite cursor (and its bases) when OneTripCursor was written
# against SQLAlchemy 2.1.9: OneTripCursor overrides those that touch the driver cursor it never
# opens, and inherits those that read ``_rows``.
STOCK_CURSOR_MEMBERS = {
    "_adapt_connection", "_aenter_cursor", "_async_soft_close", "_awaitable_cursor_close",
    "_connection", "_cursor", "_execute_async", "_executemany_async", "_make_new_cursor",
    "_rows", "_soft_closed_memoized", "arraysize", "close", "description", "execute",
    "executemany", "fetchall", "fetchmany", "fetchone", "lastrowid", "nextset", "rowcount",
    "server_side", "setinputsizes",
}  # fmt: skip


def test_sqlite_cursor_was_written_against_the_stock_cursors_members() -> None:
    """A SQLAlchemy upgrade that adds or removes a cursor member (one that might use the driver
    cursor OneTripCursor never opens) fails here, before it can answer wrongly."""
    members = {
        name
        for cls in AsyncAdapt_aiosqlite_cursor.__mro__[:-1]
        for name in vars(cls)
        if not name.startswith("__")
    }
    assert members == STOCK_CURSOR_MEMBERS, (
        f"review portal/sqlite_driver.py: new {sorted(members - STOCK_CURSOR_MEMBERS)}, "
        f"gone {sorted(STOCK_CURSOR_MEMBERS - members)}"
    )
    assert OneTripCursor.__mro__[1] is AsyncAdapt_aiosqlite_cursor


async def test_sqlite_cursor_reports_rows_counts_ids_and_errors(
    runtime: Runtime, is_postgres: bool
) -> None:
    """What a DBAPI cursor reports survives the single trip: row counts of single and many
    executions, RETURNING rows, the last row id, errors as SQLAlchemy's, and streaming."""
    if is_postgres:
        pytest.skip("aiosqlite's driver thread")
    insert = text("INSERT INTO id_counters (name, value) VALUES (:name, :value)")
    async with runtime.database.engine.connect() as connection:
        many = await connection.execute(
            insert, [{"name": "trip-a", "value": 1}, {"name": "trip-b", "value": 2}]
        )
        assert many.rowcount == 2
        one = await connection.execute(insert, {"name": "trip-c", "value": 3})
        rowid = (
            await connection.execute(text("SELECT rowid FROM id_counters WHERE name = 'trip-c'"))
        ).scalar()
        assert one.lastrowid == rowid
        updated = await connection.execute(
            text("UPDATE id_counters SET value = value * 10 WHERE name LIKE 'trip-%'")
        )
        assert updated.rowcount == 3
        returned = await connection.execute(
            text(
                "UPDATE id_counters SET value = value + 1 WHERE name IN ('trip-a', 'trip-b') "
                "RETURNING name, value"
            )
        )
        assert sorted(tuple(row) for row in returned) == [("trip-a", 11), ("trip-b", 21)]
        with pytest.raises(IntegrityError):
            await connection.execute(insert, {"name": "trip-a", "value": 0})
        streamed = await connection.stream(
            text("SELECT name FROM id_counters WHERE name LIKE 'trip-%' ORDER BY name")
        )
        assert [row[0] async for row in streamed] == ["trip-a", "trip-b", "trip-c"]
        await connection.rollback()
    async with runtime.database.engine.connect() as connection:
        left = await connection.execute(
            text("SELECT count(*) FROM id_counters WHERE name LIKE 'trip-%'")
        )
        assert left.scalar() == 0


async def test_read_rows_sees_pending_changes_and_runs_beside_the_session(runtime: Runtime) -> None:
    """``read_rows`` runs a Core select on the session's connection: like the session's own
    ``execute`` it flushes pending changes first, and interleaved with the session's own
    statements (concurrent resolvers) every result is complete and right."""
    async with runtime.database.transaction() as session:
        session.add(Contact(customer_number=4711, last_name="Ungespeichert"))
        names = (await read_rows(session, select(Contact.last_name))).scalars().all()
        assert names == ["Ungespeichert"]
        results = await asyncio.gather(
            *(
                read_rows(session, select(Contact.last_name))
                if i % 2
                else session.execute(select(Contact.last_name))
                for i in range(20)
            )
        )
        assert [r.scalars().all() for r in results] == [["Ungespeichert"]] * 20
