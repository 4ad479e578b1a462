"""Races on PostgreSQL: single-use links redeemed at once, parallel failed logins, parallel
registrations. Each request goes through HTTP with its own database session and connection,
so the transactions really overlap on the server; SQLite serialises writers and shows nothing.

Every race sends ``RACERS`` identical requests at once; exactly one may win, and the database
must agree with the answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, select

from identity.throttling import subject_key
from portal.app.runtime import Runtime
from portal.config import Settings
from portal.email.sealing import LinkSealer
from portal.models import (
    Impersonation,
    OutboxMessage,
    PortalSession,
    PortalUser,
    ThrottleCounter,
)
from portal.normalization import normalize_email
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, log_in_staff, make_customer

pytestmark = pytest.mark.postgres_only

RACERS = 10
NEW_PASSWORD = "Gleichzeitig-2026"
REQUEST_RESET = "mutation R($e: String!) { requestPasswordReset(email: $e) { accepted } }"
RESET = """mutation R($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { ok errors { code } } }"""
INVITE = """mutation I($c: ID!) {
  inviteContact(contactId: $c, sendEmail: false) { setupUrl errors { code } } }"""
ACCEPT = """mutation A($t: String!, $p: String!) {
  acceptInvitation(token: $t, password: $p) { token errors { code } } }"""
START_IMPERSONATION = """mutation S($u: ID!) {
  startImpersonation(portalUserId: $u, reason: "Customer asked for help on the phone",
                     mode: READ_ONLY) { token errors { code } } }"""
REDEEM = """mutation R($t: String!) {
  startImpersonatedSession(token: $t) { token errors { code } } }"""
REGISTER = """mutation R($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code } } }"""


@pytest.fixture(autouse=True)
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Per-IP limits and lockout out of the way, and a password hashing thread per racer (two
    threads would pace the racers two by two): every racer reaches the code under test at once."""
    return settings.with_changes(
        password_hash_threads=20,
        lockout_threshold=10_000,
        throttle_limits=("login=1000/60", "register=1000/60", "password_reset=1000/60"),
    )


async def send(app: Any, i: int, document: str, variables: dict[str, Any]) -> httpx.Response:
    """One request from a client address of its own: requests from one address queue on the
    per-IP counter's row lock, which would pace the racers and hide the race under test."""
    transport = httpx.ASGITransport(app=app, client=(f"203.0.113.{i + 1}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.post("/graphql", json={"query": document, "variables": variables})


async def race(
    app: Any, document: str, variables: Callable[[int], dict[str, Any]], racers: int = RACERS
) -> list[dict[str, Any]]:
    """``racers`` requests sent at once; their payloads, each a 200 without top-level errors."""
    responses = await asyncio.gather(*(send(app, i, document, variables(i)) for i in range(racers)))
    payloads = []
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        payloads.append(payload)
    return payloads


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def count(runtime: Runtime, *conditions: Any, model: Any) -> int:
    async with runtime.database.transaction() as session:
        query = select(func.count()).select_from(model).where(*conditions)
        return int(await session.scalar(query) or 0)


async def test_one_password_reset_link_redeemed_at_once_wins_once(
    portal_api: GraphQLClient, runtime: Runtime, app: Any
) -> None:
    await make_customer(runtime)
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    async with runtime.database.transaction() as session:
        (mail,) = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "password_reset")
        )
    link = LinkSealer.from_settings(runtime.settings).open(mail.context["reset_url"])
    token = token_of(link)
    results = await race(app, RESET, lambda i: {"t": token, "p": f"{NEW_PASSWORD}-{i}"})
    winners = [i for i, r in enumerate(results) if r["ok"]]
    assert len(winners) == 1, results
    losers = [r["errors"][0]["code"] for r in results if not r["ok"]]
    assert set(losers) <= {"TOKEN_USED", "INVALID_TOKEN"}, losers
    # The winner's password is the one that works; one confirmation was sent.
    (winner,) = winners
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": f"{NEW_PASSWORD}-{winner}"}
    )
    assert login["logIn"]["token"]
    changed = OutboxMessage.template == "password_changed"
    assert await count(runtime, changed, model=OutboxMessage) == 1


async def test_one_invitation_accepted_at_once_wins_once(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, app: Any
) -> None:
    _, contact = await make_customer(runtime, linked=True, activated=False)
    async with runtime.database.transaction() as session:
        # An invited customer has no password yet.
        user = await session.scalar(select(PortalUser))
        assert user is not None
        user.password_hash, user.activated_at = None, None
    assert contact is not None
    await log_in_staff(admin_api, runtime)
    invited = await admin_api.data(INVITE, {"c": to_global_id("Contact", contact.id)})
    token = token_of(invited["inviteContact"]["setupUrl"])
    results = await race(app, ACCEPT, lambda i: {"t": token, "p": f"{NEW_PASSWORD}-{i}"})
    winners = [r for r in results if r["token"]]
    assert len(winners) == 1, results
    assert {r["errors"][0]["code"] for r in results if not r["token"]} == {"TOKEN_USED"}
    # One session opened, and it is the winner's.
    assert await count(runtime, model=PortalSession) == 1
    portal_api.token = winners[0]["token"]
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]["email"] == "kunde@example.de"


async def test_one_impersonation_token_redeemed_at_once_wins_once(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, app: Any
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    started = await admin_api.data(START_IMPERSONATION, {"u": to_global_id("PortalUser", user.id)})
    token = started["startImpersonation"]["token"]
    results = await race(app, REDEEM, lambda _: {"t": token})
    assert len([r for r in results if r["token"]]) == 1, results
    assert {r["errors"][0]["code"] for r in results if not r["token"]} == {"TOKEN_USED"}
    opened = PortalSession.impersonation_id.isnot(None)
    assert await count(runtime, opened, model=PortalSession) == 1
    assert await count(runtime, Impersonation.started_at.isnot(None), model=Impersonation) == 1


async def test_twenty_parallel_wrong_logins_are_all_counted(app: Any, runtime: Runtime) -> None:
    await make_customer(runtime)
    results = await race(
        app,
        CUSTOMER_LOG_IN,
        lambda i: {"email": "kunde@example.de", "password": f"falsch-{i}"},
        racers=20,
    )
    assert {r["errors"][0]["code"] for r in results} == {"INVALID_CREDENTIALS"}
    key = subject_key("account:customer", normalize_email("kunde@example.de"))
    async with runtime.database.transaction() as session:
        counter = await session.get(ThrottleCounter, key)
    assert counter is not None and counter.count == 20


async def test_parallel_registrations_of_one_address_make_one_portal_user(
    portal_api: GraphQLClient, runtime: Runtime, app: Any
) -> None:
    # Spelled differently, normalised alike: one account, whichever request came first.
    spellings = ["doppelt@example.de", "Doppelt@Example.DE", " doppelt@example.de "]

    def registration(i: int) -> dict[str, Any]:
        return {
            "input": {
                "email": spellings[i % len(spellings)],
                "password": "Kirschbaum-im-Mai",
                "firstName": "Dora",
                "lastName": "Doppelt",
                "existingCustomer": False,
                "acceptTerms": True,
                "language": "de",
            }
        }

    results = await race(app, REGISTER, registration)
    assert results == [{"accepted": True, "errors": []}] * RACERS
    assert await count(runtime, model=PortalUser) == 1
    activation = OutboxMessage.template == "account_activation"
    assert await count(runtime, activation, model=OutboxMessage) == 1
