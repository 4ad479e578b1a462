"""Shared fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncated after
each test), a frozen clock, cheap argon2, and an HTTP client against ``create_app``.

Set ``PORTAL_TEST_DATABASE_URL=postgresql+asyncpg://...`` to run the suite on PostgreSQL: a fresh
database is created next to the one named and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.config import Secret, Settings
from portal.migrate import upgrade_database_async
from portal.models import Base
from portal.services.customer_numbers import CUSTOMER_NUMBER_SEQUENCE, FIRST_CUSTOMER_NUMBER

POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


def _in_thread(coro: Any) -> Any:
    """Run a coroutine to completion on its own loop (fixtures that run outside the test loop)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


async def _admin_execute(server_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class TestDatabase:
    dialect: str
    template: Path | None = None
    url: str = ""


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    if POSTGRES_URL:
        name = f"portal_test_{uuid.uuid4().hex[:10]}"
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        _in_thread(_admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
        try:
            _in_thread(upgrade_database_async(url))
            yield TestDatabase("postgresql", url=url)
        finally:
            _in_thread(
                _admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
    else:
        template = tmp_path_factory.mktemp("template") / "portal.db"
        _in_thread(upgrade_database_async(f"sqlite+aiosqlite:///{template}"))
        yield TestDatabase("sqlite", template=template)


@pytest.fixture
def database_url(test_database: TestDatabase, tmp_path: Path) -> str:
    if test_database.dialect == "sqlite":
        assert test_database.template is not None
        path = tmp_path / "portal.db"
        shutil.copy(test_database.template, path)
        return f"sqlite+aiosqlite:///{path}"
    return test_database.url


@pytest.fixture
def is_postgres(test_database: TestDatabase) -> bool:
    return test_database.dialect == "postgresql"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(database_url: str, clock: FrozenClock, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_keys=(Secret(TEST_SECRET),),
        public_url="https://portal.example.test",
        # The cheapest argon2id the library accepts: tests are about behaviour, not cost.
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        password_hash_threads=2,
        mail_backend="memory",
        mail_worker=False,
        clock=clock,
    )


async def _truncate_all(runtime: Runtime) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with runtime.database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await connection.execute(
            text(f"ALTER SEQUENCE {CUSTOMER_NUMBER_SEQUENCE} RESTART WITH {FIRST_CUSTOMER_NUMBER}")
        )


@pytest.fixture
async def runtime(settings: Settings, test_database: TestDatabase) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(settings)
    try:
        yield runtime
    finally:
        if test_database.dialect == "postgresql":
            await _truncate_all(runtime)
        await runtime.close()


@pytest.fixture
def app(runtime: Runtime) -> Any:
    return create_app(runtime=runtime)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class GraphQLClient:
    """Posts documents to one endpoint the way a frontend would."""

    def __init__(self, http: httpx.AsyncClient, path: str) -> None:
        self.http = http
        self.path = path
        self.token: str | None = None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        all_headers = {"content-type": "application/json", **headers}
        if self.token and "authorization" not in all_headers:
            all_headers["authorization"] = f"Bearer {self.token}"
        return await self.http.post(
            self.path, json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The response body; fails the test on a non-200 answer."""
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a response that must have no top-level errors."""
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result


@pytest.fixture
def portal_api(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, "/graphql")


@pytest.fixture
def admin_api(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, "/admin/graphql")
