"""The event catalogue, table-driven: every state-changing mutation of the catalogue, through
HTTP (customer API, staff API, an import token), records exactly the listed events with the
listed actor, and nothing else. A last test checks that the table covers every event type."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from portal.app.runtime import Runtime
from portal.services.events import EventType, PayloadLevel, event_payload
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_PASSWORD,
    log_in_customer,
    log_in_staff,
    make_customer,
    reconfigure,
)
from tests.schema.admin.contact_documents import UPDATE, create
from tests.schema.admin.test_import_tokens import create_token, push
from tests.schema.events.recorded import EventLog
from tests.schema.portal.test_activation import ACTIVATE, activation_token
from tests.schema.portal.test_registration import REGISTER, registration

EMAIL = "kunde@example.de"
NEW_PASSWORD = "Ein-gutes-Passwort-2026"


@dataclass
class World:
    admin: GraphQLClient
    portal: GraphQLClient
    runtime: Runtime
    log: EventLog
    ids: dict[str, str] = field(default_factory=dict)

    async def staff(self, document: str, **variables: Any) -> dict[str, Any]:
        (payload,) = (await self.admin.data(document, variables)).values()
        assert not payload.get("errors"), payload
        result: dict[str, Any] = payload
        return result

    async def customer(self, document: str, **variables: Any) -> dict[str, Any]:
        (payload,) = (await self.portal.data(document, variables)).values()
        assert not payload.get("errors"), payload
        result: dict[str, Any] = payload
        return result

    async def linked_customer(self) -> tuple[str, str]:
        """A registered, activated portal user linked to a contact: (user id, contact id)."""
        user, contact = await make_customer(self.runtime, EMAIL)
        assert contact is not None
        return to_global_id("PortalUser", user.id), to_global_id("Contact", contact.id)

    async def pending_customer(self) -> str:
        user, _ = await make_customer(self.runtime, EMAIL, linked=False)
        return to_global_id("PortalUser", user.id)

    async def registered(self) -> None:
        await self.portal.data(REGISTER, registration(email=EMAIL))


def _field(name: str) -> str:
    return f"{name} {{ errors {{ code }} }}"


SUSPEND = "mutation S($u: ID!) { suspendPortalUser(portalUserId: $u) { errors { code } } }"
REACTIVATE_USER = (
    "mutation R($u: ID!) { reactivatePortalUser(portalUserId: $u) { errors { code } } }"
)
DELETE_USER = "mutation D($u: ID!) { deletePortalUser(portalUserId: $u) { errors { code } } }"
ASSIGN = """mutation A($u: ID!, $c: ID!) {
  assignPortalUser(portalUserId: $u, contactId: $c) { errors { code } } }"""
UNASSIGN = "mutation U($u: ID!) { unassignPortalUser(portalUserId: $u) { errors { code } } }"
ACTIVATE_MANUALLY = (
    "mutation M($u: ID!) { activatePortalUserManually(portalUserId: $u) { errors { code } } }"
)
INVITE = """mutation I($c: ID!) {
  inviteContact(contactId: $c, sendEmail: true) { setupUrl errors { code } } }"""
ACCEPT = """mutation A($t: String!, $p: String!) {
  acceptInvitation(token: $t, password: $p) { token errors { code field } } }"""
SET_PASSWORD = """mutation P($c: ID!) {
  setPortalUserPassword(contactId: $c, generate: true) { errors { code } } }"""
DELETE_ME = "mutation D($p: String!) { deleteMyAccount(password: $p) { errors { code } } }"
UPDATE_ME = """mutation U($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { errors { code } } }"""
NEWSLETTER_INVITE = (
    "mutation N($c: ID!) { sendNewsletterInvitation(contactId: $c) { errors { code } } }"
)
NEWSLETTER_CONFIRM = (
    "mutation N($c: ID!) { confirmNewsletterOptIn(contactId: $c) { errors { code } } }"
)
NEWSLETTER_REVOKE = (
    "mutation N($c: ID!) { revokeNewsletterOptIn(contactId: $c) { errors { code } } }"
)
IMPERSONATE = """mutation I($u: ID!, $mode: ImpersonationMode!) {
  startImpersonation(portalUserId: $u, reason: "Kunde ruft an wegen Rechnung", mode: $mode) {
    token impersonation { id } errors { code } } }"""
ENTER = "mutation E($t: String!) { startImpersonatedSession(token: $t) { token errors { code } } }"
REVOKE_IMPERSONATION = "mutation R($id: ID!) { revokeImpersonation(id: $id) { errors { code } } }"
DEACTIVATE = "mutation D($c: ID!) { deactivateContact(contactId: $c) { errors { code } } }"
REACTIVATE = "mutation R($c: ID!) { reactivateContact(contactId: $c) { errors { code } } }"
DELETE = "mutation X($c: ID!) { deleteContact(contactId: $c) { errors { code } } }"
MERGE = """mutation M($t: ID!, $s: [ID!]!) {
  mergeContacts(targetId: $t, sourceIds: $s) { errors { code } } }"""
ERASE = "mutation E($c: ID!) { eraseContact(contactId: $c) { errors { code } } }"

# --- the cases: a setup (its events are not asserted) and the mutation under test


async def register(w: World) -> None:
    await w.registered()


async def _activate(w: World) -> None:
    await w.customer(ACTIVATE, token=await activation_token(w.runtime, EMAIL))


async def activate_matching_email(w: World) -> None:
    await create(w.admin, lastName="Kunde", email=EMAIL)
    await w.registered()
    await w.log.new()
    await _activate(w)


async def activate_without_match(w: World) -> None:
    await w.registered()
    await w.log.new()
    await _activate(w)


async def activate_creating_a_contact(w: World) -> None:
    reconfigure(w.runtime, registration_policy="ALLOW_WITH_CONTACT_CREATION")
    await activate_without_match(w)


async def activate_registration_closed(w: World) -> None:
    reconfigure(w.runtime, registration_policy="DENY_NEW")
    await w.registered()
    await w.log.new()
    token = await activation_token(w.runtime, EMAIL)
    answer = await w.portal.data(ACTIVATE, {"token": token})
    assert answer["activateAccount"]["errors"][0]["code"] == "REGISTRATION_CLOSED"


async def update_my_profile(w: World) -> None:
    await w.linked_customer()
    await log_in_customer(w.portal, EMAIL)
    await w.log.new()
    await w.customer(UPDATE_ME, input={"city": "Bonn"})


async def update_my_profile_unchanged(w: World) -> None:
    await w.linked_customer()
    await log_in_customer(w.portal, EMAIL)
    await w.customer(UPDATE_ME, input={"city": "Bonn"})
    await w.log.new()
    await w.customer(UPDATE_ME, input={"city": "Bonn"})


async def delete_my_account(w: World) -> None:
    await w.linked_customer()
    await log_in_customer(w.portal, EMAIL)
    await w.log.new()
    await w.customer(DELETE_ME, p=CUSTOMER_PASSWORD)


async def assign(w: World) -> None:
    user = await w.pending_customer()
    contact = await create(w.admin, lastName="Kunde")
    await w.log.new()
    await w.staff(ASSIGN, u=user, c=contact["id"])


async def unassign(w: World) -> None:
    user, _ = await w.linked_customer()
    await w.log.new()
    await w.staff(UNASSIGN, u=user)


async def activate_manually(w: World) -> None:
    user, _ = await make_customer(w.runtime, EMAIL, linked=False, activated=False)
    await w.log.new()
    await w.staff(ACTIVATE_MANUALLY, u=to_global_id("PortalUser", user.id))


async def suspend(w: World) -> None:
    user, _ = await w.linked_customer()
    await w.log.new()
    await w.staff(SUSPEND, u=user)


async def reactivate_user(w: World) -> None:
    user, _ = await w.linked_customer()
    await w.staff(SUSPEND, u=user)
    await w.log.new()
    await w.staff(REACTIVATE_USER, u=user)


async def delete_user(w: World) -> None:
    user, _ = await w.linked_customer()
    await w.log.new()
    await w.staff(DELETE_USER, u=user)


async def invite(w: World) -> None:
    contact = await create(w.admin, lastName="Kunde", email=EMAIL)
    await w.log.new()
    w.ids["setupUrl"] = (await w.staff(INVITE, c=contact["id"]))["setupUrl"]


async def accept_invitation(w: World) -> None:
    await invite(w)
    token = parse_qs(urlparse(w.ids["setupUrl"]).query)["token"][0]
    await w.log.new()
    await w.customer(ACCEPT, t=token, p=NEW_PASSWORD)


async def set_password_by_staff(w: World) -> None:
    contact = await create(w.admin, lastName="Kunde", email=EMAIL)
    await w.log.new()
    await w.staff(SET_PASSWORD, c=contact["id"])


async def newsletter(w: World) -> None:
    contact = await create(w.admin, lastName="Kunde", email=EMAIL)
    await w.log.new()
    await w.staff(NEWSLETTER_INVITE, c=contact["id"])
    await w.staff(NEWSLETTER_CONFIRM, c=contact["id"])
    await w.staff(NEWSLETTER_REVOKE, c=contact["id"])


async def impersonation(w: World) -> None:
    user, _ = await w.linked_customer()
    await w.log.new()
    started = await w.staff(IMPERSONATE, u=user, mode="FULL")
    assert await w.log.types() == [], "a pending impersonation has not started"
    entered = await w.customer(ENTER, t=started["token"])
    w.portal.token = entered["token"]
    await w.customer(UPDATE_ME, input={"city": "Bonn"})
    await w.staff(REVOKE_IMPERSONATION, id=started["impersonation"]["id"])


async def staff_contact_lifecycle(w: World) -> None:
    contact = await create(w.admin, lastName="Kunde", email=EMAIL)
    change = {"id": contact["id"], "version": contact["version"], "city": "Bonn"}
    await w.staff(UPDATE, input=change)
    await w.staff(DEACTIVATE, c=contact["id"])
    await w.staff(REACTIVATE, c=contact["id"])
    await w.staff(DELETE, c=contact["id"])


async def merge_and_erase(w: World) -> None:
    target = await create(w.admin, lastName="Ziel")
    source = await create(w.admin, lastName="Quelle")
    await w.log.new()
    await w.staff(MERGE, t=target["id"], s=[source["id"]])
    await w.staff(ERASE, c=target["id"])


async def import_token(w: World) -> None:
    token = str((await create_token(w.admin))["token"])
    await w.log.new()
    csv = b"Nachname;E-Mail\nKunde;kunde@example.de\nZweite;zweite@example.de\n"
    response = await push(w.admin.http, token, csv)
    assert response.status_code == 200, response.text


Case = tuple[str, Callable[[World], Awaitable[None]], list[tuple[str, str]]]
CASES: list[Case] = [
    ("register", register, [("portal_user.registered", "customer")]),
    ("activate, one contact with the email", activate_matching_email,
     [("portal_user.activated", "customer"), ("portal_user.linked", "customer")]),
    ("activate, no contact (pending review)", activate_without_match,
     [("portal_user.activated", "customer"), ("portal_user.pending_review", "customer")]),
    ("activate, a contact created for the registrant", activate_creating_a_contact,
     [("portal_user.activated", "customer"), ("contact.created", "customer"),
      ("portal_user.linked", "customer")]),
    ("activate, registration closed", activate_registration_closed,
     [("portal_user.activated", "customer"), ("portal_user.deleted", "customer")]),
    ("customer updates the profile", update_my_profile, [("contact.updated", "customer")]),
    ("customer saves an unchanged profile", update_my_profile_unchanged, []),
    ("customer deletes the account", delete_my_account, [("portal_user.deleted", "customer")]),
    ("staff assign a contact", assign, [("portal_user.assigned", "staff")]),
    ("staff unassign", unassign, [("portal_user.pending_review", "staff")]),
    ("staff activate manually", activate_manually,
     [("portal_user.activated", "staff"), ("portal_user.pending_review", "staff")]),
    ("staff suspend", suspend, [("portal_user.suspended", "staff")]),
    ("staff reactivate", reactivate_user, [("portal_user.reactivated", "staff")]),
    ("staff delete the login", delete_user, [("portal_user.deleted", "staff")]),
    ("staff invite a contact", invite,
     [("portal_user.registered", "staff"), ("portal_user.linked", "staff"),
      ("invitation.sent", "staff")]),
    ("customer accepts the invitation", accept_invitation,
     [("invitation.accepted", "customer"), ("portal_user.activated", "customer")]),
    ("staff set a password", set_password_by_staff,
     [("portal_user.registered", "staff"), ("portal_user.linked", "staff"),
      ("portal_user.activated", "staff")]),
    ("newsletter consent", newsletter, [("consent.changed", "staff")] * 3),
    ("support session", impersonation,
     [("impersonation.started", "support"), ("contact.updated", "support"),
      ("impersonation.ended", "staff")]),
    ("staff contact lifecycle", staff_contact_lifecycle,
     [("contact.created", "staff"), ("contact.updated", "staff"),
      ("contact.deactivated", "staff"), ("contact.reactivated", "staff"),
      ("contact.deleted", "staff")]),
    ("merge and erase", merge_and_erase, [("contact.merged", "staff"), ("contact.erased", "staff")]),
    ("import token", import_token, [("contact.created", "import")] * 2),
]  # fmt: skip


@pytest.mark.parametrize(("name", "act", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_mutation_records_its_events(
    admin_api: GraphQLClient,
    portal_api: GraphQLClient,
    runtime: Runtime,
    name: str,
    act: Callable[[World], Awaitable[None]],
    expected: list[tuple[str, str]],
) -> None:
    await log_in_staff(admin_api, runtime)
    world = World(admin_api, portal_api, runtime, EventLog(runtime))
    await world.log.new()
    await act(world)
    events = await world.log.new()
    assert [(e.type, e.actor_type) for e in events] == expected
    for event in events:
        full = event_payload(event, PayloadLevel.CHANGED_FIELDS)
        body = json.dumps(full)
        for secret in ("$argon2", CUSTOMER_PASSWORD, NEW_PASSWORD, "Rechnung", *w_tokens(world)):
            assert secret not in body, (event.type, body)
        assert not [k for k in _keys(full) if re.search("password|token|hash|secret", k, re.I)]
        ids_only = event_payload(event, PayloadLevel.IDS)
        assert "changes" not in ids_only["data"]
        assert EMAIL not in json.dumps(ids_only), (event.type, ids_only)


def w_tokens(world: World) -> list[str]:
    """The setup link's token, if the case made one."""
    url = world.ids.get("setupUrl")
    return parse_qs(urlparse(url).query)["token"] if url else []


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_every_event_type_is_in_the_table() -> None:
    covered = {event for _name, _act, expected in CASES for event, _actor in expected}
    assert covered == {t.value for t in EventType}
