"""Async engine and session factory.

SQLite is the embedded default (WAL journal, foreign keys on, ``BEGIN IMMEDIATE`` so that concurrent
writers queue on the busy timeout instead of failing); PostgreSQL is used in production and CI.
A request is a unit of work: :meth:`Database.session` hands out one session, the HTTP boundary
commits or rolls it back, and services only ``flush()``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Result, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from portal.clock import Clock, system_clock
from portal.sqlite_driver import one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 30_000
# How long a long-running writer (an import between its batches) leaves SQLite's write lock
# free: longer than the busy handler's longest poll interval (100 ms).
SQLITE_WRITER_TURN_SECONDS = 0.15
READ_ONLY = "portal_read_only"  # execution option of Database.snapshot sessions


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (savepoints need it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 64 MiB page cache per connection (the default is 2 MiB): bulk imports and large
        # pages touch many index pages; temporary sort structures stay in memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two transactions that both read and then write
        # would otherwise deadlock, and SQLite answers that with an immediate "database is locked".
        # A snapshot (Database.snapshot) only reads: a plain BEGIN, which in WAL mode neither
        # waits for nor blocks the writer. Sent on the driver connection itself: one trip to
        # aiosqlite's thread instead of three (cursor, execute, close) through SQLAlchemy's
        # cursor adapter.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        connection.connection.dbapi_connection.run_async(lambda driver: driver.execute(statement))

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: ConnectionPoolEntry, state: Any) -> None:
        # The pool's own reset (pool_reset_on_return=None below) would roll back every returned
        # connection, one more trip to aiosqlite's thread per request; a unit of work has
        # always committed or rolled back by then. Roll back only what is still open.
        if state.terminate_only or not state.asyncio_safe:
            return
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()


def create_engine(
    database_url: str, *, echo: bool = False, pool_timeout: float = 10.0
) -> AsyncEngine:
    """An async engine for ``database_url``; creates the folder of a SQLite file if needed.
    A request that waits ``pool_timeout`` seconds for a connection fails (the HTTP layer
    answers it SERVICE_UNAVAILABLE, never a 500)."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(pool_timeout=pool_timeout)  # in memory: one shared connection
        kwargs.update(pool_reset_on_return=None)  # see _on_reset
        if url.get_driver_name() == "aiosqlite":
            kwargs.update(module=one_trip_dbapi())  # one trip to the driver per statement
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_timeout=pool_timeout)
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: Any) -> None:
        # A connection the server has closed (restart, idle timeout, pg_terminate_backend) is
        # replaced before use. asyncpg notices the closed socket on the event loop, so this
        # costs no round trip; SQLAlchemy's pool_pre_ping costs three per request (BEGIN, ping,
        # ROLLBACK), more than the request's own statements. A request that takes the
        # connection in the instant between the server closing it and the loop reading the
        # socket fails once, as it would had the server closed it a moment later, mid-request.
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


class SerializedAsyncSession(AsyncSession):
    """An ``AsyncSession`` whose operations take turns.

    GraphQL resolves sibling fields concurrently, but a session (one connection) can run one
    statement at a time. Queueing here keeps resolvers simple and DataLoader batching intact.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()


def _take_turns(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def serialized(self: SerializedAsyncSession, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await method(self, *args, **kwargs)

    return serialized


# Every AsyncSession method that reaches the connection itself (``scalars`` and
# ``stream_scalars`` go through ``execute`` and ``stream``, so they are covered).
for _name in (
    "execute", "scalar", "get", "get_one", "stream", "refresh", "run_sync", "delete",
    "delete_all", "merge", "merge_all", "flush", "connection", "commit", "rollback", "close",
    "reset", "invalidate",
):  # fmt: skip
    setattr(SerializedAsyncSession, _name, _take_turns(getattr(AsyncSession, _name)))


async def read_rows(session: AsyncSession, statement: Executable) -> Result[Any]:
    """The rows of a Core select of columns (never of ORM entities), run on the session's
    connection: the ORM session's result processing costs more than reading a page of plain
    rows (about 0.4 ms of a 100-row page here). Pending ORM changes are flushed first, as the
    session's own ``execute`` would, and on a :class:`SerializedAsyncSession` the statement
    waits for its turn like every other operation. The result is buffered."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()
    if isinstance(session, SerializedAsyncSession):
        async with session._turn:
            connection = await AsyncSession.connection(session)
            return await connection.execute(statement)
    connection = await session.connection()
    return await connection.execute(statement)


# Session ``info`` keys of read-only sessions (Database.new_session(read_only=True)).
READ_ONLY_SESSION = "read_only"
DEFERRED_WRITES = "deferred_writes"


class ReadOnlyViolation(RuntimeError):
    """A read-only session (a GraphQL query) tried to write."""


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_read_only_sessions(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY_SESSION) and (session.new or session.dirty or session.deleted):
        changed = [type(obj).__name__ for obj in (*session.new, *session.dirty, *session.deleted)]
        raise ReadOnlyViolation(f"a read-only session would write {sorted(set(changed))}")


HOLDS_CONNECTION = "portal_holds_connection"  # session info: see holds_connection


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[HOLDS_CONNECTION] = True


@event.listens_for(Session, "after_transaction_end")
def _note_release(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the root transaction: its connection goes back
        session.info.pop(HOLDS_CONNECTION, None)


def holds_connection(session: AsyncSession) -> bool:
    """Whether ``session`` has a connection checked out now. A session that has begun a
    transaction (a savepoint, ``in_transaction()``) takes one only at its first statement; one
    that holds none can let a short session of its own do a step and return its connection,
    rather than keep one for the rest of the request."""
    return bool(session.info.get(HOLDS_CONNECTION))


def is_read_only(session: AsyncSession) -> bool:
    """Whether ``session`` only reads (the unit of work of a GraphQL query)."""
    return bool(session.info.get(READ_ONLY_SESSION))


def defer_write(session: AsyncSession, statement: Executable) -> None:
    """Run ``statement`` after the read-only ``session`` has ended, in a transaction of its own
    (:meth:`Database.run_deferred_writes`): bookkeeping a read may cause (a session's last
    seen time) without making the read a write."""
    session.info.setdefault(DEFERRED_WRITES, []).append(statement)


def is_postgresql(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """The engine and the session factory of one application instance."""

    def __init__(self, engine: AsyncEngine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        # Put into every session's ``info`` next to the clock: what services need from the
        # application without a parameter through every call (the outbox's link sealer).
        self.session_info: dict[str, Any] = {}
        self._sessions = async_sessionmaker(
            engine, class_=SerializedAsyncSession, expire_on_commit=False, autoflush=True
        )
        self._snapshots = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}),
            class_=SerializedAsyncSession,
            expire_on_commit=False,
            autoflush=False,
        )

    @classmethod
    def from_url(
        cls,
        database_url: str,
        *,
        clock: Clock = system_clock,
        echo: bool = False,
        pool_timeout: float = 10.0,
    ) -> Database:
        return cls(create_engine(database_url, echo=echo, pool_timeout=pool_timeout), clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self, *, read_only: bool = False) -> AsyncSession:
        """A session whose timestamps come from this database's clock; the caller closes it.

        A ``read_only`` session refuses to write (:class:`ReadOnlyViolation`; what it must
        record goes through :func:`defer_write`) and, on SQLite, begins with a plain BEGIN: it
        takes no write lock and waits for none, so reads never queue behind a write."""
        if read_only:
            return self._snapshots(
                info={**self.session_info, "clock": self.clock, READ_ONLY_SESSION: True}
            )
        return self._sessions(info={**self.session_info, "clock": self.clock})

    async def run_deferred_writes(self, session: AsyncSession) -> None:
        """The writes a read-only ``session`` deferred, in one short transaction of their own."""
        statements = session.info.pop(DEFERRED_WRITES, None)
        if statements:
            async with self.transaction() as writer:
                for statement in statements:
                    await writer.execute(statement)

    async def commit_and_give_way(self, session: AsyncSession) -> None:
        """Commit ``session`` and, on SQLite, let writers waiting for the write lock have it
        before ``session`` writes again: a long import commits batch after batch, and a waiting
        writer's busy handler, which polls every 100 ms at most, would otherwise miss each
        short gap until its busy timeout ends in "database is locked". PostgreSQL locks rows:
        nothing to wait for."""
        await session.commit()
        if self.dialect == "sqlite":
            await asyncio.sleep(SQLITE_WRITER_TURN_SECONDS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session committed on success and rolled back on error (CLI, workers, tests)."""
        async with self.new_session() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A short session for reads only, rolled back at the end. On SQLite it takes no
        write lock and waits for none: a request reads what it needs before its own
        transaction locks (a login verifies the password before it writes counters)."""
        async with self._snapshots(info={**self.session_info, "clock": self.clock}) as session:
            try:
                yield session
            finally:
                await session.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()
