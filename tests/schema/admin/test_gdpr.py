"""GDPR access and erasure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import OutboxMessage
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, log_in_staff
from tests.schema.admin.contact_documents import create
from tests.schema.admin.database_search import leftovers, whole_database
from tests.schema.events.recorded import EventLog
from tests.schema.portal.test_activation import ACTIVATE, activation_token

EXPORT = "mutation E($c: ID!) { exportPersonalData(contactId: $c) { data errors { code } } }"
ERASE = "mutation X($c: ID!) { eraseContact(contactId: $c) { erasedContactId errors { code } } }"
RESOURCE = """mutation R {
  createResource(input: {kind: "meter", name: "Zähler 4711"}) { resource { id } errors { code } } }"""
ASSIGN = """mutation A($c: ID!, $r: ID!) { assignResource(contactId: $c, resourceId: $r,
  permissions: ["VIEW", "EDIT"]) { errors { code } } }"""
INVITE = """mutation I($c: ID!) { inviteContact(contactId: $c, sendEmail: true) {
  setupUrl errors { code } } }"""
ACCEPT = """mutation A($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) {
  token errors { code } } }"""
IMPERSONATE = """mutation S($c: ID!) { startImpersonationForContact(contactId: $c,
  reason: "Erika Mustermann fragt nach ihrer Rechnung", ticketReference: "T-Mustermann") {
  token errors { code } } }"""
REGISTER = """mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) {
  accepted errors { code } } }"""
EXPORT_CSV = """mutation C { exportContacts(filter: {search: "Mustermann"}, delivery: DOWNLOAD) {
  downloadUrl errors { code } } }"""

CUSTOMER_IP = "203.0.113.42"
CUSTOMER_AGENT = "Zitronenfalter-Browser/7.3"
# Everything that identifies Erika; none of it may survive her erasure, in any case or spelling.
SECRETS = (
    "erika.mustermann@example.de", "Erika.Privat@example.de", "erika.neu@example.de",
    "Mustermann", "Erika", "0221 5550123", "2215550123", "Geheimnotiz", "Köln",
    CUSTOMER_IP, CUSTOMER_AGENT,
)  # fmt: skip


@pytest.fixture
async def customer_api(app: Any) -> AsyncIterator[GraphQLClient]:
    """The customer's own browser: its own address and user agent, stored with the session."""
    transport = httpx.ASGITransport(app=app, client=(CUSTOMER_IP, 50123))
    headers = {"user-agent": CUSTOMER_AGENT}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        yield GraphQLClient(http, "/graphql")


async def _erika(
    admin_api: GraphQLClient, customer_api: GraphQLClient, portal_api: GraphQLClient,
    runtime: Runtime,
) -> str:  # fmt: skip
    """Erika with everything a person can leave behind; returns her contact's global id."""
    await log_in_staff(admin_api, runtime)
    fields = {"firstName": "Erika", "lastName": "Mustermann", "email": "erika.mustermann@example.de",
              "phone1": "0221 5550123", "notes": "Geheimnotiz",
              "additionalEmails": ["Erika.Privat@example.de"]}  # fmt: skip
    cid: str = (await create(admin_api, **fields))["id"]
    for document in (
        'mutation T($c: ID!) { addTags(contactId: $c, tags: ["VIP"]) { errors { code } } }',
        "mutation N($c: ID!) { sendNewsletterInvitation(contactId: $c) { errors { code } } }",
        'mutation C($c: ID!) { addContactNote(contactId: $c, text: "Mustermann rief an") '
        "{ errors { code } } }",
    ):
        result = await admin_api.data(document, {"c": cid})
        assert next(iter(result.values()))["errors"] == [], result
    resource = (await admin_api.data(RESOURCE))["createResource"]["resource"]
    assigned = await admin_api.data(ASSIGN, {"c": cid, "r": resource["id"]})
    assert assigned["assignResource"]["errors"] == []
    invited = (await admin_api.data(INVITE, {"c": cid}))["inviteContact"]
    assert invited["errors"] == []
    # She accepts in her own browser, moves and starts changing her address.
    token = parse_qs(urlparse(invited["setupUrl"]).query)["token"][0]
    accepted = await customer_api.data(ACCEPT, {"t": token, "p": CUSTOMER_PASSWORD})
    assert accepted["acceptInvitation"]["errors"] == []
    customer_api.token = accepted["acceptInvitation"]["token"]
    await customer_api.data(
        'mutation { updateMyProfile(input: {city: "Köln"}) { errors { code } } }'
    )
    change = await customer_api.data(
        "mutation C($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) "
        "{ errors { code } } }",
        {"e": "erika.neu@example.de", "p": CUSTOMER_PASSWORD},
    )
    assert change["requestEmailChange"]["errors"] == []
    # Support looks at her account.
    started = (await admin_api.data(IMPERSONATE, {"c": cid}))["startImpersonationForContact"]
    assert started["errors"] == [], started
    redeemed = await portal_api.data(
        "mutation R($t: String!) { startImpersonatedSession(token: $t) { errors { code } } }",
        {"t": started["token"]},
    )
    assert redeemed["startImpersonatedSession"]["errors"] == []
    portal_api.http.cookies.clear()  # support's browser is done
    # A second registration with her private address, proven and waiting (linked to no
    # contact: hers has a login already).
    registration = {"email": "Erika.Privat@example.de", "password": "Sonnenblume-2027",
                    "firstName": "Erika", "lastName": "Mustermann", "existingCustomer": True,
                    "acceptTerms": True}  # fmt: skip
    registered = await portal_api.data(REGISTER, {"input": registration})
    assert registered["registerCustomer"] == {"accepted": True, "errors": []}
    token = await activation_token(runtime, "Erika.Privat@example.de")
    activated = (await portal_api.data(ACTIVATE, {"token": token}))["activateAccount"]
    assert activated["outcome"] == "PENDING_REVIEW", activated
    # Staff searched for her to export a list.
    exported = await admin_api.data(EXPORT_CSV)
    assert exported["exportContacts"]["errors"] == []
    return cid


async def test_export_is_complete(
    admin_api: GraphQLClient, customer_api: GraphQLClient, portal_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    cid = await _erika(admin_api, customer_api, portal_api, runtime)
    document = (await admin_api.data(EXPORT, {"c": cid}))["exportPersonalData"]["data"]
    assert document["contact"]["last_name"] == "Mustermann"
    assert document["contact"]["city"] == "Köln"
    assert [e["email"] for e in document["additional_emails"]] == ["Erika.Privat@example.de"]
    assert document["tags"] == ["VIP"]
    assert document["resources"] == [
        {"resource": "Zähler 4711", "kind": "meter", "permissions": ["EDIT", "VIEW"]}
    ]
    user = document["portal_user"]
    assert (user["email"], user["pending_email"]) == (
        "erika.mustermann@example.de",
        "erika.neu@example.de",
    )
    assert "password_hash" not in user and "email_change_jti" not in user
    assert {e["kind"] for e in document["consent_events"]} == {"invited"}
    assert any(h["description"] == "Mustermann rief an" for h in document["history"])
    assert len(document["invitations"]) == 1
    assert "nonce_hash" not in document["invitations"][0]
    assert [s["reason"] for s in document["support_sessions"]] == [
        "Erika Mustermann fragt nach ihrer Rechnung"
    ]
    assert document["support_sessions"][0]["started_at"]
    # Her session and the support session on her account.
    assert {s["ip_address"] for s in document["sessions"]} >= {CUSTOMER_IP}
    assert {s["user_agent"] for s in document["sessions"]} >= {CUSTOMER_AGENT}
    templates = {m["template"] for m in document["emails_sent"]}
    assert templates >= {"newsletter_opt_in", "invitation", "email_change_confirmation"}
    assert [(u["email"], u["last_name"]) for u in document["pending_registrations"]] == [
        ("Erika.Privat@example.de", "Mustermann")
    ]
    actions = {a["action"] for a in document["audit_entries"]}
    assert actions >= {"contact.update", "impersonation.start", "resource.assign"}


def _without_staff_identities(document: dict[str, Any]) -> dict[str, Any]:
    """The staff export as the customer must get it: who on the staff did it is left out."""
    mine = json.loads(json.dumps(document))
    for key in ("audit_entries", "history"):
        for row in mine[key]:
            if row["actor_type"] != "customer":
                for name in ("actor_id", "actor_name", "ip_address"):
                    row.pop(name, None)
                row.get("changes", {}).pop("staff", None)
    for row in mine["invitations"]:
        row.pop("created_by")
    for row in mine["support_sessions"]:
        row.pop("staff_name")
    # Where support's session and the staff console's newsletter invitation came from.
    for row in mine["sessions"]:
        if row["impersonation_id"]:
            row.update(ip_address=None, user_agent=None)
    for row in mine["consent_events"]:
        if row["source"] == "staff console":
            row.update(ip_address=None, user_agent=None)
    return mine


async def test_my_export_is_the_staff_export_without_staff_identities(
    admin_api: GraphQLClient, customer_api: GraphQLClient, portal_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    cid = await _erika(admin_api, customer_api, portal_api, runtime)
    mine = (await customer_api.data("{ exportMyData }"))["exportMyData"]
    document = (await admin_api.data(EXPORT, {"c": cid}))["exportPersonalData"]["data"]
    assert mine == _without_staff_identities(document)
    staff_rows = [a for a in mine["audit_entries"] if a["actor_type"] == "staff"]
    assert staff_rows and all(
        "actor_name" not in a and "actor_id" not in a and "ip_address" not in a for a in staff_rows
    )
    assert {a["action"] for a in staff_rows} >= {"contact.create", "impersonation.start"}
    own = [a for a in mine["audit_entries"] if a["actor_type"] == "customer"]
    assert own and all(a["ip_address"] == CUSTOMER_IP for a in own)
    assert "admin@example.com" not in json.dumps(mine)
    assert "127.0.0.1" in json.dumps(document) and "127.0.0.1" not in json.dumps(mine)


async def test_erasure_is_thorough(
    admin_api: GraphQLClient, customer_api: GraphQLClient, portal_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    cid = await _erika(admin_api, customer_api, portal_api, runtime)
    assert (await admin_api.data(EXPORT, {"c": cid}))["exportPersonalData"]["errors"] == []
    assert leftovers(await whole_database(runtime), SECRETS) == list(SECRETS)
    log = EventLog(runtime)
    await log.new()
    erased = await admin_api.data(ERASE, {"c": cid})
    assert erased["eraseContact"] == {"erasedContactId": cid, "errors": []}
    assert leftovers(await whole_database(runtime), SECRETS) == []
    # Followers learn of it: the contact, her login and her waiting registration.
    assert sorted(await log.types()) == [
        "contact.erased", "portal_user.deleted", "portal_user.deleted",
    ]  # fmt: skip
    assert (await customer_api("{ viewer { email } }"))["errors"][0]["extensions"][
        "code"
    ] == "UNAUTHENTICATED"


async def test_erasure_leaves_other_peoples_emails_alone(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    ids = {}
    # "_" is a LIKE wildcard: a_b must not take axb's invitation (address and context) with it.
    for email in ("A_B@Example.de", "axb@example.de", "a_b@example.de.example"):
        created = await admin_api.data(
            'mutation C($e: String!) { createContact(input: {lastName: "Nachbar", email: $e}) '
            "{ contact { id } errors { code } } }",
            {"e": email},
        )
        ids[email] = created["createContact"]["contact"]["id"]
        invited = await admin_api.data(INVITE, {"c": ids[email]})
        assert invited["inviteContact"]["errors"] == []
    await admin_api.data(ERASE, {"c": ids["A_B@Example.de"]})
    async with runtime.database.transaction() as session:
        left = set(await session.scalars(select(OutboxMessage.to_address)))
    assert left == {"axb@example.de", "a_b@example.de.example"}
