"""Email change and account deletion by the customer."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact, OutboxMessage, PortalUser
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_LOG_IN,
    CUSTOMER_PASSWORD,
    link_in,
    log_in_customer,
    make_customer,
)

REQUEST = """
mutation R($email: String!, $pw: String!) {
  requestEmailChange(newEmail: $email, password: $pw) {
    viewer { registrationStatus } errors { code field }
  }
}
"""
CONFIRM = """
mutation C($token: String!) { confirmEmailChange(token: $token) { email errors { code } } }
"""
DELETE = "mutation D($pw: String!) { deleteMyAccount(password: $pw) { deleted errors { code } } }"


async def confirm_token(runtime: Runtime) -> str:
    async with runtime.database.transaction() as session:
        message = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.template == "email_change_confirmation")
            .order_by(OutboxMessage.created_at.desc())
        )
    assert message is not None
    return parse_qs(urlparse(link_in(runtime, message, "confirm_url")).query)["token"][0]


async def test_email_change_round_trip(portal_api: GraphQLClient, runtime: Runtime) -> None:
    _, contact = await make_customer(runtime)
    await log_in_customer(portal_api)
    wrong = await portal_api.data(REQUEST, {"email": "neu@example.de", "pw": "falsch-falsch"})
    assert wrong["requestEmailChange"]["errors"] == [
        {"code": "WRONG_PASSWORD", "field": "password"}
    ]
    same = await portal_api.data(REQUEST, {"email": "KUNDE@example.de", "pw": CUSTOMER_PASSWORD})
    assert same["requestEmailChange"]["errors"][0]["code"] == "SAME_EMAIL"
    asked = await portal_api.data(REQUEST, {"email": "neu@example.de", "pw": CUSTOMER_PASSWORD})
    assert asked["requestEmailChange"]["viewer"]["registrationStatus"] == (
        "EMAIL_UPDATE_IN_PROGRESS"
    )
    async with runtime.database.transaction() as session:
        sent = {(m.template, m.to_address) for m in await session.scalars(select(OutboxMessage))}
    assert sent == {
        ("email_change_confirmation", "neu@example.de"),
        ("email_change_notice", "kunde@example.de"),
    }
    token = await confirm_token(runtime)
    portal_api.token = None  # the link works on any device
    done = await portal_api.data(CONFIRM, {"token": token})
    assert done["confirmEmailChange"] == {"email": "neu@example.de", "errors": []}
    again = await portal_api.data(CONFIRM, {"token": token})
    assert again["confirmEmailChange"]["errors"][0]["code"] in {"TOKEN_USED", "INVALID_TOKEN"}
    async with runtime.database.transaction() as session:
        assert contact is not None
        row = await session.get(Contact, contact.id)
        assert row is not None
        assert (row.email, row.email_normalized) == ("neu@example.de", "neu@example.de")
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "neu@example.de", "password": CUSTOMER_PASSWORD}
    )
    assert login["logIn"]["token"]


async def test_email_change_to_a_taken_address_fails_only_on_confirmation(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    await make_customer(runtime, "belegt@example.de")
    await log_in_customer(portal_api)
    asked = await portal_api.data(REQUEST, {"email": "belegt@example.de", "pw": CUSTOMER_PASSWORD})
    assert asked["requestEmailChange"]["errors"] == []
    token = await confirm_token(runtime)
    taken = await portal_api.data(CONFIRM, {"token": token})
    assert taken["confirmEmailChange"]["errors"][0]["code"] == "EMAIL_TAKEN"

    await portal_api.data(REQUEST, {"email": "frei@example.de", "pw": CUSTOMER_PASSWORD})
    late = await confirm_token(runtime)
    clock.advance(timedelta(hours=25))
    expired = await portal_api.data(CONFIRM, {"token": late})
    assert expired["confirmEmailChange"]["errors"][0]["code"] == "TOKEN_EXPIRED"


async def test_delete_my_account_keeps_the_contact(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)
    await log_in_customer(portal_api)
    wrong = await portal_api.data(DELETE, {"pw": "falsch-falsch"})
    assert wrong["deleteMyAccount"]["errors"][0]["code"] == "WRONG_PASSWORD"
    done = await portal_api.data(DELETE, {"pw": CUSTOMER_PASSWORD})
    assert done["deleteMyAccount"] == {"deleted": True, "errors": []}
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with runtime.database.transaction() as session:
        assert await session.get(PortalUser, user.id) is None
        assert contact is not None
        assert await session.get(Contact, contact.id) is not None
