"""Newsletter consent by the customer: subscribe (double opt-in), confirm by link, unsubscribe;
and the public facts the registration page is built from (portalInfo)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import ConsentEvent, OutboxMessage
from tests.conftest import GraphQLClient
from tests.factories import link_in, log_in_customer, log_in_staff, make_customer

SUBSCRIBE = (
    "mutation { subscribeToNewsletter { contact { newsletterConfirmed } errors { code field } } }"
)
UNSUBSCRIBE = "mutation { unsubscribeFromNewsletter { contact { newsletterConfirmed } errors { code field } } }"
CONFIRM = """
mutation C($token: String!) { confirmNewsletterSubscription(token: $token) { confirmed errors { code } } }
"""
MINE = "{ viewer { contact { newsletterConfirmed history { source description } } } }"
PORTAL_INFO = "{ portalInfo { name secondIdentifiers } }"


async def test_customer_subscribes_confirms_by_link_and_unsubscribes(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)

    data = await portal_api.data(SUBSCRIBE)
    assert data["subscribeToNewsletter"] == {
        "contact": {"newsletterConfirmed": False},
        "errors": [],
    }
    async with runtime.database.transaction() as session:
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "newsletter_opt_in")
        )
        assert message is not None and message.to_address == "kunde@example.de"
    link = urlsplit(link_in(runtime, message, "confirm_url"))
    assert link.path == "/newsletter/confirm"
    token = parse_qs(link.query)["token"][0]

    confirmed = await portal_api.data(CONFIRM, {"token": token})
    assert confirmed["confirmNewsletterSubscription"] == {"confirmed": True, "errors": []}
    again = await portal_api.data(SUBSCRIBE)
    assert again["subscribeToNewsletter"]["errors"] == [
        {"code": "ALREADY_CONFIRMED", "field": None}
    ]

    gone = await portal_api.data(UNSUBSCRIBE)
    assert gone["unsubscribeFromNewsletter"] == {
        "contact": {"newsletterConfirmed": False},
        "errors": [],
    }
    twice = await portal_api.data(UNSUBSCRIBE)
    assert twice["unsubscribeFromNewsletter"]["errors"] == [
        {"code": "NOT_CONFIRMED", "field": None}
    ]

    history = (await portal_api.data(MINE))["viewer"]["contact"]["history"]
    # One frozen instant: the order among them is not the point, that the customer sees all three.
    assert sorted(h["description"] for h in history) == [
        "First portal login",
        "Newsletter invitation sent",
        "Newsletter opt-in confirmed",
        "Newsletter opt-in revoked",
    ]
    async with runtime.database.transaction() as session:
        kinds = list(
            await session.scalars(select(ConsentEvent.kind).order_by(ConsentEvent.occurred_at))
        )
    assert sorted(kinds) == ["confirmed", "invited", "revoked"]


async def test_newsletter_consent_needs_the_customer_not_a_stranger(
    portal_api: GraphQLClient,
) -> None:
    body = await portal_api(SUBSCRIBE)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await portal_api(UNSUBSCRIBE)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_portal_info_names_the_configured_second_identifiers_in_order(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    info = (await portal_api.data(PORTAL_INFO))["portalInfo"]
    assert info["secondIdentifiers"] == ["CUSTOMER_NUMBER", "POSTAL_CODE"]  # the settings' default

    await log_in_staff(admin_api, runtime)
    changed = await admin_api.data(
        "mutation { updatePortalSettings(input: {secondIdentifiers: [DATE_OF_BIRTH, PHONE]}) { errors { code } } }"
    )
    assert changed["updatePortalSettings"]["errors"] == []
    info = (await portal_api.data(PORTAL_INFO))["portalInfo"]
    assert info["secondIdentifiers"] == ["DATE_OF_BIRTH", "PHONE"]
