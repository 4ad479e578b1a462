"""Throttling shared across workers: account lockout with backoff, the hourly cap, per-client
limits; the throttled answer is the generic one. Time moves by the injected clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from identity.throttling import (
    RedisThrottleStore,
    Throttle,
    ThrottleAction,
    ThrottlePolicy,
    subject_key,
)
from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.config import Settings
from portal.models import OutboxMessage, PortalUser, ThrottleCounter
from portal.normalization import normalize_email
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_LOG_IN,
    CUSTOMER_PASSWORD,
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    log_in_customer,
    log_in_staff,
    make_customer,
    make_staff,
    reconfigure,
)

EMAIL = "kunde@example.de"
GENERIC = [{"code": "INVALID_CREDENTIALS", "field": None, "message": "Email or password is wrong."}]
REDIS_URL = "redis://127.0.0.1:6379/15"


@asynccontextmanager
async def api_from(app: Any, ip: str, path: str = "/graphql") -> AsyncIterator[GraphQLClient]:
    """A client of ``app`` whose requests come from ``ip`` (what the per-IP limits see)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http, path)


async def log_in(api: GraphQLClient, password: str, email: str = EMAIL) -> dict[str, Any]:
    data = await api.data(CUSTOMER_LOG_IN, {"email": email, "password": password})
    result: dict[str, Any] = data["logIn"]
    return result


async def failures_of(runtime: Runtime, email: str, scope: str = "customer") -> int:
    key = subject_key(f"account:{scope}", normalize_email(email))
    async with runtime.database.transaction() as session:
        row = await session.get(ThrottleCounter, key)
        return row.count if row is not None else 0


async def sent(runtime: Runtime, template: str) -> list[str]:
    """The addresses ``template`` went to, oldest first."""
    async with runtime.database.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage.to_address)
                .where(OutboxMessage.template == template)
                .order_by(OutboxMessage.created_at, OutboxMessage.to_address)
            )
        )


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
    app: Any, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    # Consecutive-failure lockout off, so what stops the attempts is the hourly cap alone. Each
    # failure comes from its own IP: no per-IP limit helps.
    reconfigure(runtime, lockout_threshold=10_000)
    first_failure = clock()
    for i in range(99):
        async with api_from(app, f"198.51.{i // 250}.{i % 250 + 1}") as api:
            assert (await log_in(api, f"falsch-{i}"))["errors"] == GENERIC
        clock.advance(timedelta(seconds=10))
    # Every one of the 99 was evaluated and counted (a refused attempt is not counted).
    assert await failures_of(runtime, EMAIL) == 99
    async with api_from(app, "203.0.113.100") as api:
        assert (await log_in(api, "falsch-100"))["errors"] == GENERIC
    assert await failures_of(runtime, EMAIL) == 100
    # The 100th failure locks until the hour that began with the first one is over, whoever asks.
    clock.set(first_failure + timedelta(hours=1) - timedelta(seconds=1))
    async with api_from(app, "203.0.113.101") as api:
        assert (await log_in(api, CUSTOMER_PASSWORD))["errors"] == GENERIC
    assert await failures_of(runtime, EMAIL) == 100  # refused, not counted
    clock.set(first_failure + timedelta(hours=1))
    async with api_from(app, "203.0.113.102") as api:
        assert (await log_in(api, CUSTOMER_PASSWORD))["token"]


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
    reconfigure(
        runtime,
        graphql_max_aliases=60,
        graphql_max_root_fields=60,
        throttle_limits=("login=100000/60",),
    )
    answered = (await portal_api.post(f"mutation {{ {aliases} }}")).json()["data"]
    assert len(answered) == 50
    assert await failures_of(runtime, EMAIL) == 5
    reconfigure(runtime, lockout_threshold=10_000)
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
    reconfigure(runtime, throttle_limits=("login=3/60",))
    for i in range(3):
        await log_in(portal_api, "falsch-falsch", f"other{i}@example.de")
    # The client is over its limit: the right password of another account is refused too.
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC


REGISTER = """
mutation R($email: String!) { registerCustomer(input: {email: $email, password: "Sonnenblume-2026",
  firstName: "A", lastName: "B", language: "de", acceptTerms: true, existingCustomer: false}) {
  accepted errors { code } } }"""
REQUEST_RESET = (
    "mutation P($e: String!) { requestPasswordReset(email: $e) { accepted errors { code } } }"
)
RESEND = "mutation A($e: String!) { resendActivation(email: $e) { accepted errors { code } } }"
REQUEST_INVITATION = (
    "mutation I($e: String!) { requestNewInvitation(email: $e) { accepted errors { code } } }"
)


async def test_registration_reset_and_resend_limits_answer_the_same_and_send_nothing(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await make_customer(runtime, "neu@example.de", activated=False)
    reconfigure(runtime, throttle_limits=("register=2/3600",))
    for i in range(3):
        data = await portal_api.data(REGISTER, {"email": f"neu{i}@example.de"})
        assert data["registerCustomer"] == {"accepted": True, "errors": []}
    async with runtime.database.transaction() as session:
        created = await session.scalar(select(func.count()).select_from(PortalUser))
    assert created == 2 + 2  # the two accounts and two registrations; the third did nothing

    # Per address: 5 emails an hour, whatever the client (tests/security/test_mail_limits.py:
    # whatever sends them).
    resets = [(await portal_api.post(REQUEST_RESET, {"e": EMAIL})).content for _ in range(7)]
    assert len(set(resets)) == 1
    assert await sent(runtime, "password_reset") == [EMAIL] * 5
    resends = [(await portal_api.post(RESEND, {"e": "neu@example.de"})).content for _ in range(7)]
    assert len(set(resends)) == 1
    activations = await sent(runtime, "account_activation")
    assert activations.count("neu@example.de") == 5


@pytest.mark.parametrize(
    ("action", "document", "activated", "template"),
    [
        ("password_reset", REQUEST_RESET, True, "password_reset"),
        ("activation_resend", RESEND, False, "account_activation"),
    ],
)
async def test_client_limits_on_reset_and_activation_requests(
    app: Any, runtime: Runtime, action: str, document: str, activated: bool, template: str
) -> None:
    emails = [f"kunde{i}@example.de" for i in range(3)]
    for email in emails:
        await make_customer(runtime, email, activated=activated)
    reconfigure(runtime, throttle_limits=(f"{action}=2/3600",))
    # Three different addresses, so only the client's limit can stop the third.
    async with api_from(app, "198.51.100.7") as api:
        answers = [(await api.post(document, {"e": email})).content for email in emails]
    assert len(set(answers)) == 1  # over the limit answers like under it
    assert await sent(runtime, template) == emails[:2]
    async with api_from(app, "198.51.100.8") as other:
        assert (await other.post(document, {"e": emails[2]})).content == answers[0]
    assert await sent(runtime, template) == emails


async def test_client_limit_on_invitation_requests(
    app: Any, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await admin_api.data(
        'mutation { updatePortalSettings(input: {pendingReviewNotify: ["team@example.com"]}) '
        "{ errors { code } } }"
    )
    await make_customer(runtime, activated=False)  # invited, never set up
    reconfigure(runtime, throttle_limits=("invitation_request=2/3600",))
    async with api_from(app, "198.51.100.9") as api:
        answers = [(await api.post(REQUEST_INVITATION, {"e": EMAIL})).content for _ in range(3)]
    assert len(set(answers)) == 1
    assert await sent(runtime, "staff_pending_review") == ["team@example.com"] * 2
    async with api_from(app, "198.51.100.10") as other:
        assert (await other.post(REQUEST_INVITATION, {"e": EMAIL})).content == answers[0]
    assert await sent(runtime, "staff_pending_review") == ["team@example.com"] * 3


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
            throttle = Throttle(
                runtime.identity.throttle(session).store, policy, runtime.settings.clock
            )
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
        # Closed before skipping: a client left open is reported (ResourceWarning, an error
        # under filterwarnings) in whichever test the garbage collector happens to run in.
        await client.aclose()
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

        results = await asyncio.gather(
            *(throttle.allow(ThrottleAction.REGISTER, "203.0.113.9") for _ in range(15))
        )
        assert results.count(True) == 10  # concurrent hits lose no update
    finally:
        await client.flushdb()
        await client.aclose()


CURRENT_PASSWORD_CHECKS = {
    "changePassword": 'changePassword(currentPassword: "{pw}", newPassword: "Anderes-Passwort-7")'
    " { ok errors { code field message } }",
    "requestEmailChange": 'requestEmailChange(newEmail: "neu@example.de", password: "{pw}")'
    " { errors { code field message } }",
    "deleteMyAccount": 'deleteMyAccount(password: "{pw}") { deleted errors { code field message } }',
}


class VerifySpy:
    """Records which hash each argon2 verification was made against."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.hashes: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def verify(self, password_hash: str, password: str) -> bool:
        self.hashes.append(password_hash)
        return bool(self.real.verify(password_hash, password))


@pytest.mark.parametrize("mutation", list(CURRENT_PASSWORD_CHECKS))
async def test_current_password_checks_count_against_the_account_and_aliases_do_not_multiply(
    portal_api: GraphQLClient,
    runtime: Runtime,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    mutation: str,
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_customer(portal_api)
    field = CURRENT_PASSWORD_CHECKS[mutation]

    def document(*passwords: str) -> str:
        aliased = (f"a{i}: {field.replace('{pw}', pw)}" for i, pw in enumerate(passwords))
        return f"mutation {{ {' '.join(aliased)} }}"

    wrong = await portal_api.post(document("falsch-0"))
    assert wrong.json()["data"]["a0"]["errors"][0]["code"] == "WRONG_PASSWORD"
    assert await failures_of(runtime, EMAIL) == 1  # kept, although the mutation rolled back
    # A stolen session sends 15 guesses in one request: 4 more reach the lockout, the other
    # 10 are refused without being evaluated or counted.
    guesses = await portal_api.data(document(*(f"falsch-{i}" for i in range(1, 16))))
    assert len(guesses) == 15
    assert {a["errors"][0]["code"] for a in guesses.values()} == {"WRONG_PASSWORD"}
    assert await failures_of(runtime, EMAIL) == 5
    # Locked: the right password answers exactly like a wrong one, after a dummy verification.
    spy = VerifySpy(runtime.identity.password_hasher._argon2)
    monkeypatch.setattr(runtime.identity.password_hasher, "_argon2", spy)
    right = await portal_api.post(document(CUSTOMER_PASSWORD))
    assert right.content == wrong.content
    assert spy.hashes == [runtime.identity.password_hasher._dummy_hash]
    assert user.password_hash not in spy.hashes
    # It is the login's lockout: logIn is locked as well.
    assert (await log_in(portal_api, CUSTOMER_PASSWORD))["errors"] == GENERIC
    clock.advance(timedelta(minutes=1))
    done = (await portal_api.data(document(CUSTOMER_PASSWORD)))["a0"]
    assert done["errors"] == []
    assert await failures_of(runtime, EMAIL) == 0  # a right password resets, as a login does


async def test_failures_through_one_worker_lock_the_account_for_another(
    runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    # A second application instance on the same database: its own engine, connection pool,
    # hasher and Throttle objects, as another worker process or machine would have.
    other = Runtime.build(runtime.settings)
    try:
        async with (
            api_from(create_app(runtime=runtime), "198.51.100.1") as first,
            api_from(create_app(runtime=other), "198.51.100.2") as second,
        ):
            for i in range(5):
                assert (await log_in(first, f"falsch-{i}"))["errors"] == GENERIC
            assert (await log_in(second, CUSTOMER_PASSWORD))["errors"] == GENERIC
            clock.advance(timedelta(minutes=1))
            assert (await log_in(second, CUSTOMER_PASSWORD))["token"]
    finally:
        await other.close()


@pytest.fixture
async def redis_url() -> str:
    """Redis database 15 on the CI machine (``.ci/run`` starts Redis when it is down)."""
    redis = pytest.importorskip("redis.asyncio")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:  # pragma: no cover - Redis is part of the CI machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await client.aclose()
    return REDIS_URL


def test_portal_redis_url_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"PORTAL_REDIS_URL": REDIS_URL}, env_file=None)
    assert settings.redis_url == REDIS_URL
    assert Settings.from_env({}, env_file=None).redis_url == ""


async def test_with_redis_configured_workers_share_the_throttle_through_redis(
    runtime: Runtime, clock: FrozenClock, redis_url: str
) -> None:
    # Subjects unique to this run: Redis outlives the test database and the frozen clock
    # starts at the same moment every run.
    email = f"redis-{uuid.uuid4().hex[:12]}@example.de"
    ips = [f"10.{n}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}" for n in (1, 2)]
    await make_customer(runtime, email)
    with_redis = runtime.settings.with_changes(redis_url=redis_url)
    first, second = Runtime.build(with_redis), Runtime.build(with_redis)
    keys = [f"portal:throttle:{subject_key('account:customer', email)}"] + [
        f"portal:throttle:{subject_key('limit:login', ip)}" for ip in ips
    ]
    try:
        async with first.database.transaction() as session:
            assert isinstance(first.identity.throttle(session).store, RedisThrottleStore)
        async with (
            api_from(create_app(runtime=first), ips[0]) as one,
            api_from(create_app(runtime=second), ips[1]) as two,
        ):
            for i in range(5):
                assert (await log_in(one, f"falsch-{i}", email))["errors"] == GENERIC
            assert (await log_in(two, CUSTOMER_PASSWORD, email))["errors"] == GENERIC
            state = await RedisThrottleStore(second.redis).read(keys[0][len("portal:throttle:") :])
            assert state is not None and state.count == 5
            clock.advance(timedelta(minutes=1))
            assert (await log_in(two, CUSTOMER_PASSWORD, email))["token"]
        async with runtime.database.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(ThrottleCounter)) == 0
    finally:
        await first.redis.delete(*keys)
        await first.close()
        await second.close()


async def test_attempts_count_even_when_the_request_fails_unexpectedly(
    portal_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error anywhere in a request rolls back all it wrote, its counters
    included; the counted attempts are written again on their own, so a request cannot make
    one field fail to try passwords uncounted. The rolled-back success of a login does not
    reset the counter."""
    await make_customer(runtime)
    from identity import customer_auth

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the mail server went away")

    monkeypatch.setattr(customer_auth, "request_password_reset", broken)
    attempts = " ".join(
        f'a{i}: logIn(email: "{EMAIL}", password: "falsch-{i}") {{ errors {{ code }} }}'
        for i in range(3)
    )
    body = (
        await portal_api.post(
            f'mutation {{ {attempts} r: requestPasswordReset(email: "{EMAIL}") {{ accepted }} }}'
        )
    ).json()
    assert "the mail server went away" in body["errors"][0]["message"]  # the request failed
    assert await failures_of(runtime, EMAIL) == 3
