"""Staff never hold a customer's credential (issue 16, item 6).

Support could delete a customer's portal user, generate a new password with
``setPortalUserPassword`` and log in with it as an ordinary session, turning a time-boxed,
audited impersonation into the customer's account. Setting a password for a contact who has or
had a login is refused for support; an administrator may, audited, with the customer emailed,
and every session such a password opens is marked staff-created.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, Contact, OutboxMessage, PortalSession, PortalUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, log_in_staff, make_customer

SET_PASSWORD = """mutation P($c: ID!) { setPortalUserPassword(contactId: $c, generate: true) {
  ok generatedPassword errors { code field } } }"""
DELETE_USER = """mutation D($u: ID!) { deletePortalUser(portalUserId: $u) {
  deletedPortalUserId errors { code } } }"""
LOG_IN = """mutation L($e: String!, $p: String!) { logIn(email: $e, password: $p) {
  token errors { code } } }"""


async def _log_in(portal_api: GraphQLClient, email: str, password: str) -> str | None:
    answer = await portal_api.data(LOG_IN, {"e": email, "p": password})
    token: str | None = answer["logIn"]["token"]
    return token


async def _set_password(admin_api: GraphQLClient, contact: Contact) -> dict[str, Any]:
    answer = await admin_api.data(SET_PASSWORD, {"c": to_global_id("Contact", contact.id)})
    result: dict[str, Any] = answer["setPortalUserPassword"]
    return result


async def test_support_cannot_set_the_password_of_a_customer_with_a_login(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    _, contact = await make_customer(runtime)
    assert contact is not None
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    answer = await _set_password(admin_api, contact)
    assert answer == {
        "ok": False,
        "generatedPassword": None,
        "errors": [{"code": "CUSTOMER_HAS_LOGIN", "field": "contactId"}],
    }
    assert await _log_in(portal_api, "kunde@example.de", CUSTOMER_PASSWORD)


async def test_support_cannot_delete_a_login_and_set_a_new_password(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """The review's path: delete the portal user, then generate a password for the contact."""
    user, contact = await make_customer(runtime)
    assert contact is not None
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    deleted = await admin_api.data(DELETE_USER, {"u": to_global_id("PortalUser", user.id)})
    assert deleted["deletePortalUser"]["errors"] == []
    assert (await _set_password(admin_api, contact))["errors"] == [
        {"code": "CUSTOMER_HAS_LOGIN", "field": "contactId"}
    ]
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(PortalUser.id)) is None


async def test_an_admin_may_audited_the_customer_is_emailed_and_the_session_is_marked(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)
    assert contact is not None
    async with runtime.database.transaction() as session:
        row = await session.get(Contact, contact.id)
        assert row is not None
        row.formality = "informal"
    await log_in_staff(admin_api, runtime)
    answer = await admin_api.data(SET_PASSWORD, {"c": to_global_id("Contact", contact.id)})
    assert answer["setPortalUserPassword"]["errors"] == []
    password = answer["setPortalUserPassword"]["generatedPassword"]
    assert password
    assert not await _log_in(portal_api, "kunde@example.de", CUSTOMER_PASSWORD)
    assert await _log_in(portal_api, "kunde@example.de", password)
    async with runtime.database.transaction() as session:
        notices = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "password_set_by_staff")
            )
        ).all()
        assert [(m.to_address, m.language, m.formality, m.contact_id) for m in notices] == [
            ("kunde@example.de", "de", "informal", contact.id)
        ]
        audited = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "portal_user.set_password")
            )
        ).all()
        assert [(a.subject_id, a.changes) for a in audited] == [
            (user.id, {"generated": True, "customer_had_login": True})
        ]
        sessions = (await session.scalars(select(PortalSession))).all()
        assert [s.staff_created for s in sessions] == [True]


async def test_support_may_set_up_a_contact_that_never_had_a_login(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """The documented use stays: instead of an invitation, support hands over a first
    password. The session it opens is still staff-created, until the customer chooses their
    own password."""
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    created = await admin_api.data(
        'mutation C { createContact(input: {firstName: "Nina", lastName: "Neu", '
        'email: "nina@example.de"}) { contact { id } errors { code } } }'
    )
    contact_id = created["createContact"]["contact"]["id"]
    answer = await admin_api.data(SET_PASSWORD, {"c": contact_id})
    assert answer["setPortalUserPassword"]["errors"] == []
    password = answer["setPortalUserPassword"]["generatedPassword"]
    portal_api.token = await _log_in(portal_api, "nina@example.de", password)
    assert portal_api.token
    changed = await portal_api.data(
        "mutation C($o: String!, $n: String!) { changePassword(currentPassword: $o, "
        "newPassword: $n) { token errors { code } } }",
        {"o": password, "n": "Eigenes-Passwort-2027"},
    )
    assert changed["changePassword"]["errors"] == []
    assert await _log_in(portal_api, "nina@example.de", "Eigenes-Passwort-2027")
    async with runtime.database.transaction() as session:
        marks = (
            await session.scalars(
                select(PortalSession.staff_created).order_by(PortalSession.created_at)
            )
        ).all()
    # The first login with staff's password, then the rotated and the next session: her own.
    assert marks[0] is True and marks[1:] == [False, False]
    # Now she has a login of her own: support may not replace it.
    again = await admin_api.data(SET_PASSWORD, {"c": contact_id})
    assert again["setPortalUserPassword"]["errors"][0]["code"] == "CUSTOMER_HAS_LOGIN"
