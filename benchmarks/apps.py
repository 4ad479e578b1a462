"""The two sides of the HTTP benchmarks: the product (``create_app`` behind
``httpx.ASGITransport``, logged in like a frontend) and a raw reference (a tiny Starlette app in
the same process, on the same transport, with one raw driver connection), plus a recorder of the
SQL the product sends."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.app.asgi import create_app, freeze_startup_heap
from portal.app.runtime import Runtime
from portal.config import Secret, Settings

# httpx's ASGI transport asks, on every request, whether trio is running by importing
# sniffio; without sniffio installed, each attempt searches the whole import path (five
# stat calls, about 0.1 ms here), on the product's side and the reference's alike. Recording
# the module as absent makes the import fail at once, so neither side pays for the harness.
sys.modules.setdefault("sniffio", None)  # type: ignore[assignment]

BENCH_SECRET = "benchmark-secret-key-that-is-long-enough-0123456789abcdef"
STAFF_EMAIL = "bench-admin@example.com"
STAFF_PASSWORD = "benchmark staff password 2026"

STAFF_LOG_IN = """mutation L($e: String!, $p: String!) {
  staffLogIn(email: $e, password: $p) { token errors { code } } }"""
CUSTOMER_LOG_IN = """mutation L($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token errors { code } } }"""


def bench_settings(database_url: str, **overrides: Any) -> Settings:
    """Test-like settings (no mail worker, mail in memory) on ``database_url``. argon2 is cheap
    unless a benchmark overrides it: only ``login_load`` is about hashing. Throttling stays on
    (its counter writes are part of a login's cost) with limits no benchmark reaches: all
    requests come from one client address."""
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": Path(tempfile.gettempdir()) / "portal_bench_data",
        "database_url": database_url,
        "secret_keys": (Secret(BENCH_SECRET),),
        "public_url": "https://portal.example.test",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        "mail_backend": "memory",
        "mail_worker": False,
        "throttle_limits": ("login=100000000/1",),
        "lockout_threshold": 100_000_000,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Product:
    runtime: Runtime
    client: httpx.AsyncClient
    app: Any = None  # the ASGI app, for clients of other addresses

    async def graphql(
        self, path: str, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            path, json={"query": query, "variables": variables or {}}, headers=headers
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body

    async def log_in_staff(self) -> str:
        from identity.staff import create_staff_user, get_staff_by_email

        async with self.runtime.database.transaction() as session:
            # A kept database (lists_at_scale's PORTAL_BENCH_SEEDED) has the account from the
            # run before.
            if await get_staff_by_email(session, STAFF_EMAIL) is None:
                await create_staff_user(
                    session,
                    self.runtime.identity.password_hasher,
                    email=STAFF_EMAIL,
                    password=STAFF_PASSWORD,
                    role="admin",
                )
        body = await self.graphql(
            "/admin/graphql", STAFF_LOG_IN, None, {"e": STAFF_EMAIL, "p": STAFF_PASSWORD}
        )
        return str(body["data"]["staffLogIn"]["token"])

    async def make_customer(self, email: str, password: str) -> None:
        """An activated portal user linked to a new contact (as activation would leave it)."""
        from portal.models import PortalUser
        from portal.normalization import normalize_email
        from portal.services.contacts import ContactDraft, create_contact

        async with self.runtime.database.transaction() as session:
            contact = await create_contact(
                session, ContactDraft(first_name="Anna", last_name="Kunde", email=email)
            )
            now = self.runtime.settings.clock()
            session.add(
                PortalUser(
                    email=email,
                    email_normalized=normalize_email(email),
                    password_hash=await self.runtime.identity.password_hasher.hash(password),
                    registration_status="REGISTERED",
                    mapping_status="ASSIGNED",
                    contact_id=contact.id,
                    first_name="Anna",
                    last_name="Kunde",
                    activated_at=now,
                    assigned_at=now,
                )
            )

    async def log_in_customer(self, email: str, password: str) -> str:
        body = await self.graphql("/graphql", CUSTOMER_LOG_IN, None, {"e": email, "p": password})
        token = body["data"]["logIn"]["token"]
        if not token:
            raise RuntimeError(f"customer login failed: {body}")
        return str(token)


@asynccontextmanager
async def product_app(settings: Settings) -> AsyncIterator[Product]:
    """``create_app(settings)`` behind an ASGI transport (no lifespan: closed here)."""
    app = create_app(settings)
    freeze_startup_heap()  # what the server's lifespan does at start-up
    runtime: Runtime = app.state.runtime
    transport = httpx.ASGITransport(app=app)
    try:
        # Benchmarks authenticate with bearer tokens, as an app would; cookies from logins
        # are not kept (a login form posts without a session cookie).
        jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies=jar
        ) as client:
            yield Product(runtime, client, app)
    finally:
        await runtime.close()


@asynccontextmanager
async def reference_app(
    routes: dict[str, Callable[[Request], Awaitable[Response]]],
) -> AsyncIterator[httpx.AsyncClient]:
    """A bare Starlette app with POST ``routes`` on the same kind of transport."""
    app = Starlette(routes=[Route(p, h, methods=["POST"]) for p, h in routes.items()])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference") as client:
        yield client


@dataclass
class Statement:
    sql: str
    parameters: Any


@dataclass
class StatementLog:
    """SQL statements sent on an engine while :meth:`recording` is open."""

    engine: AsyncEngine
    statements: list[Statement] = field(default_factory=list)

    def _record(self, *args: Any) -> None:
        self.statements.append(Statement(args[2], args[3]))

    @asynccontextmanager
    async def recording(self) -> AsyncIterator[list[Statement]]:
        self.statements = []
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._record)
        try:
            yield self.statements
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", self._record)


class RawConnection:
    """One raw driver connection (asyncpg or aiosqlite) that replays driver-level SQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")
        self._connection: Any = None

    async def open(self) -> None:
        if self.postgres:
            import asyncpg

            self._connection = await asyncpg.connect(
                self.url.replace("postgresql+asyncpg", "postgresql")
            )
        else:
            import aiosqlite

            self._connection = await aiosqlite.connect(
                self.url.split("///", 1)[1], isolation_level=None
            )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts by column name (a plain read; no transaction of its own)."""
        if self.postgres:
            return [dict(r) for r in await self._connection.fetch(sql, *parameters)]
        async with self._connection.execute(sql, tuple(parameters)) as cursor:
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """What the product's unit of work does: BEGIN (IMMEDIATE on SQLite) ... COMMIT."""
        if self.postgres:
            async with self._connection.transaction():
                yield
        else:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    @property
    def driver(self) -> Any:
        return self._connection


def replayable(statements: list[Statement]) -> list[Statement]:
    """The captured statements without transaction control (the reference does that itself)."""
    return [s for s in statements if not s.sql.strip().upper().startswith(("BEGIN", "COMMIT"))]


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def as_iso(value: Any) -> str | None:
    """A timestamp as the product's DateTime scalar prints it (ISO 8601, UTC offset)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())
