"""Throttling shared across workers: account lockout with backoff, the hourly cap, per-client
limits; the throttled answer is the generic one. Time moves by the injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from identity.throttling import (
    RedisThrottleStore,
    Throttle,
    ThrottlePolicy,
    subject_key,
)
from portal.clock import FrozenClock
from portal.models import OutboxMessage, PortalUser, ThrottleCounter
from portal.normalization import normalize_email
from portal.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_LOG_IN,
    CUSTOMER_PASSWORD,
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    make_customer,
    make_staff,
)

EMAIL = "kunde@example.de"
GENERIC = [{"code": "INVALID_CREDENTIALS", "field": None, "message": "Email or password is wrong."}]


async def log_in(api: GraphQLClient, password: str, email: str = EMAIL) -> dict[str, Any]:
    data = await api.data(CUSTOMER_LOG_IN, {"email": email, "password": password})
    result: dict[str, Any] = data["logIn"]
    return result


def configure(runtime: Runtime, **changes: Any) -> None:
    runtime.settings = runtime.settings.with_changes(**changes)


async def failures_of(runtime: Runtime, email: str, scope: str = "customer") -> int:
    key = subject_key(f"account:{scope}", normalize_email(email))
    async with runtime.database.transaction() as session:
        row = await session.get(ThrottleCounter, key)
        return row.count if row is not None else 0


async def test_lockout_after_n_failures_released_by_the_clock(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    for _ in range(5):
        assert (await log_in(portal_api, "falsch-falsch"))["errors"] == GENERIC
    # Locked: even the right password gets the generic answer, and nothing is counted.
    locked = await log_in(portal_api, CUSTOMER_PASSWORD)
    assert (locked["token"], locked["errors"]) == (None, GENERIC)
    clock.advance(timedelta(seconds=59))
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC
    clock.advance(timedelta(seconds=2))
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["token"]
    assert await failures_of(runtime, EMAIL) == 0  # a success resets the count


async def test_backoff_doubles_up_to_fifteen_minutes_and_locked_attempts_do_not_extend(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    expected_locks = [1, 2, 4, 8, 15, 15]
    for _ in range(4):
        await log_in(portal_api, "falsch-falsch")
    for minutes in expected_locks:
        await log_in(portal_api, "falsch-falsch")  # the failure that locks
        # Attempts during the lock change nothing.
        for _ in range(3):
            await log_in(portal_api, "falsch-falsch")
        clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
        assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC
        clock.advance(timedelta(seconds=1))
    assert await failures_of(runtime, EMAIL) == 4 + len(expected_locks)
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["token"]


async def test_case_and_whitespace_variants_share_one_counter(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    for variant in [
        "kunde@example.de",
        "KUNDE@example.de",
        " Kunde@Example.DE ",
        "kunde@EXAMPLE.de",
    ]:
        await log_in(portal_api, "falsch-falsch", variant)
    assert await failures_of(runtime, EMAIL) == 4
    await log_in(portal_api, "falsch-falsch", "kUnDe@example.de")
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC


async def test_unknown_emails_are_throttled_like_known_ones(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    for _ in range(6):
        assert (await log_in(portal_api, "x", "niemand@example.de"))["errors"] == GENERIC
    assert await failures_of(runtime, "niemand@example.de") == 5  # the sixth was refused


async def test_an_account_takes_at_most_100_failures_an_hour_from_any_number_of_ips(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    configure(runtime, lockout_threshold=10_000, throttle_limits=("login=100000/60",))
    for _ in range(100):
        await log_in(portal_api, "falsch-falsch")
        clock.advance(timedelta(seconds=10))  # spread over the hour
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC
    clock.advance(timedelta(minutes=60) - timedelta(seconds=10 * 100) + timedelta(seconds=1))
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["token"]


async def test_fifty_aliased_logins_count_as_fifty(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    aliases = " ".join(
        f'a{i}: logIn(email: "{EMAIL}", password: "falsch-{i}") {{ errors {{ code }} }}'
        for i in range(50)
    )
    # By default the alias limit refuses the document outright: nothing runs.
    refused = (await portal_api.post(f"mutation {{ {aliases} }}")).json()
    assert refused["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert await failures_of(runtime, EMAIL) == 0
    # With the limits raised, every alias is one attempt: the counter reaches the lockout
    # after 5 and the other 45 are refused without being counted (or extending the lock).
    configure(
        runtime,
        graphql_max_aliases=60,
        graphql_max_root_fields=60,
        throttle_limits=("login=100000/60",),
    )
    answered = (await portal_api.post(f"mutation {{ {aliases} }}")).json()["data"]
    assert len(answered) == 50
    assert await failures_of(runtime, EMAIL) == 5
    configure(runtime, lockout_threshold=10_000)
    clock.advance(timedelta(minutes=2))  # past the lock
    clock_free = (await portal_api.post(f"mutation {{ {aliases} }}")).json()["data"]
    assert len(clock_free) == 50
    assert await failures_of(runtime, EMAIL) == 55
    # A batch (a JSON array of operations) is refused as a whole: batching is off.
    batch = [
        {"query": CUSTOMER_LOG_IN, "variables": {"email": EMAIL, "password": f"falsch-{i}"}}
        for i in range(50)
    ]
    answer = await portal_api.http.post("/graphql", json=batch)
    assert answer.status_code == 400
    assert await failures_of(runtime, EMAIL) == 55


async def test_client_limit_on_logins_answers_generically(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    configure(runtime, throttle_limits=("login=3/60",))
    for i in range(3):
        await log_in(portal_api, "falsch-falsch", f"other{i}@example.de")
    # The client is over its limit: the right password of another account is refused too.
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC


async def test_registration_reset_and_resend_limits_answer_the_same_and_send_nothing(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    configure(runtime, throttle_limits=("register=2/3600",))
    register = """
    mutation R($email: String!) { registerCustomer(input: {email: $email, password: "Sonnenblume-2026",
      firstName: "A", lastName: "B", language: "de", acceptTerms: true, existingCustomer: false}) {
      accepted errors { code } } }"""
    for i in range(3):
        data = await portal_api.data(register, {"email": f"neu{i}@example.de"})
        assert data["registerCustomer"] == {"accepted": True, "errors": []}
    async with runtime.database.transaction() as session:
        created = await session.scalar(select(func.count()).select_from(PortalUser))
    assert created == 1 + 2  # the customer and two registrations; the third did nothing

    reset = "mutation P($e: String!) { requestPasswordReset(email: $e) { accepted } }"
    for _ in range(5):
        assert (await portal_api.data(reset, {"e": EMAIL}))["requestPasswordReset"]["accepted"]
    async with runtime.database.transaction() as session:
        resets = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "password_reset")
        )
    assert resets == 3  # per address: 3 an hour


async def test_staff_logins_lock_out_too(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await make_staff(runtime)
    for _ in range(5):
        data = await admin_api.data(
            STAFF_LOG_IN, {"email": "admin@example.com", "password": "falsch-falsch"}
        )
        assert data["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    locked = await admin_api.data(
        STAFF_LOG_IN, {"email": "admin@example.com", "password": STAFF_PASSWORD}
    )
    assert locked["staffLogIn"]["token"] is None
    assert locked["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert await failures_of(runtime, "admin@example.com", "staff") == 5


async def test_concurrent_failures_are_all_counted(runtime: Runtime, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    policy = ThrottlePolicy(lockout_threshold=10_000)

    async def fail() -> None:
        async with runtime.database.transaction() as session:
            throttle = Throttle(runtime.throttle(session).store, policy, runtime.settings.clock)
            await throttle.account_failed("customer", EMAIL)
            await asyncio.sleep(0)  # hold the row lock while others queue

    await asyncio.gather(*(fail() for _ in range(20)))
    assert await failures_of(runtime, EMAIL) == 20


async def test_redis_store_behaves_like_the_database(clock: FrozenClock) -> None:
    redis = pytest.importorskip("redis.asyncio")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        await client.ping()
    except Exception:  # pragma: no cover - Redis is part of the CI machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        await client.flushdb()
        throttle = Throttle(RedisThrottleStore(client), ThrottlePolicy(), clock)
        for _ in range(5):
            assert not await throttle.account_locked("customer", EMAIL)
            await throttle.account_failed("customer", EMAIL)
        assert await throttle.account_locked("customer", " KUNDE@example.de")
        clock.advance(timedelta(minutes=1))
        assert not await throttle.account_locked("customer", EMAIL)
        await throttle.account_succeeded("customer", EMAIL)
        await throttle.account_failed("customer", EMAIL)
        assert not await throttle.account_locked("customer", EMAIL)

        from identity.throttling import ThrottleAction

        results = await asyncio.gather(
            *(throttle.allow(ThrottleAction.REGISTER, "203.0.113.9") for _ in range(15))
        )
        assert results.count(True) == 10  # concurrent hits lose no update
    finally:
        await client.flushdb()
        await client.aclose()
