"""The contact's history tells the portal account's story: registered, activated, linked (and
how), first login (and, if configured, the first of each day), password changed, email
changed, consent changed, account deleted. Before: a registered, activated, logged-in
customer's history held only "Contact created"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import PortalUser
from portal.services.contacts import create_contact
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, reconfigure, relog_in_staff
from tests.schema.portal.test_activation import ACTIVATE, activation_token
from tests.schema.portal.test_registration import REGISTER, registration

HISTORY = """query H($c: ID!) { contactHistory(contactId: $c, first: 50) {
  edges { node { description actorType visibleToCustomer } } } }"""
LOG_IN = """mutation L($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"""
CHANGE = """mutation C($old: String!, $new: String!) {
  changePassword(currentPassword: $old, newPassword: $new) { ok errors { code } } }"""
PASSWORD = "Kirschbaum-im-Mai"


async def history(admin_api: GraphQLClient, contact_id: Any) -> list[str]:
    data = await admin_api.data(HISTORY, {"c": str(to_global_id("Contact", contact_id))})
    return [e["node"]["description"] for e in reversed(data["contactHistory"]["edges"])]


async def test_registration_activation_link_logins_and_password_change_are_recorded(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    reconfigure(runtime, history_daily_logins=True)
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Neu", "email": "neu@example.de"})
    clock.advance(timedelta(minutes=1))  # a frozen clock: every step at its own moment
    await portal_api.data(REGISTER, registration(existingCustomer=True))
    clock.advance(timedelta(minutes=5))
    token = await activation_token(runtime, "neu@example.de")
    activated = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert activated["outcome"] == "LINKED"
    for _ in range(2):  # the second login of the day is not recorded
        clock.advance(timedelta(minutes=1))
        login = await portal_api.data(LOG_IN, {"e": "neu@example.de", "p": PASSWORD})
        assert login["logIn"]["token"]
        portal_api.token = login["logIn"]["token"]
    clock.advance(timedelta(days=1))
    portal_api.token = (await portal_api.data(LOG_IN, {"e": "neu@example.de", "p": PASSWORD}))[
        "logIn"
    ]["token"]
    clock.advance(timedelta(minutes=1))
    changed = await portal_api.data(CHANGE, {"old": PASSWORD, "new": "Neues-Passwort-2026"})
    assert changed["changePassword"]["errors"] == []
    await log_in_staff(admin_api, runtime)
    assert await history(admin_api, contact.id) == [
        "Contact created",
        "Registered for the portal",
        "Portal account activated and linked to this contact by email",
        "First portal login",
        "Portal login",
        "Portal password changed",
    ]


async def test_a_staff_link_names_staff_and_daily_logins_are_off_by_default(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await portal_api.data(REGISTER, registration(existingCustomer=True))
    clock.advance(timedelta(minutes=1))
    token = await activation_token(runtime, "neu@example.de")
    activated = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert activated["outcome"] == "PENDING_REVIEW", activated  # no contact has the address
    clock.advance(timedelta(minutes=1))
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Später"})
        user = await session.scalar(select(PortalUser))
        assert user is not None
    await log_in_staff(admin_api, runtime)
    clock.advance(timedelta(minutes=1))
    assigned = await admin_api.data(
        "mutation A($u: ID!, $c: ID!) { assignPortalUser(portalUserId: $u, contactId: $c) "
        "{ errors { code } } }",
        {"u": str(to_global_id("PortalUser", user.id)),
         "c": str(to_global_id("Contact", contact.id))},
    )  # fmt: skip
    assert assigned["assignPortalUser"]["errors"] == []
    for days in (0, 1):
        clock.advance(timedelta(days=days, minutes=1))
        assert (await portal_api.data(LOG_IN, {"e": "neu@example.de", "p": PASSWORD}))["logIn"][
            "token"
        ]
    await relog_in_staff(admin_api)  # the staff session ended with the day
    entries = await history(admin_api, contact.id)
    assert entries[:3] == [
        "Registered for the portal",  # at the time it happened, before the contact existed
        "Portal account activated",
        "Contact created",
    ]
    # One request, one moment of the frozen clock: these two come in either order.
    assert sorted(entries[3:5]) == [
        "Portal account linked to this contact by staff",
        "Portal account: assign",
    ]
    assert entries[5:] == ["First portal login"]  # no daily entry unless configured
