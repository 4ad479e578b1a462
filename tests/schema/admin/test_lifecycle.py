"""Client lifecycle: resources and permissions, invitations, status, access control."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select, text

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.email.backends import MemoryBackend
from portal.email.delivery import deliver_due
from portal.models import Base, Invitation, OutboxMessage, PortalUser, ResourceAssignment
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, log_in_staff, relog_in_staff
from tests.schema.admin.contact_documents import create, names

PASSWORD = "Mein-neues-Portal-2026"
RESOURCE = "mutation R($input: ResourceInput!) { createResource(input: $input) { resource { id name } errors { code field } } }"
ASSIGN = """mutation A($c: ID!, $r: ID!, $p: [String!]!) {
  assignResource(contactId: $c, resourceId: $r, permissions: $p) { grant { permissions } errors { code field message } } }"""
UPDATE_PERMS = """mutation U($c: ID!, $r: ID!, $p: [String!]!) {
  updateResourcePermissions(contactId: $c, resourceId: $r, permissions: $p) { grant { permissions } errors { code } } }"""
UNASSIGN = "mutation X($c: ID!, $r: ID!) { unassignResource(contactId: $c, resourceId: $r) { warning errors { code } } }"
INVITE = """mutation I($c: ID!, $send: Boolean!) {
  inviteContact(contactId: $c, sendEmail: $send) { setupUrl invitation { id status expiresAt } errors { code } } }"""
ACCEPT = """mutation A($t: String!, $p: String!) {
  acceptInvitation(token: $t, password: $p) { token viewer { email mappingStatus } errors { code field } } }"""
STATUS = "query S($id: ID!) { contact(id: $id) { portalStatus } }"


def setup_token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def data(api: GraphQLClient, document: str, **variables: Any) -> dict[str, Any]:
    (payload,) = (await api.data(document, variables)).values()
    result: dict[str, Any] = payload
    return result


async def resource(api: GraphQLClient, name: str, **fields: str) -> str:
    created = await data(api, RESOURCE, input={"kind": "website", "name": name, **fields})
    assert created["errors"] == []
    return str(created["resource"]["id"])


async def test_permission_vocabulary_and_dependencies(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Rechte")
    site = await resource(admin_api, "Shop", alias="Hauptseite", url="shop.example.de")
    blog = await resource(admin_api, "Blog")
    missing = await data(admin_api, ASSIGN, c=contact["id"], r=site, p=["VIEW", "PUBLISH"])
    assert missing["errors"][0]["code"] == "PERMISSION_DEPENDENCY"
    assert "PUBLISH requires EDIT" in missing["errors"][0]["message"]
    unknown = await data(admin_api, ASSIGN, c=contact["id"], r=site, p=["FLY"])
    assert unknown["errors"][0]["code"] == "UNKNOWN_PERMISSION"
    ok = await data(
        admin_api, ASSIGN, c=contact["id"], r=site, p=["publish", "EDIT", "VIEW", "VIEW"]
    )
    assert ok == {"grant": {"permissions": ["EDIT", "PUBLISH", "VIEW"]}, "errors": []}
    assert (await data(admin_api, ASSIGN, c=contact["id"], r=blog, p=["VIEW"]))["errors"] == []
    again = await data(admin_api, ASSIGN, c=contact["id"], r=site, p=["VIEW"])
    assert again["errors"][0]["code"] == "ALREADY_ASSIGNED"
    replaced = await data(admin_api, UPDATE_PERMS, c=contact["id"], r=site, p=["VIEW", "STATS"])
    assert replaced["grant"]["permissions"] == ["STATS", "VIEW"]
    grants = await admin_api.data(
        "query G($c: ID!) { contactResources(contactId: $c) { resource { name } permissions } }",
        {"c": contact["id"]},
    )
    assert grants["contactResources"] == [
        {"resource": {"name": "Blog"}, "permissions": ["VIEW"]},
        {"resource": {"name": "Shop"}, "permissions": ["STATS", "VIEW"]},
    ]
    found = await admin_api.data(
        'query { resources(search: "SHOP.example") { edges { node { name } } } }'
    )
    assert found["resources"]["edges"] == [{"node": {"name": "Shop"}}]
    by_alias = await admin_api.data('query { resources(search: "hauptseite") { totalCount } }')
    assert by_alias["resources"]["totalCount"] == 1
    assert (await data(admin_api, UNASSIGN, c=contact["id"], r=blog))["warning"] is None
    assert (await data(admin_api, UNASSIGN, c=contact["id"], r=site))[
        "warning"
    ] == "NO_RESOURCES_LEFT"


async def test_status_moves_with_the_facts_and_the_filter_follows(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(
        admin_api, firstName="Lena", lastName="Lebenslauf", email="lena@example.de", language="en"
    )

    async def status() -> str:
        return str((await admin_api.data(STATUS, {"id": contact["id"]}))["contact"]["portalStatus"])

    assert await status() == "PROSPECT"
    site = await resource(admin_api, "Vertrag 42")
    await data(admin_api, ASSIGN, c=contact["id"], r=site, p=["VIEW"])
    assert await status() == "RESOURCE_ASSIGNED"
    assert await names(admin_api, filter={"status": "RESOURCE_ASSIGNED"}) == ["Lebenslauf"]
    invited = await data(admin_api, INVITE, c=contact["id"], send=True)
    assert invited["errors"] == []
    assert await status() == "INVITED"
    response = await portal_api.post(ACCEPT, {"t": setup_token(invited["setupUrl"]), "p": PASSWORD})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    accepted = response.json()["data"]["acceptInvitation"]
    assert accepted["errors"] == []
    assert accepted["viewer"] == {"email": "lena@example.de", "mappingStatus": "ASSIGNED"}
    assert await status() == "ACTIVE"
    portal_api.token = accepted["token"]
    mine = await portal_api.data(
        "{ viewer { resources { resource { name } permissions } permissions } }"
    )
    assert mine["viewer"]["resources"] == [
        {"resource": {"name": "Vertrag 42"}, "permissions": ["VIEW"]}
    ]
    # A newly assigned resource appears without a new invitation.
    await data(
        admin_api, ASSIGN, c=contact["id"], r=await resource(admin_api, "Zähler 7"), p=["VIEW"]
    )
    mine = await portal_api.data("{ viewer { resources { resource { name } } } }")
    assert [r["resource"]["name"] for r in mine["viewer"]["resources"]] == [
        "Vertrag 42",
        "Zähler 7",
    ]

    suspended = await data(
        admin_api,
        "mutation S($c: ID!) { suspendContactAccess(contactId: $c) { ok errors { code } } }",
        c=contact["id"],
    )
    assert suspended == {"ok": True, "errors": []}
    assert await status() == "SUSPENDED"
    assert await names(admin_api, filter={"status": "SUSPENDED"}) == ["Lebenslauf"]
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "lena@example.de", "password": PASSWORD}
    )
    assert login["logIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    await data(
        admin_api,
        "mutation R($c: ID!) { reactivateContactAccess(contactId: $c) { ok } }",
        c=contact["id"],
    )
    # Reactivation does not revive the old session.
    assert (await portal_api("{ viewer { email } }"))["errors"][0]["extensions"][
        "code"
    ] == "UNAUTHENTICATED"
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "lena@example.de", "password": PASSWORD}
    )
    assert login["logIn"]["token"]
    async with runtime.database.transaction() as session:
        mail = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "invitation")
        )
    assert mail is not None
    assert (mail.language, mail.context["username"]) == ("en", "lena@example.de")


async def test_invitation_links_are_single_use_hashed_and_expire_after_30_days(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Einmal", email="einmal@example.de")
    first = await data(admin_api, INVITE, c=contact["id"], send=False)
    second = await data(admin_api, INVITE, c=contact["id"], send=False)
    old, new = setup_token(first["setupUrl"]), setup_token(second["setupUrl"])
    # Only hashes are stored.
    async with runtime.database.transaction() as session:
        stored = [i.nonce_hash for i in await session.scalars(select(Invitation))]
    assert all(old.split(".")[1] not in h and new.split(".")[1] not in h for h in stored)
    replaced = await data(portal_api, ACCEPT, t=old, p=PASSWORD)
    assert replaced["errors"] == [{"code": "INVALID_TOKEN", "field": "token"}]
    weak = await data(portal_api, ACCEPT, t=new, p="kurz")
    assert weak["errors"] == [{"code": "PASSWORD_TOO_SHORT", "field": "password"}]
    clock.advance(timedelta(days=30, seconds=1))
    expired = await data(portal_api, ACCEPT, t=new, p=PASSWORD)
    assert expired["errors"] == [{"code": "TOKEN_EXPIRED", "field": "token"}]
    await relog_in_staff(admin_api)
    listed = await admin_api.data("{ invitations(status: EXPIRED) { nodes { email status } } }")
    assert listed["invitations"]["nodes"] == [{"email": "einmal@example.de", "status": "EXPIRED"}]

    third = setup_token((await data(admin_api, INVITE, c=contact["id"], send=False))["setupUrl"])
    clock.advance(timedelta(days=29))
    await relog_in_staff(admin_api)
    assert (await data(portal_api, ACCEPT, t=third, p=PASSWORD))["errors"] == []
    used = await data(portal_api, ACCEPT, t=third, p=PASSWORD)
    assert used["errors"] == [{"code": "TOKEN_USED", "field": "token"}]
    accepted = await admin_api.data("{ invitations(status: ACCEPTED) { nodes { status } } }")
    assert accepted["invitations"]["nodes"] == [{"status": "ACCEPTED"}]
    refused = await data(admin_api, INVITE, c=contact["id"], send=False)
    assert refused["errors"] == [{"code": "ALREADY_ACTIVE"}]


async def whole_database(runtime: Runtime) -> str:
    """Every row of every table as text: what a database dump would show."""
    dump = []
    async with runtime.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            dump.append(f"{table.name}: {rows!r}")
    return "\n".join(dump)


async def test_a_database_dump_holds_no_usable_setup_link(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Dump", email="dump@example.de")
    invited = await data(admin_api, INVITE, c=contact["id"], send=True)
    token = setup_token(invited["setupUrl"])
    nonce = token.split(".")[1]
    # Queued, not yet sent: the outbox holds the link sealed.
    assert nonce not in await whole_database(runtime)
    assert (await deliver_due(runtime.mailer)).sent == 1
    assert isinstance(runtime.mailer.backend, MemoryBackend)
    (mail,) = runtime.mailer.backend.sent
    html, plain = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html is not None and plain is not None
    assert invited["setupUrl"] in plain.get_content()
    assert invited["setupUrl"].replace("&", "&amp;") in html.get_content()
    # Sent: the link is gone from the outbox, sealed or not; a marker says there was one.
    dump = await whole_database(runtime)
    assert nonce not in dump and token not in dump
    async with runtime.database.transaction() as session:
        row = await session.scalar(select(OutboxMessage))
    assert row is not None and row.context["setup_url"] == {"removed": "after delivery"}
    # The emailed link works.
    accepted = await data(portal_api, ACCEPT, t=token, p=PASSWORD)
    assert accepted["errors"] == []
    resend = await admin_api.data(
        "mutation R($id: ID!) { resendOutboxMessage(id: $id) { errors { code } } }",
        {"id": to_global_id("OutboxMessage", row.id)},
    )
    assert resend["resendOutboxMessage"]["errors"] == [{"code": "NOT_RESENDABLE"}]


async def test_resend_revoke_and_preview(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, salutation="Herr", lastName="Vorschau", email="v@example.de")
    preview = await admin_api.data(
        "query P($c: ID!) { previewInvitation(contactId: $c) { subject text toAddress } }",
        {"c": contact["id"]},
    )
    assert preview["previewInvitation"]["subject"] == "Ihre Einladung zu Customer Portal"
    assert preview["previewInvitation"]["text"].startswith("Sehr geehrter Herr Vorschau,")
    first = await data(admin_api, INVITE, c=contact["id"], send=False)
    resent = await data(
        admin_api,
        "mutation R($i: ID!) { resendInvitation(invitationId: $i) { setupUrl errors { code } } }",
        i=first["invitation"]["id"],
    )
    assert (await data(portal_api, ACCEPT, t=setup_token(first["setupUrl"]), p=PASSWORD))["errors"][
        0
    ]["code"] == "INVALID_TOKEN"
    pending = await admin_api.data("{ invitations(status: PENDING) { nodes { id } } }")
    (latest,) = pending["invitations"]["nodes"]
    revoked = await data(
        admin_api,
        "mutation X($i: ID!) { revokeInvitation(invitationId: $i) { ok errors { code } } }",
        i=latest["id"],
    )
    assert revoked == {"ok": True, "errors": []}
    assert (await data(portal_api, ACCEPT, t=setup_token(resent["setupUrl"]), p=PASSWORD))[
        "errors"
    ][0]["code"] == "INVALID_TOKEN"
    async with runtime.database.transaction() as session:
        mails = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "invitation")
        )
    assert mails == 1  # only the resend was emailed
    reasons = await admin_api.data(
        "{ invitations(status: REVOKED) { nodes { id revokedReason } } }"
    )
    assert sorted(n["revokedReason"] for n in reasons["invitations"]["nodes"]) == [
        "REPLACED",
        "STAFF",
    ]


async def test_suspension_voids_open_invitations(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Gesperrt", email="gesperrt@example.de")
    token = setup_token((await data(admin_api, INVITE, c=contact["id"], send=False))["setupUrl"])
    await data(
        admin_api,
        "mutation S($c: ID!) { suspendContactAccess(contactId: $c) { ok } }",
        c=contact["id"],
    )
    assert (await data(portal_api, ACCEPT, t=token, p=PASSWORD))["errors"][0][
        "code"
    ] == "INVALID_TOKEN"
    voided = await admin_api.data("{ invitations { nodes { status revokedReason } } }")
    assert voided["invitations"]["nodes"] == [{"status": "REVOKED", "revokedReason": "SUSPENDED"}]


async def test_staff_may_set_or_generate_a_password(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Direkt", email="direkt@example.de")
    generated = await data(
        admin_api,
        "mutation P($c: ID!) { setPortalUserPassword(contactId: $c, generate: true) { ok generatedPassword errors { code } } }",
        c=contact["id"],
    )
    password = generated["generatedPassword"]
    assert generated["ok"] and len(password) >= 16
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "direkt@example.de", "password": password}
    )
    assert login["logIn"]["token"]


async def test_request_new_invitation_answers_alike_and_follows_the_setting(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    await admin_api.data(
        'mutation { updatePortalSettings(input: {pendingReviewNotify: ["team@example.com"]}) { errors { code } } }'
    )
    contact = await create(admin_api, lastName="Spät", email="spaet@example.de")
    await data(admin_api, INVITE, c=contact["id"], send=False)
    clock.advance(timedelta(days=31))
    request = (
        "mutation R($e: String!) { requestNewInvitation(email: $e) { accepted errors { code } } }"
    )
    known = await portal_api.post(request, {"e": "spaet@example.de"})
    unknown = await portal_api.post(request, {"e": "wer@example.de"})
    assert known.content == unknown.content
    async with runtime.database.transaction() as session:
        notices = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "staff_pending_review")
            )
        )
    assert [(n.to_address, n.context["reason"]) for n in notices] == [
        ("team@example.com", "INVITATION_REQUESTED")
    ]
    await relog_in_staff(admin_api)
    await admin_api.data(
        "mutation { updatePortalSettings(input: {invitationRequestPolicy: SEND_NEW_LINK}) { errors { code } } }"
    )
    await portal_api.post(request, {"e": "spaet@example.de"})
    async with runtime.database.transaction() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "invitation")
        )
    assert sent == 1


async def test_delete_contact_removes_user_invitations_and_assignments(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Weg", email="weg@example.de")
    await data(
        admin_api, ASSIGN, c=contact["id"], r=await resource(admin_api, "Projekt"), p=["VIEW"]
    )
    await data(admin_api, INVITE, c=contact["id"], send=True)
    await data(
        admin_api,
        "mutation D($c: ID!) { deleteContact(contactId: $c) { errors { code } } }",
        c=contact["id"],
    )
    async with runtime.database.transaction() as session:
        for model in (PortalUser, Invitation, ResourceAssignment):
            assert await session.scalar(select(func.count()).select_from(model)) == 0, model


def assert_not_kept(response: Any) -> None:
    """The answer may hold a session token or tell about a link: no cache keeps it, and no
    Referer carries the page's setup link onwards."""
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store", response.text
    assert response.headers["referrer-policy"] == "no-referrer", response.text


async def test_every_invitation_answer_is_no_store_and_no_referrer(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Kopf", email="kopf@example.de")
    token = setup_token((await data(admin_api, INVITE, c=contact["id"], send=False))["setupUrl"])
    answers = {
        "INVALID_TOKEN": await portal_api.post(ACCEPT, {"t": "kaputt.nonce", "p": PASSWORD}),
        "PASSWORD_TOO_SHORT": await portal_api.post(ACCEPT, {"t": token, "p": "kurz"}),
        None: await portal_api.post(ACCEPT, {"t": token, "p": PASSWORD}),
        "TOKEN_USED": await portal_api.post(ACCEPT, {"t": token, "p": PASSWORD}),
    }
    for expected, response in answers.items():
        assert_not_kept(response)
        errors = response.json()["data"]["acceptInvitation"]["errors"]
        assert [e["code"] for e in errors] == ([expected] if expected else [])
    await relog_in_staff(admin_api)
    other = await create(admin_api, lastName="Spaet", email="spaet@example.de")
    late = setup_token((await data(admin_api, INVITE, c=other["id"], send=False))["setupUrl"])
    clock.advance(timedelta(days=31))
    expired = await portal_api.post(ACCEPT, {"t": late, "p": PASSWORD})
    assert_not_kept(expired)
    assert expired.json()["data"]["acceptInvitation"]["errors"][0]["code"] == "TOKEN_EXPIRED"

    request = "mutation R($e: String!) { requestNewInvitation(email: $e) { accepted } }"
    portal_api.token = None
    for email in ["spaet@example.de", "niemand@example.de", "x" * 300] + ["a@example.de"] * 11:
        response = await portal_api.post(request, {"e": email})  # the last ones over the limit
        assert_not_kept(response)
        assert response.json() == {"data": {"requestNewInvitation": {"accepted": True}}}


INVITATIONS = """
query L($status: InvitationStatus, $c: ID, $first: Int, $after: String) {
  invitations(status: $status, contactId: $c, first: $first, after: $after) {
    nodes { email status } totalCount pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_invitations_list_filters_and_pages_in_sql(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    anna = await create(admin_api, lastName="Anna", email="anna@example.de")
    bernd = await create(admin_api, lastName="Bernd", email="bernd@example.de")
    for _ in range(3):  # each invitation voids the one before
        await data(admin_api, INVITE, c=anna["id"], send=False)
        clock.advance(timedelta(minutes=1))
    await data(admin_api, INVITE, c=bernd["id"], send=False)
    await relog_in_staff(admin_api)

    seen: list[dict[str, str]] = []
    after = None
    while True:
        page = (await admin_api.data(INVITATIONS, {"first": 1, "after": after}))["invitations"]
        assert page["totalCount"] == 4
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [
        {"email": "bernd@example.de", "status": "PENDING"},
        {"email": "anna@example.de", "status": "PENDING"},
        {"email": "anna@example.de", "status": "REVOKED"},
        {"email": "anna@example.de", "status": "REVOKED"},
    ]
    revoked = await admin_api.data(INVITATIONS, {"status": "REVOKED", "c": anna["id"]})
    assert revoked["invitations"]["totalCount"] == 2
    pending = await admin_api.data(INVITATIONS, {"status": "PENDING", "c": anna["id"]})
    assert pending["invitations"]["nodes"] == [{"email": "anna@example.de", "status": "PENDING"}]
    clock.advance(timedelta(days=31))
    await relog_in_staff(admin_api)
    expired = await admin_api.data(INVITATIONS, {"status": "EXPIRED"})
    assert expired["invitations"]["totalCount"] == 2
    nobody = await admin_api.data(INVITATIONS, {"c": to_global_id("PortalUser", anna["id"])})
    assert nobody["invitations"]["nodes"] == []
