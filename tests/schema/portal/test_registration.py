"""registerCustomer and resendActivation: no enumeration, one user per address."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.models import OutboxMessage, PortalUser
from tests.conftest import GraphQLClient
from tests.factories import link_in, make_customer

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code field message } }
}
"""
RESEND = """
mutation Resend($email: String!) { resendActivation(email: $email) { accepted errors { code } } }
"""


def registration(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "email": "neu@example.de",
        "password": "Kirschbaum-im-Mai",
        "firstName": "Nina",
        "lastName": "Neu",
        "existingCustomer": False,
        "acceptTerms": True,
        "language": "de",
    }
    form.update(overrides)
    return {"input": form}


async def outbox(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


async def test_new_address_gets_an_activation_email(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    data = await portal_api.data(REGISTER, registration(email=" Neu@Example.DE "))
    assert data["registerCustomer"] == {"accepted": True, "errors": []}
    (message,) = await outbox(runtime)
    assert message.template == "account_activation"
    assert message.to_address == "Neu@Example.DE"
    assert link_in(runtime, message, "activation_url").startswith(
        "https://portal.example.test/activate?token="
    )
    async with runtime.database.transaction() as session:
        user = await session.scalar(select(PortalUser))
        assert user is not None
        assert user.email_normalized == "neu@example.de"
        assert user.registration_status == "ACTIVATION_EMAIL_SENT"
        assert user.mapping_status == "PENDING"
        assert user.contact_id is None


async def test_known_and_unknown_addresses_get_byte_identical_answers(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime, "bekannt@example.de")
    known = await portal_api.post(REGISTER, registration(email="bekannt@example.de"))
    unknown = await portal_api.post(REGISTER, registration(email="unbekannt@example.de"))
    assert known.status_code == unknown.status_code
    assert known.content == unknown.content
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    templates = {m.to_address: m.template for m in await outbox(runtime)}
    assert templates == {
        "bekannt@example.de": "already_registered",
        "unbekannt@example.de": "account_activation",
    }
    already = next(m for m in await outbox(runtime) if m.template == "already_registered")
    assert "/password/reset?token=" in link_in(runtime, already, "password_reset_url")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"email": "kein-email"}, "INVALID_EMAIL", "email"),
        ({"email": "x" * 250 + "@example.de"}, "INVALID_EMAIL", "email"),
        ({"password": "kurz"}, "PASSWORD_TOO_SHORT", "password"),
        ({"password": "Password123"}, "PASSWORD_TOO_COMMON", "password"),
        ({"password": "neu@example.de"}, "PASSWORD_TOO_COMMON", "password"),
        ({"password": "x" * 1_000_000}, "PASSWORD_TOO_LONG", "password"),
        ({"acceptTerms": False}, "TERMS_NOT_ACCEPTED", "acceptTerms"),
        ({"language": "xx"}, "INVALID_LANGUAGE", "language"),
        ({"firstName": " "}, "REQUIRED", "firstName"),
    ],
)
async def test_malformed_registrations_are_refused_and_store_nothing(
    portal_api: GraphQLClient, runtime: Runtime, overrides: dict[str, Any], code: str, field: str
) -> None:
    data = await portal_api.data(REGISTER, registration(**overrides))
    assert data["registerCustomer"]["accepted"] is False
    assert (code, field) in [(e["code"], e["field"]) for e in data["registerCustomer"]["errors"]]
    assert await outbox(runtime) == []


async def test_unicode_passwords_are_kept_exactly(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    password = "Grüße 🌻 aus Köln — " + "ä" * 200
    await portal_api.data(REGISTER, registration(password=password))
    async with runtime.database.transaction() as session:
        user = await session.scalar(select(PortalUser))
        assert user is not None and user.password_hash is not None
        assert await runtime.identity.password_hasher.verify(user.password_hash, password)
        assert not await runtime.identity.password_hasher.verify(user.password_hash, password[:-1])


async def test_resend_activation_answers_the_same_for_everyone(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await portal_api.data(REGISTER, registration())
    await make_customer(runtime, "aktiv@example.de")
    answers = [
        await portal_api.post(RESEND, {"email": email})
        for email in ("neu@example.de", "aktiv@example.de", "niemand@example.de")
    ]
    assert len({a.content for a in answers}) == 1
    templates = [m.template for m in await outbox(runtime)]
    # One activation at registration, one resent; none for the active or unknown address.
    assert templates == ["account_activation", "account_activation"]


@pytest.mark.postgres_only
async def test_fifty_concurrent_registrations_make_one_portal_user(
    portal_api: GraphQLClient, runtime: Runtime, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    # All 50 race (the hashing queue would refuse those beyond PORTAL_PASSWORD_HASH_QUEUE with
    # TOO_MANY_REQUESTS: tests/security/test_hashing_load.py).
    runtime.identity.password_hasher.max_queued = 50
    answers = await asyncio.gather(
        *(portal_api.post(REGISTER, registration(email="doppelt@example.de")) for _ in range(50))
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    async with runtime.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(PortalUser))
    assert count == 1
    templates = [m.template for m in await outbox(runtime)]
    assert templates.count("account_activation") == 1
