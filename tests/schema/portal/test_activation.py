"""activateAccount and provideSecondIdentifier: every branch of matching, through HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact, OutboxMessage, PortalUser
from portal.services.contacts import ContactDraft, create_contact
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, link_in, log_in_staff, reconfigure
from tests.schema.portal.test_registration import REGISTER, registration

ACTIVATE = """
mutation Activate($token: String!) {
  activateAccount(token: $token) { outcome flowToken attemptsLeft errors { code field } }
}
"""
PROVIDE = """
mutation Provide($flow: String!, $input: SecondIdentifierInput!) {
  provideSecondIdentifier(flowToken: $flow, input: $input) {
    outcome flowToken attemptsLeft errors { code field }
  }
}
"""
UPDATE_SETTINGS = """
mutation Settings($input: UpdatePortalSettingsInput!) {
  updatePortalSettings(input: $input) {
    portalSettings { registrationPolicy secondIdentifiers pendingReviewNotify }
    errors { code field }
  }
}
"""
EMAIL = "anna@example.de"
PASSWORD = "Kirschbaum-im-Mai"


async def contacts_with_email(runtime: Runtime, count: int, email: str = EMAIL) -> list[Contact]:
    async with runtime.database.transaction() as session:
        return [
            await create_contact(session, ContactDraft(last_name=f"Kontakt {i}", email=email))
            for i in range(count)
        ]


async def activation_token(runtime: Runtime, email: str = EMAIL) -> str:
    async with runtime.database.transaction() as session:
        message = await session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.template == "account_activation", OutboxMessage.to_address == email
            )
            .order_by(OutboxMessage.created_at.desc())
        )
    assert message is not None
    return parse_qs(urlparse(link_in(runtime, message, "activation_url")).query)["token"][0]


@asynccontextmanager
async def api_from(app: Any, ip: str) -> AsyncIterator[GraphQLClient]:
    """A customer API client whose requests come from ``ip``."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http, "/graphql")


async def open_flow_for(portal_api: GraphQLClient, runtime: Runtime, email: str) -> str:
    """Register and activate ``email`` (which must match several contacts): the flow token."""
    await portal_api.data(REGISTER, registration(email=email, password=PASSWORD))
    token = await activation_token(runtime, email)
    activated = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert activated["outcome"] == "NEEDS_SECOND_IDENTIFIER"
    return str(activated["flowToken"])


async def register_and_activate(
    portal_api: GraphQLClient, runtime: Runtime, **overrides: Any
) -> dict[str, Any]:
    await portal_api.data(REGISTER, registration(email=EMAIL, password=PASSWORD, **overrides))
    token = await activation_token(runtime)
    return (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]


async def the_user(runtime: Runtime) -> PortalUser | None:
    async with runtime.database.transaction() as session:
        return await session.scalar(select(PortalUser))


async def set_settings(admin_api: GraphQLClient, runtime: Runtime, **values: Any) -> None:
    if admin_api.token is None:
        await log_in_staff(admin_api, runtime)
    data = await admin_api.data(UPDATE_SETTINGS, {"input": values})
    assert data["updatePortalSettings"]["errors"] == [], data


async def test_exactly_one_candidate_links(portal_api: GraphQLClient, runtime: Runtime) -> None:
    (contact,) = await contacts_with_email(runtime, 1, " Anna@Example.de ")
    result = await register_and_activate(portal_api, runtime)
    assert result == {"outcome": "LINKED", "flowToken": None, "attemptsLeft": None, "errors": []}
    user = await the_user(runtime)
    assert user is not None
    assert (user.contact_id, user.mapping_status, user.registration_status) == (
        contact.id,
        "ASSIGNED",
        "REGISTERED",
    )
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    assert login["logIn"]["token"]


async def test_no_candidate_waits_for_review_and_cannot_log_in(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await set_settings(admin_api, runtime, pendingReviewNotify=["support@example.com"])
    result = await register_and_activate(portal_api, runtime)
    assert result["outcome"] == "PENDING_REVIEW"
    user = await the_user(runtime)
    assert user is not None
    assert (user.mapping_status, user.pending_reason) == ("PENDING", "NO_MATCH")
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    assert login["logIn"]["errors"][0]["code"] == "PENDING_CONTACT_ASSIGNMENT"
    assert login["logIn"]["token"] is None
    async with runtime.database.transaction() as session:
        notice = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "staff_pending_review")
        )
    assert notice is not None
    assert notice.to_address == "support@example.com"


async def test_a_contact_with_a_portal_user_is_never_linked_again(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    (contact,) = await contacts_with_email(runtime, 1)
    async with runtime.database.transaction() as session:
        session.add(
            PortalUser(
                email="other@example.de",
                email_normalized="other@example.de",
                registration_status="REGISTERED",
                mapping_status="ASSIGNED",
                contact_id=contact.id,
            )
        )
    result = await register_and_activate(portal_api, runtime)
    assert result["outcome"] == "PENDING_REVIEW"


async def test_identifier_given_at_registration_decides_between_several(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    contacts = await contacts_with_email(runtime, 3)
    wanted = contacts[1]
    result = await register_and_activate(
        portal_api, runtime, customerNumber=f" {wanted.customer_number} "
    )
    assert result["outcome"] == "LINKED"
    user = await the_user(runtime)
    assert user is not None
    assert user.contact_id == wanted.id


async def test_second_identifier_given_late_links(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    contacts = await contacts_with_email(runtime, 2)
    result = await register_and_activate(portal_api, runtime)
    assert result["outcome"] == "NEEDS_SECOND_IDENTIFIER"
    assert result["attemptsLeft"] == 5
    flow = result["flowToken"]
    assert flow
    # The pending user logging in gets a (new) flow token too.
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    assert login["logIn"]["errors"][0]["code"] == "PENDING_CONTACT_ASSIGNMENT"
    flow = login["logIn"]["flowToken"]
    assert flow
    answer = await portal_api.data(
        PROVIDE, {"flow": flow, "input": {"customerNumber": str(contacts[0].customer_number)}}
    )
    assert answer["provideSecondIdentifier"]["outcome"] == "LINKED"
    user = await the_user(runtime)
    assert user is not None
    assert user.contact_id == contacts[0].id
    reuse = await portal_api.data(PROVIDE, {"flow": flow, "input": {"customerNumber": "1"}})
    assert reuse["provideSecondIdentifier"]["errors"][0]["code"] == "TOKEN_EXPIRED"


async def test_five_wrong_answers_end_in_review_without_revealing_a_count(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await contacts_with_email(runtime, 2)
    flow = (await register_and_activate(portal_api, runtime))["flowToken"]
    answers = []
    for attempt in range(5):
        answers.append(
            (
                await portal_api.data(
                    PROVIDE, {"flow": flow, "input": {"customerNumber": f"9999{attempt}"}}
                )
            )["provideSecondIdentifier"]
        )
    assert [a["attemptsLeft"] for a in answers[:4]] == [4, 3, 2, 1]
    assert {a["outcome"] for a in answers[:4]} == {"NEEDS_SECOND_IDENTIFIER"}
    assert answers[4]["outcome"] == "PENDING_REVIEW"
    user = await the_user(runtime)
    assert user is not None
    assert user.pending_reason == "SECOND_IDENTIFIER_FAILED"
    sixth = await portal_api.data(PROVIDE, {"flow": flow, "input": {"customerNumber": "1"}})
    assert sixth["provideSecondIdentifier"]["errors"][0]["code"] == "TOKEN_EXPIRED"
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    assert login["logIn"]["flowToken"] is None


async def test_attempts_count_per_user_across_flows_and_a_login_resets_nothing(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """Whoever knows the password opens a new flow with each correct logIn; the attempts still
    add up for the user (issue 16, item 5): 8 guesses over 4 flows end in review after the 5th
    and the right answer links nobody afterwards."""
    contacts = await contacts_with_email(runtime, 2)
    flow = (await register_and_activate(portal_api, runtime))["flowToken"]
    answers = []
    for attempt in range(8):
        if answers and answers[-1]["outcome"] == "PENDING_REVIEW":
            break
        if attempt % 2 == 0 and attempt:
            login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
            flow = login["logIn"]["flowToken"]
            if flow is None:
                break
        answer = await portal_api.data(
            PROVIDE, {"flow": flow, "input": {"customerNumber": f"9999{attempt}"}}
        )
        answers.append(answer["provideSecondIdentifier"])
    assert [a["attemptsLeft"] for a in answers] == [4, 3, 2, 1, None]
    assert answers[-1]["outcome"] == "PENDING_REVIEW"
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    assert login["logIn"]["flowToken"] is None
    right = {"customerNumber": str(contacts[0].customer_number)}
    late = await portal_api.data(PROVIDE, {"flow": flow, "input": right})
    assert late["provideSecondIdentifier"]["errors"][0]["code"] == "TOKEN_EXPIRED"
    user = await the_user(runtime)
    assert user is not None
    assert (user.contact_id, user.pending_reason) == (None, "SECOND_IDENTIFIER_FAILED")


async def test_a_login_answers_with_the_attempts_the_user_has_left(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """The flow a logIn opens continues the count: its first wrong answer says 2 left after
    two earlier ones, not 4."""
    await contacts_with_email(runtime, 2)
    flow = (await register_and_activate(portal_api, runtime))["flowToken"]
    for attempt in range(2):
        await portal_api.data(PROVIDE, {"flow": flow, "input": {"customerNumber": f"1{attempt}"}})
    login = await portal_api.data(CUSTOMER_LOG_IN, {"email": EMAIL, "password": PASSWORD})
    again = await portal_api.data(
        PROVIDE, {"flow": login["logIn"]["flowToken"], "input": {"customerNumber": "12"}}
    )
    assert again["provideSecondIdentifier"]["attemptsLeft"] == 2


async def test_a_client_over_its_limit_gets_exactly_the_answer_of_a_wrong_answer(
    app: Any, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    anna = await contacts_with_email(runtime, 2)
    await contacts_with_email(runtime, 2, "bert@example.de")
    throttled_flow = await open_flow_for(portal_api, runtime, EMAIL)
    wrong_flow = await open_flow_for(portal_api, runtime, "bert@example.de")
    reconfigure(runtime, throttle_limits=("second_identifier=2/3600",))
    right = {"customerNumber": str(anna[0].customer_number)}
    answers = [{"customerNumber": "99990"}, {"customerNumber": "99991"}, right, right]
    async with api_from(app, "198.51.100.20") as limited:
        # Attempts 1-2 are wrong; 3-4 are right but the client is over its limit. Wrong answers
        # on another flow, each from a client under its limit, get byte for byte the same.
        for attempt, answer in enumerate(answers):
            got = await limited.post(PROVIDE, {"flow": throttled_flow, "input": answer})
            async with api_from(app, f"198.51.101.{attempt + 1}") as free:
                wrong = await free.post(
                    PROVIDE, {"flow": wrong_flow, "input": {"customerNumber": "99992"}}
                )
            assert wrong.json()["data"]["provideSecondIdentifier"]["attemptsLeft"] == 4 - attempt
            assert got.content.replace(throttled_flow.encode(), b"FLOW") == wrong.content.replace(
                wrong_flow.encode(), b"FLOW"
            )
        assert got.json()["data"]["provideSecondIdentifier"] == {
            "outcome": "NEEDS_SECOND_IDENTIFIER",
            "flowToken": throttled_flow,
            "attemptsLeft": 1,
            "errors": [],
        }
    async with runtime.database.transaction() as session:
        user = await session.scalar(select(PortalUser).where(PortalUser.email == EMAIL))
        assert user is not None and user.contact_id is None
    # The answer was right: another client, on the flow's last attempt, links with it.
    async with api_from(app, "198.51.100.22") as other:
        last = await other.data(PROVIDE, {"flow": throttled_flow, "input": right})
    assert last["provideSecondIdentifier"]["outcome"] == "LINKED"
    async with runtime.database.transaction() as session:
        user = await session.scalar(select(PortalUser).where(PortalUser.email == EMAIL))
        assert user is not None and user.contact_id == anna[0].id


async def test_identifiers_narrowing_to_none_two_or_three_contacts_answer_alike(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    # Each user's email is shared by several contacts; the postal code given narrows them to
    # none, two or three. The client must not learn which.
    postal_codes = {
        "null@example.de": ["10115", "10117"],
        "zwei@example.de": ["80331", "80331", "10115"],
        "drei@example.de": ["80331", "80331", "80331"],
    }
    async with runtime.database.transaction() as session:
        for email, codes in postal_codes.items():
            for code in codes:
                await create_contact(
                    session, ContactDraft(last_name="K", email=email, extra={"postal_code": code})
                )
    activations, answers = [], []
    for email in postal_codes:
        await portal_api.data(REGISTER, registration(email=email, password=PASSWORD))
        token = await activation_token(runtime, email)
        activated = await portal_api.post(ACTIVATE, {"token": token})
        flow = activated.json()["data"]["activateAccount"]["flowToken"]
        activations.append(activated.content.replace(flow.encode(), b"FLOW"))
        answer = await portal_api.post(PROVIDE, {"flow": flow, "input": {"postalCode": "80331"}})
        answers.append(answer.content.replace(flow.encode(), b"FLOW"))
    assert len(set(activations)) == 1  # two or three candidates: the same answer
    assert len(set(answers)) == 1
    assert b'"NEEDS_SECOND_IDENTIFIER"' in answers[0]


async def test_flow_expires_by_the_clock(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await contacts_with_email(runtime, 2)
    flow = (await register_and_activate(portal_api, runtime))["flowToken"]
    clock.advance(timedelta(minutes=31))
    late = await portal_api.data(PROVIDE, {"flow": flow, "input": {"customerNumber": "1"}})
    assert late["provideSecondIdentifier"]["errors"][0]["code"] == "TOKEN_EXPIRED"


async def test_policy_contact_creation_creates_and_links(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await set_settings(admin_api, runtime, registrationPolicy="ALLOW_WITH_CONTACT_CREATION")
    result = await register_and_activate(portal_api, runtime)
    assert result["outcome"] == "LINKED"
    async with runtime.database.transaction() as session:
        contact = await session.scalar(select(Contact))
        user = await session.scalar(select(PortalUser))
    assert contact is not None and user is not None
    assert (contact.email, contact.first_name, contact.last_name) == (EMAIL, "Nina", "Neu")
    assert user.contact_id == contact.id


async def test_existing_customer_without_match_goes_to_review_whatever_the_policy(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await set_settings(admin_api, runtime, registrationPolicy="ALLOW_WITH_CONTACT_CREATION")
    result = await register_and_activate(portal_api, runtime, existingCustomer=True)
    assert result["outcome"] == "PENDING_REVIEW"
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_policy_deny_new_removes_the_account_and_says_so_by_email(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await set_settings(admin_api, runtime, registrationPolicy="DENY_NEW")
    result = await register_and_activate(portal_api, runtime)
    assert result["errors"] == [{"code": "REGISTRATION_CLOSED", "field": None}]
    assert await the_user(runtime) is None
    async with runtime.database.transaction() as session:
        templates = [m.template for m in await session.scalars(select(OutboxMessage))]
    assert templates == ["account_activation", "registration_denied"]


async def test_activation_link_is_single_use_and_expires(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await contacts_with_email(runtime, 1)
    await portal_api.data(REGISTER, registration(email=EMAIL, password=PASSWORD))
    token = await activation_token(runtime)
    assert (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]["outcome"]
    again = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert again["errors"] == [{"code": "TOKEN_USED", "field": "token"}]

    await portal_api.data(REGISTER, registration(email="spaet@example.de", password=PASSWORD))
    late = await activation_token(runtime, "spaet@example.de")
    clock.advance(timedelta(hours=48, seconds=1))
    expired = (await portal_api.data(ACTIVATE, {"token": late}))["activateAccount"]
    assert expired["errors"] == [{"code": "TOKEN_EXPIRED", "field": "token"}]
    forged = (await portal_api.data(ACTIVATE, {"token": late[:-3] + "abc"}))["activateAccount"]
    assert forged["errors"] == [{"code": "INVALID_TOKEN", "field": "token"}]


async def test_two_concurrent_activations_one_wins(
    portal_api: GraphQLClient, runtime: Runtime, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    await contacts_with_email(runtime, 1)
    await portal_api.data(REGISTER, registration(email=EMAIL, password=PASSWORD))
    token = await activation_token(runtime)
    results = await asyncio.gather(
        portal_api.data(ACTIVATE, {"token": token}), portal_api.data(ACTIVATE, {"token": token})
    )
    outcomes = sorted(str(r["activateAccount"]["outcome"]) for r in results)
    assert outcomes == ["LINKED", "None"]


async def test_settings_are_validated(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    data = await admin_api.data(
        UPDATE_SETTINGS,
        {"input": {"secondIdentifiers": ["PHONE", "PHONE"], "activationTokenHours": 0}},
    )
    codes = {(e["code"], e["field"]) for e in data["updatePortalSettings"]["errors"]}
    assert codes == {
        ("INVALID_VALUE", "secondIdentifiers"),
        ("OUT_OF_RANGE", "activationTokenHours"),
    }
