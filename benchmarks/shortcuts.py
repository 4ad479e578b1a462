"""What each shortcut through a library's internals buys: the product with it against the
product without it, in the same run.

- ``executor`` (``schema/common/execution.py``, graphql-core and Strawberry internals): the staff
  contacts page (``contacts(first: 100)``, 10 fields, by customer number) with the fast-path
  executor and with Strawberry's stock executor, switched on the schema between requests.
- ``sqlite_driver`` (``portal/sqlite_driver.py``, SQLAlchemy and aiosqlite internals, SQLite
  only): the same contacts page and the customer ``{ viewer { email } }`` on two apps over one
  database file, one with the one-trip cursor, one with SQLAlchemy's own aiosqlite adapter.

A shortcut stays only while its figure here justifies it: the ratio is without / with (above 1:
the shortcut saves that much), and each module's docstring states the latest figure.

    python -m benchmarks.shortcuts [sqlite] [postgresql]
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any
from unittest import mock

import aiosqlite
from sqlalchemy import text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from benchmarks.apps import (
    STAFF_EMAIL,
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    Product,
    bench_settings,
    product_app,
)
from benchmarks.harness import Timings, command_line, interleaved, report, scratch_database
from benchmarks.seed import seed_contacts
from portal.db import READ_ONLY, Database
from portal.sqlite_driver import OneTripDBAPI
from schema.admin.schema import admin_schema
from schema.common.execution import FastPathExecutor

CONTACTS = 5_000
PAGE = (
    "query Page($first: Int!) { contacts(first: $first, orderBy: {field: CUSTOMER_NUMBER}) {"
    " edges { node { id customerNumber firstName lastName companyName email postalCode city"
    " country createdAt } } } }"
)
VIEWER = "{ viewer { email } }"
EMAIL = "kunde@example.de"
PASSWORD = "Sonnenblume-2026"


def _without_over_with(title: str, with_shortcut: Timings, without_shortcut: Timings) -> None:
    """The usual line, then without / with: of the p50s, and the median of each round's pair
    (both ran back to back, so a machine that gets busier or quieter moves both alike)."""
    ratio = report(title, with_shortcut, without_shortcut)
    pairs = zip(without_shortcut.seconds, with_shortcut.seconds, strict=True)
    paired = statistics.median(without / with_ for without, with_ in pairs)
    print(f"  without / with: {1 / ratio:.2f}x of the p50s, {paired:.2f}x paired")


async def measure_executor(dialect: str, product: Product, token: str) -> None:
    variables = {"first": 100}

    async def fast(_i: int) -> object:
        admin_schema.execution_context_class = FastPathExecutor
        return await product.graphql("/admin/graphql", PAGE, token, variables)

    async def stock(_i: int) -> object:
        admin_schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
        return await product.graphql("/admin/graphql", PAGE, token, variables)

    try:
        assert await fast(0) == await stock(0), "the executors answer differently"
        with_t, without_t = await interleaved(fast, stock, rounds=150, warmup=10)
    finally:
        admin_schema.execution_context_class = FastPathExecutor
    _without_over_with(f"executor {dialect} contacts page", with_t, without_t)


def _without_tokens(answer: Any) -> Any:
    """An answer with each new login's token blanked (they differ from login to login)."""
    if isinstance(answer, dict):
        return {k: "..." if k == "token" else _without_tokens(v) for k, v in answer.items()}
    return answer


async def _trips(request: Callable[[int], Awaitable[object]]) -> int:
    """How often one request hands work to aiosqlite's thread."""
    trips = 0
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await execute(self, *args, **kwargs)

    with mock.patch.object(aiosqlite.Connection, "_execute", counted):
        await request(0)
    return trips


async def measure_sqlite_statement(product: Product, stock: Product) -> None:
    """One statement on a held connection: the driver's own cost, without HTTP or GraphQL."""
    statement = text("SELECT id, first_name, last_name FROM contacts WHERE customer_number = :n")
    read_only = {READ_ONLY: True}  # BEGIN without the write lock: both hold a transaction
    async with (
        product.runtime.database.engine.execution_options(**read_only).connect() as one,
        stock.runtime.database.engine.execution_options(**read_only).connect() as four,
    ):

        async def one_trip(i: int) -> object:
            return (await one.execute(statement, {"n": 1000 + i % 1000})).all()

        async def four_trips(i: int) -> object:
            return (await four.execute(statement, {"n": 1000 + i % 1000})).all()

        assert await one_trip(0) == await four_trips(0)
        with_t, without_t = await interleaved(one_trip, four_trips, rounds=2000, warmup=50)
    _without_over_with("sqlite_driver one statement", with_t, without_t)


async def measure_sqlite_driver(product: Product, stock: Product, tokens: dict[str, str]) -> None:
    await measure_sqlite_statement(product, stock)
    documents = {
        "contacts page": ("/admin/graphql", PAGE, tokens["staff"], {"first": 100}),
        "viewer": ("/graphql", VIEWER, tokens["customer"], None),
        # A write: 11 statements (throttle counters, session, audit) in BEGIN IMMEDIATE.
        "staff login": (
            "/admin/graphql",
            STAFF_LOG_IN,
            None,
            {"e": STAFF_EMAIL, "p": STAFF_PASSWORD},
        ),
    }
    for title, request in documents.items():

        async def one_trip(_i: int, request: Any = request) -> object:
            return await product.graphql(*request)

        async def four_trips(_i: int, request: Any = request) -> object:
            return await stock.graphql(*request)

        answers = [_without_tokens(await one_trip(0)), _without_tokens(await four_trips(0))]
        assert answers[0] == answers[1], "the drivers answer differently"
        print(
            f"  {title}: trips to aiosqlite's thread per request "
            f"{await _trips(one_trip)} with, {await _trips(four_trips)} without"
        )
        with_t, without_t = await interleaved(one_trip, four_trips, rounds=600, warmup=20)
        _without_over_with(f"sqlite_driver {title}", with_t, without_t)


async def measure(dialect: str, url: str) -> None:
    async with product_app(bench_settings(url)) as product:
        tokens = {"staff": await product.log_in_staff()}
        await product.make_customer(EMAIL, PASSWORD)
        tokens["customer"] = await product.log_in_customer(EMAIL, PASSWORD)
        await measure_executor(dialect, product, tokens["staff"])
        if dialect != "sqlite":
            return
        # The same app on SQLAlchemy's own aiosqlite adapter: four trips to aiosqlite's thread
        # per statement (cursor, execute, fetch, close).
        async with AsyncExitStack() as stack:
            with mock.patch("portal.db.one_trip_dbapi", SQLiteDialect_aiosqlite.import_dbapi):
                stock = await stack.enter_async_context(product_app(bench_settings(url)))
            assert not isinstance(stock.runtime.database.engine.dialect.dbapi, OneTripDBAPI)
            await measure_sqlite_driver(product, stock, tokens)


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            database = Database.from_url(url)
            try:
                await seed_contacts(database.engine, 1, CONTACTS + 1)
            finally:
                await database.dispose()
            await measure(dialect, url)


if __name__ == "__main__":
    command_line(main)
