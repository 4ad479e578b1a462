"""Password hashing cannot be turned against the database (issue 16, item 2).

An anonymous request that leads to an argon2 hash (registration, login, password reset,
invitation acceptance) holds no database connection and no row lock while it waits for or runs
the hash; a client over its limit is refused before anything is hashed; the queue of requests
waiting to hash is bounded and the excess is refused at once with a typed TOO_MANY_REQUESTS;
a database pool that has no connection to give answers SERVICE_UNAVAILABLE, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.app.runtime import Runtime
from portal.config import Settings
from portal.email.sealing import LinkSealer
from portal.models import OutboxMessage, PortalUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, STAFF_LOG_IN, log_in_staff, make_customer, make_staff

REGISTER = """mutation R($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code } } }"""
REQUEST_RESET = "mutation R($e: String!) { requestPasswordReset(email: $e) { accepted } }"
RESET = """mutation R($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { ok errors { code } } }"""
INVITE = """mutation I($c: ID!) {
  inviteContact(contactId: $c, sendEmail: false) { setupUrl errors { code } } }"""
ACCEPT = """mutation A($t: String!, $p: String!) {
  acceptInvitation(token: $t, password: $p) { token errors { code } } }"""
STAFF_QUERY = "{ contacts(first: 10) { totalCount edges { node { id } } } }"
NEW_PASSWORD = "Gleichzeitig-2026"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A request waits at most a second for a pooled connection (10 by default): a starved
    pool shows as a refusal within the test, not as a slow test."""
    return settings.with_changes(database_pool_timeout=1.0)


def registration(i: int) -> dict[str, Any]:
    return {
        "input": {
            "email": f"neu{i}@example.de",
            "password": "Kirschbaum-im-Mai",
            "firstName": "Nina",
            "lastName": "Neu",
            "existingCustomer": False,
            "acceptTerms": True,
            "language": "de",
        }
    }


class HashProbe:
    """Wraps the application's password hasher: counts hashes and verifications and notes how
    many pooled connections are checked out when each starts; ``gate`` (when set) holds every
    hash until it is opened."""

    def __init__(self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connections: list[int] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()
        hasher = runtime.identity.password_hasher
        pool = runtime.database.engine.pool
        original_hash, original_verify = hasher.hash, hasher.verify

        async def hash(password: str) -> str:
            self.connections.append(pool.checkedout())  # type: ignore[attr-defined]
            self.started.set()
            if self.gate is not None:
                await self.gate.wait()
            return await original_hash(password)

        async def verify(password_hash: str, password: str) -> bool:
            self.connections.append(pool.checkedout())  # type: ignore[attr-defined]
            return await original_verify(password_hash, password)

        monkeypatch.setattr(hasher, "hash", hash)
        monkeypatch.setattr(hasher, "verify", verify)


@pytest.fixture
def probe(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> HashProbe:
    return HashProbe(runtime, monkeypatch)


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def _register(portal_api: GraphQLClient, runtime: Runtime) -> None:
    body = await portal_api.data(REGISTER, registration(1))
    assert body["registerCustomer"] == {"accepted": True, "errors": []}


async def _customer_login(portal_api: GraphQLClient, runtime: Runtime) -> None:
    await make_customer(runtime)
    body = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": "Sonnenblume-2026"}
    )
    assert body["logIn"]["token"]


async def _staff_login(portal_api: GraphQLClient, runtime: Runtime) -> None:
    account = await make_staff(runtime)
    admin_api = GraphQLClient(portal_api.http, "/admin/graphql")
    body = await admin_api.data(
        STAFF_LOG_IN, {"email": account.email, "password": account.password}
    )
    assert body["staffLogIn"]["token"]


async def _password_reset(portal_api: GraphQLClient, runtime: Runtime) -> None:
    await make_customer(runtime)
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    async with runtime.database.transaction() as session:
        mail = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "password_reset")
        )
    assert mail is not None
    link = LinkSealer.from_settings(runtime.settings).open(mail.context["reset_url"])
    body = await portal_api.data(RESET, {"t": token_of(link), "p": NEW_PASSWORD})
    assert body["resetPassword"] == {"ok": True, "errors": []}


async def _invitation(portal_api: GraphQLClient, runtime: Runtime) -> None:
    _, contact = await make_customer(runtime, linked=True, activated=False)
    async with runtime.database.transaction() as session:
        user = await session.scalar(select(PortalUser))
        assert user is not None
        user.password_hash, user.activated_at = None, None
    assert contact is not None
    admin_api = GraphQLClient(portal_api.http, "/admin/graphql")
    await log_in_staff(admin_api, runtime)
    invited = await admin_api.data(INVITE, {"c": to_global_id("Contact", contact.id)})
    token = token_of(invited["inviteContact"]["setupUrl"])
    body = await portal_api.data(ACCEPT, {"t": token, "p": NEW_PASSWORD})
    assert body["acceptInvitation"]["token"], body


ENTRY_POINTS: dict[str, Callable[[GraphQLClient, Runtime], Awaitable[None]]] = {
    "registerCustomer": _register,
    "logIn": _customer_login,
    "staffLogIn": _staff_login,
    "resetPassword": _password_reset,
    "acceptInvitation": _invitation,
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_an_anonymous_request_hashes_holding_no_database_connection(
    entry_point: str, portal_api: GraphQLClient, runtime: Runtime, probe: HashProbe
) -> None:
    # Setting up (factories, a staff login for the invitation) hashes too: only the request
    # under test counts.
    await ENTRY_POINTS[entry_point](portal_api, runtime)
    last = probe.connections[-1]
    assert last == 0, f"{entry_point} held {last} connection(s) while hashing: {probe.connections}"


async def test_a_registration_over_the_clients_limit_is_refused_before_it_hashes(
    portal_api: GraphQLClient, runtime: Runtime, probe: HashProbe
) -> None:
    # register=10/3600 per client IP by default: the 11th and 12th are not hashed.
    for i in range(12):
        body = await portal_api.data(REGISTER, registration(i))
        assert body["registerCustomer"] == {"accepted": True, "errors": []}
    assert len(probe.connections) == 10
    async with runtime.database.transaction() as session:
        assert len((await session.scalars(select(PortalUser))).all()) == 10


async def test_a_login_over_the_clients_limit_is_refused_before_it_hashes(
    runtime: Runtime, probe: HashProbe, portal_api: GraphQLClient
) -> None:
    await make_customer(runtime)
    before = len(probe.connections)
    for _ in range(32):  # login=30/300 per client IP by default
        body = await portal_api.data(
            CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": "Sonnenblume-2026"}
        )
    assert body["logIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert len(probe.connections) - before == 30


class ObservedTurns:
    """The hasher's turns (an asyncio.Semaphore), telling when a second request, admitted,
    asks for one: the moment both places of a queue of two are taken."""

    def __init__(self, turns: asyncio.Semaphore) -> None:
        self.turns = turns
        self.arrived = 0
        self.arrived_twice = asyncio.Event()

    async def __aenter__(self) -> None:
        self.arrived += 1
        if self.arrived == 2:
            self.arrived_twice.set()
        await self.turns.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.turns.release()


async def test_a_full_hashing_queue_refuses_at_once_with_too_many_requests(
    app: Any, runtime: Runtime, probe: HashProbe
) -> None:
    runtime.identity.password_hasher.max_queued = 2  # PORTAL_PASSWORD_HASH_QUEUE
    probe.gate = asyncio.Event()

    async def register(i: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i}", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(
                "/graphql", json={"query": REGISTER, "variables": registration(i)}
            )

    # Two registrations fill the queue: one hashes (held at the gate), one waits for a turn or
    # for the hashing thread.
    hasher = runtime.identity.password_hasher
    turns = ObservedTurns(hasher._turns)
    hasher._turns = turns  # type: ignore[assignment]
    first = asyncio.create_task(register(1))
    second = asyncio.create_task(register(2))
    await probe.started.wait()
    await asyncio.wait_for(turns.arrived_twice.wait(), timeout=30)
    assert hasher.queued == 2
    refused = await register(3)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "TOO_MANY_REQUESTS", "retryAfter": 1}
    assert error["path"] == ["registerCustomer"]
    probe.gate.set()
    for done in await asyncio.gather(first, second):
        assert done.status_code == 200
        assert done.json()["data"]["registerCustomer"]["accepted"] is True
    # The refused one left nothing behind and was not hashed.
    assert len(probe.connections) == 2
    async with runtime.database.transaction() as session:
        emails = set(await session.scalars(select(PortalUser.email)))
    assert emails == {"neu1@example.de", "neu2@example.de"}


async def test_a_request_that_gets_no_pooled_connection_is_service_unavailable(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    engine = runtime.database.engine
    held: list[AsyncConnection] = []
    try:
        while True:  # every connection the pool can give, held by someone else
            try:
                held.append(await engine.connect())
            except PoolTimeout:
                break
        response = await portal_api.post(
            CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": "Sonnenblume-2026"}
        )
    finally:
        for connection in held:
            await connection.close()
    assert response.status_code == 503, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 2}
    assert error["path"] == ["logIn"]
    assert response.headers["retry-after"] == "2"


@pytest.mark.postgres_only
async def test_a_burst_of_200_registrations_from_one_client_never_starves_staff(
    app: Any, runtime: Runtime, admin_api: GraphQLClient, probe: HashProbe, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("a real connection pool and row locks need PostgreSQL")
    await log_in_staff(admin_api, runtime)
    hashed_before = len(probe.connections)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))

    async def register(http: httpx.AsyncClient, i: int) -> httpx.Response:
        return await http.post("/graphql", json={"query": REGISTER, "variables": registration(i)})

    async def staff_queries(stop: asyncio.Event) -> list[httpx.Response]:
        answers = []
        while not stop.is_set() or len(answers) < 5:
            answers.append(await admin_api.post(STAFF_QUERY))
        return answers

    stop = asyncio.Event()
    staff = asyncio.create_task(staff_queries(stop))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        burst = await asyncio.gather(*(register(http, i) for i in range(200)))
    stop.set()
    staff_answers = await staff
    codes = []
    for response in burst:
        assert response.status_code in (200, 429), response.text
        body = response.json()
        if response.status_code == 200:
            assert body["data"]["registerCustomer"]["accepted"] is True, body
        else:
            codes.append(body["errors"][0]["extensions"]["code"])
    assert set(codes) <= {"TOO_MANY_REQUESTS"}
    for answer in staff_answers:
        assert answer.status_code == 200, answer.text
        assert "errors" not in answer.json(), answer.json()
    # The client's registration limit (10 an hour) held, and nothing over it was hashed.
    assert len(probe.connections) - hashed_before <= 10
    async with runtime.database.transaction() as session:
        assert len((await session.scalars(select(PortalUser))).all()) == 10
