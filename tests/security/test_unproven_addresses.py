"""Unproven addresses never count (issue 16, item 1).

An address is a person's once it is proven: the business recorded it for their contact, or they
followed a link sent to it. A customer's pending email change (``requestEmailChange`` asks for
no proof) and a registration nobody activated are claims, and nothing about one person is ever
reachable through another person's claim: not in the customer's own export, not in the staff
export handed to them, not in what erasure removes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, OutboxMessage, PortalUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, log_in_customer, log_in_staff, make_customer
from tests.schema.portal.test_activation import ACTIVATE, activation_token
from tests.schema.portal.test_registration import REGISTER, registration

ATTACKER = "anna.angreifer@example.de"
VICTIM = "viktor.opfer@example.de"
# What the victim gave at registration: none of it may reach the attacker.
VICTIM_FACTS = ("Viktor", "Opfermann", "1971-04-02", "0176 5550999", "50667", "K-77123")
REQUEST_CHANGE = """mutation C($e: String!, $p: String!) {
  requestEmailChange(newEmail: $e, password: $p) { errors { code } } }"""
EXPORT = "mutation E($c: ID!) { exportPersonalData(contactId: $c) { data errors { code } } }"
ERASE = "mutation X($c: ID!) { eraseContact(contactId: $c) { erasedContactId errors { code } } }"


async def _victim_registers_and_activates(portal_api: GraphQLClient, runtime: Runtime) -> None:
    """The victim proves their own address and waits for staff (no contact has it)."""
    form = registration(
        email=VICTIM, firstName="Viktor", lastName="Opfermann", existingCustomer=True,
        dateOfBirth="1971-04-02", phone="0176 5550999", postalCode="50667",
        customerNumber="K-77123",
    )  # fmt: skip
    assert (await portal_api.data(REGISTER, form))["registerCustomer"]["accepted"]
    token = await activation_token(runtime, VICTIM)
    activated = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert activated["outcome"] == "PENDING_REVIEW", activated


async def _attacker_claims_the_victims_address(portal_api: GraphQLClient, runtime: Runtime) -> str:
    """The attacker, a linked customer, asks to move to the victim's address (no proof asked);
    returns the attacker's contact's global id."""
    _, contact = await make_customer(runtime, ATTACKER)
    assert contact is not None
    await log_in_customer(portal_api, ATTACKER)
    change = await portal_api.data(REQUEST_CHANGE, {"e": VICTIM, "p": CUSTOMER_PASSWORD})
    assert change["requestEmailChange"]["errors"] == []
    return to_global_id("Contact", contact.id)


def _mentions_of_the_victim(document: dict[str, Any]) -> list[str]:
    """Traces of the victim in an export, apart from the attacker's own claim on the address
    (their pending email and the confirmation mail sent to it on their behalf)."""
    text = json.dumps(document, ensure_ascii=False)
    found = [fact for fact in VICTIM_FACTS if fact in text]
    found += [f"pending registration {r['email']}" for r in document["pending_registrations"]]
    found += [
        f"mail {m['template']}"
        for m in document["emails_sent"]
        if m["to_address"] == VICTIM and m["template"] != "email_change_confirmation"
    ]
    return found


async def test_a_pending_email_change_reaches_nothing_of_the_addresses_owner(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await _victim_registers_and_activates(portal_api, runtime)
    contact_id = await _attacker_claims_the_victims_address(portal_api, runtime)
    mine = (await portal_api.data("{ exportMyData }"))["exportMyData"]
    assert mine["portal_user"]["pending_email"] == VICTIM  # the claim itself is the attacker's
    assert _mentions_of_the_victim(mine) == []
    await log_in_staff(admin_api, runtime)
    staff_copy = (await admin_api.data(EXPORT, {"c": contact_id}))["exportPersonalData"]
    assert staff_copy["errors"] == []
    assert _mentions_of_the_victim(staff_copy["data"]) == []


async def test_erasing_a_customer_leaves_the_owner_of_their_pending_address_alone(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await _victim_registers_and_activates(portal_api, runtime)
    contact_id = await _attacker_claims_the_victims_address(portal_api, runtime)
    async with runtime.database.transaction() as session:
        victim = await session.scalar(select(PortalUser).where(PortalUser.email == VICTIM))
        assert victim is not None
        victim_id = victim.id
        before = {
            (e.action, json.dumps(e.changes, sort_keys=True))
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.subject_id == victim_id)
            )
        }
    await log_in_staff(admin_api, runtime)
    erased = await admin_api.data(ERASE, {"c": contact_id})
    assert erased["eraseContact"]["errors"] == []
    async with runtime.database.transaction() as session:
        survivor = await session.get(PortalUser, victim_id)
        assert survivor is not None and survivor.first_name == "Viktor"
        templates = set(
            await session.scalars(
                select(OutboxMessage.template).where(OutboxMessage.to_address == VICTIM)
            )
        )
        after = {
            (e.action, json.dumps(e.changes, sort_keys=True))
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.subject_id == victim_id)
            )
        }
    assert "account_activation" in templates
    assert after == before


async def test_a_registration_nobody_activated_is_not_the_addresses_owners(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    """Someone registers under an address the business keeps for a customer and never proves
    it: what they typed is theirs, not the customer's (not in her export); her erasure still
    removes it, since it can only ever become the address owner's."""
    await log_in_staff(admin_api, runtime)
    created = await admin_api.data(
        'mutation C { createContact(input: {firstName: "Erika", lastName: "Muster", '
        'email: "erika@example.de", additionalEmails: ["erika.privat@example.de"]}) '
        "{ contact { id } errors { code } } }"
    )
    contact_id = created["createContact"]["contact"]["id"]
    form = registration(
        email="erika.privat@example.de", firstName="Viktor", lastName="Opfermann",
        existingCustomer=True, dateOfBirth="1971-04-02", phone="0176 5550999",
    )  # fmt: skip
    assert (await portal_api.data(REGISTER, form))["registerCustomer"]["accepted"]
    document = (await admin_api.data(EXPORT, {"c": contact_id}))["exportPersonalData"]["data"]
    assert document["pending_registrations"] == []
    assert [f for f in VICTIM_FACTS if f in json.dumps(document)] == []
    erased = await admin_api.data(ERASE, {"c": contact_id})
    assert erased["eraseContact"]["errors"] == []
    async with runtime.database.transaction() as session:
        left = await session.scalar(
            select(PortalUser.id).where(PortalUser.email == "erika.privat@example.de")
        )
    assert left is None


ACTIVATE_MANUALLY = """mutation A($u: ID!) { activatePortalUserManually(portalUserId: $u) {
  portalUser { mappingStatus pendingReason } errors { code } } }"""


async def test_a_manual_activation_proves_nothing_and_links_no_contact_by_its_address(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    """Someone registers with a customer's address they cannot read; support activates the
    account without the email link. The address is still unproven: matching must not hand
    them the customer's contact (staff choose a contact explicitly, or nobody does)."""
    await log_in_staff(admin_api, runtime)
    created = await admin_api.data(
        'mutation C { createContact(input: {firstName: "Erika", lastName: "Muster", '
        'email: "erika@example.de"}) { contact { id } errors { code } } }'
    )
    assert created["createContact"]["errors"] == []
    form = registration(email="erika@example.de", existingCustomer=True)
    assert (await portal_api.data(REGISTER, form))["registerCustomer"]["accepted"]
    async with runtime.database.transaction() as session:
        user_id = await session.scalar(
            select(PortalUser.id).where(PortalUser.email == "erika@example.de")
        )
    activated = await admin_api.data(ACTIVATE_MANUALLY, {"u": to_global_id("PortalUser", user_id)})
    assert activated["activatePortalUserManually"] == {
        "portalUser": {"mappingStatus": "PENDING", "pendingReason": "EMAIL_NOT_PROVEN"},
        "errors": [],
    }
    logged_in = await portal_api.data(
        "mutation L($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
        {"e": "erika@example.de", "p": form["input"]["password"]},
    )
    assert logged_in["logIn"]["token"] is None
