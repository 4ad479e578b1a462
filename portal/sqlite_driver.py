"""aiosqlite behind SQLAlchemy with one trip to the driver thread per statement.

aiosqlite runs every call on a thread of its own; each call is a trip: a queue put on the event
loop, the call on the thread, a future resolved back on the loop (60-150 us here, most of it
waiting). SQLAlchemy's adapter makes four trips per statement: it opens a cursor, executes,
fetches all rows and closes the cursor. :class:`OneTripCursor` does the four in one function on
the driver thread and keeps what the cursor reported (rows, description, row count, last row
id), so a statement costs one trip, as a raw ``sqlite3`` call would cost one call.

Everything else is SQLAlchemy's aiosqlite dialect: errors are translated by the adapted
connection as before, statements on one connection still take turns (the adapter's execute
mutex), and server-side cursors (``stream``) keep SQLAlchemy's own cursor, which fetches in
chunks. ``create_engine`` passes :func:`one_trip_dbapi` as the dialect's DBAPI module.

Why it is kept: a statement costs one trip instead of four, and every trip is work for the
event loop (a future, a wake-up from another thread). Against SQLAlchemy's own adapter, p50
without / with (median of paired rounds): one statement on a held connection 0.22-0.30 ms
against 0.40-0.50 ms, 1.66-1.77x (1.62-1.87x); a staff login (a write: 13 trips instead of 40)
1.20x (1.23x); the contacts page (4 trips instead of 10) 0.82-1.13x (1.02-1.06x); the customer
``viewer`` (3 instead of 6) no difference beyond the noise of a 2-core machine shared with other
test runs (``python -m benchmarks shortcuts sqlite``, 2026-12-02, three runs): requests with
many statements, writes above all, gain most.

It builds on private parts of SQLAlchemy's aiosqlite adapter and of aiosqlite: both are pinned
in ``pyproject.toml``, :data:`INTERNALS` is checked when this module is imported
(``portal.internals``), and ``tests/portal/test_db.py`` counts the trips, compares the stock
cursor's members with the ones this cursor was written against, and checks what the cursor
reports.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_cursor, AsyncIODBAPIConnection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

from portal.internals import Internal, require

# What this module overrides or calls of SQLAlchemy's adapter and aiosqlite, with the
# parameters it passes (after self); an upgrade that changes one fails the import.
INTERNALS = (
    *(
        Internal(AsyncAdapt_dbapi_cursor, slot)
        for slot in ("_adapt_connection", "_connection", "_cursor", "_rows")
    ),
    Internal(AsyncAdapt_dbapi_cursor, "_soft_closed_memoized"),
    Internal(AsyncAdapt_aiosqlite_cursor, "__init__", ("adapt_connection",)),
    Internal(AsyncAdapt_aiosqlite_cursor, "_execute_async", ("operation", "parameters")),
    Internal(AsyncAdapt_aiosqlite_cursor, "_executemany_async", ("operation", "seq_of_parameters")),
    Internal(AsyncAdapt_aiosqlite_cursor, "_async_soft_close", ()),
    Internal(AsyncAdapt_aiosqlite_connection, "__init__", ("dbapi", "connection")),
    Internal(AsyncAdapt_aiosqlite_connection, "_cursor_cls"),
    Internal(AsyncAdapt_aiosqlite_connection, "_execute_mutex"),
    Internal(AsyncAdapt_aiosqlite_dbapi, "__init__", ("aiosqlite", "sqlite")),
    Internal(AsyncAdapt_aiosqlite_dbapi, "connect", ("arg", "kw")),
    Internal(aiosqlite.Connection, "_execute", ("fn", "args", "kwargs")),
    Internal(aiosqlite.Connection, "_conn"),
)
require(__name__, ("SQLAlchemy", "aiosqlite"), INTERNALS)

Description = tuple[tuple[Any, ...], ...] | None
Outcome = tuple[Description, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """Runs on the driver thread: a whole statement, from opening its cursor to closing it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and close happen in one driver call."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No driver cursor is opened here (SQLAlchemy's adapter opens one: a trip).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    async def _call(self, operation: str, parameters: Any, many: bool) -> None:
        driver: Any = self._connection
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await driver._execute(
                _run, driver._conn, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._call(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._call(operation, seq_of_parameters, True)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing is open on the driver: its cursor was closed on the driver thread."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        """sqlite3 has no further result sets."""
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, handing out :class:`OneTripConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        driver: AsyncIODBAPIConnection = adapted._connection
        return OneTripConnection(self, driver)


def one_trip_dbapi() -> OneTripDBAPI:
    """The DBAPI module for ``create_async_engine(..., module=...)`` on ``sqlite+aiosqlite``."""
    return OneTripDBAPI(aiosqlite, sqlite3)
