"""Staff administration through HTTP: invitations, roles, deactivation, deletion, the last
admin, and support trying admin-only operations."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import (
    AuditEntry,
    Impersonation,
    OutboxMessage,
    PortalSession,
    StaffInvitation,
    StaffSession,
    StaffUser,
)
from schema.common.ids import from_global_id, to_global_id
from tests.conftest import GraphQLClient
from tests.factories import (
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    link_in,
    log_in_staff,
    make_customer,
    make_staff,
)
from tests.schema.test_impersonation import enter, start

NEW_PASSWORD = "Mein eigenes Passwort 2026"
STAFF_FIELDS = "id email displayName role state language formality deactivatedAt"
INVITE = f"""mutation I($input: InviteStaffUserInput!) {{
  inviteStaffUser(input: $input) {{ staffUser {{ {STAFF_FIELDS} }} errors {{ code field message }} }}
}}"""
ACCEPT = """mutation A($t: String!, $p: String!) {
  acceptStaffInvitation(token: $t, password: $p) { staffUser { email state } errors { code field } }
}"""
RESEND = "mutation R($id: ID!) { resendStaffInvitation(id: $id) { errors { code } } }"
CHANGE_ROLE = """mutation C($id: ID!, $role: StaffRole!) {
  changeStaffUserRole(id: $id, role: $role) { staffUser { role } errors { code field } } }"""
DEACTIVATE = """mutation D($id: ID!) {
  deactivateStaffUser(id: $id) { staffUser { state deactivatedAt } errors { code field } } }"""
REACTIVATE = (
    "mutation R($id: ID!) { reactivateStaffUser(id: $id) { staffUser { state } errors { code } } }"
)
DELETE = """mutation D($id: ID!) {
  deleteStaffUser(id: $id) { deletedStaffUserId errors { code field } } }"""
LIST = """query L($role: StaffRole, $state: StaffState, $first: Int, $after: String) {
  staffUsers(role: $role, state: $state, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { email role state } } }"""
ME = "{ me { email role } }"


async def staff_id(runtime: Runtime, email: str) -> str:
    async with runtime.database.transaction() as session:
        staff = await session.scalar(select(StaffUser).where(StaffUser.email_normalized == email))
        assert staff is not None
        return to_global_id("StaffUser", staff.id)


async def last_mail(runtime: Runtime, template: str, to: str | None = None) -> OutboxMessage:
    async with runtime.database.transaction() as session:
        message = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.template == template)
            .where(OutboxMessage.to_address == to if to else OutboxMessage.template == template)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
        assert message is not None, template
        return message


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def second_client(client: httpx.AsyncClient, email: str) -> GraphQLClient:
    """Another browser: ``email`` (an existing account) logged in on its own token."""
    api = GraphQLClient(client, "/admin/graphql")
    login = await api.data(STAFF_LOG_IN, {"email": email, "password": STAFF_PASSWORD})
    api.token = login["staffLogIn"]["token"]
    return api


async def invite(admin_api: GraphQLClient, runtime: Runtime, email: str, **extra: Any) -> str:
    """Invite ``email`` and return the token of the setup link it was emailed."""
    data = await admin_api.data(INVITE, {"input": {"email": email, "role": "SUPPORT", **extra}})
    assert data["inviteStaffUser"]["errors"] == []
    message = await last_mail(runtime, "staff_invitation")
    assert message.to_address == email
    url = link_in(runtime, message, "setup_url")
    assert url.startswith("https://portal.example.test/staff/setup?token=")
    return token_of(url)


async def test_an_invited_member_sets_their_own_password_once_and_logs_in(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    data = await admin_api.data(
        INVITE,
        {
            "input": {
                "email": " Sam@Example.com ",
                "role": "SUPPORT",
                "displayName": "Sam Support",
                "language": "en",
                "formality": "INFORMAL",
            }
        },
    )
    created = data["inviteStaffUser"]["staffUser"]
    assert created["email"] == "Sam@Example.com"
    assert created["state"] == "INVITED"
    assert (created["role"], created["language"], created["formality"]) == (
        "SUPPORT", "en", "INFORMAL",
    )  # fmt: skip
    message = await last_mail(runtime, "staff_invitation")
    assert (message.language, message.formality) == ("en", "informal")
    assert message.context["inviter_name"] == "admin"
    token = token_of(link_in(runtime, message, "setup_url"))

    # Nobody can log in to an invited account: it has no password at all.
    other = GraphQLClient(client, "/admin/graphql")
    refused = await other.data(STAFF_LOG_IN, {"email": "sam@example.com", "password": ""})
    assert refused["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"

    weak = await other.data(ACCEPT, {"t": token, "p": "short"})
    assert weak["acceptStaffInvitation"]["errors"] == [
        {"code": "PASSWORD_TOO_SHORT", "field": "password"}
    ]
    response = await other.post(ACCEPT, {"t": token, "p": NEW_PASSWORD})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.json()["data"]["acceptStaffInvitation"] == {
        "staffUser": {"email": "Sam@Example.com", "state": "ACTIVE"},
        "errors": [],
    }
    again = await other.data(ACCEPT, {"t": token, "p": "Ein anderes Passwort 2026"})
    assert again["acceptStaffInvitation"]["errors"] == [{"code": "TOKEN_USED", "field": "token"}]

    logged_in = await other.data(
        STAFF_LOG_IN, {"email": "sam@example.com", "password": NEW_PASSWORD}
    )
    assert logged_in["staffLogIn"]["staffUser"]["role"] == "SUPPORT"
    # The admin never saw a password, and the database holds the link only as a hash.
    async with runtime.database.transaction() as session:
        stored = (await session.scalars(select(StaffInvitation.token_hash))).all()
    assert token not in stored
    async with runtime.database.transaction() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "staff.invite" in actions


async def test_setup_links_expire_after_seven_days_and_resending_voids_the_old_one(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    first = await invite(admin_api, runtime, "sam@example.com")
    sam = await staff_id(runtime, "sam@example.com")
    clock.advance(timedelta(seconds=1))  # the outbox orders by time
    assert (await admin_api.data(RESEND, {"id": sam}))["resendStaffInvitation"]["errors"] == []
    second = token_of(link_in(runtime, await last_mail(runtime, "staff_invitation"), "setup_url"))
    assert second != first

    other = GraphQLClient(client, "/admin/graphql")
    replaced = await other.data(ACCEPT, {"t": first, "p": NEW_PASSWORD})
    assert replaced["acceptStaffInvitation"]["errors"] == [
        {"code": "INVALID_TOKEN", "field": "token"}
    ]
    clock.advance(timedelta(days=7, seconds=1))
    expired = await other.data(ACCEPT, {"t": second, "p": NEW_PASSWORD})
    assert expired["acceptStaffInvitation"]["errors"] == [
        {"code": "TOKEN_EXPIRED", "field": "token"}
    ]
    for forged in ("", "psi_" + "A" * 43, "x" * 5000):
        body = await other.data(ACCEPT, {"t": forged, "p": NEW_PASSWORD})
        assert body["acceptStaffInvitation"]["errors"][0]["code"] == "INVALID_TOKEN"
    async with runtime.database.transaction() as session:
        staff = await session.scalar(select(StaffUser).where(StaffUser.email == "sam@example.com"))
        assert staff is not None and staff.password_hash is None


async def test_a_link_dies_with_the_admin_who_sent_it(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    await make_staff(runtime, "ada@example.com", "admin")
    ada_api = await second_client(client, "ada@example.com")
    token = await invite(ada_api, runtime, "sam@example.com")

    deactivated = await admin_api.data(
        DEACTIVATE, {"id": await staff_id(runtime, "ada@example.com")}
    )
    assert deactivated["deactivateStaffUser"]["errors"] == []
    anonymous = GraphQLClient(client, "/admin/graphql")
    body = await anonymous.data(ACCEPT, {"t": token, "p": NEW_PASSWORD})
    assert body["acceptStaffInvitation"]["errors"] == [{"code": "INVALID_TOKEN", "field": "token"}]


async def test_role_changes_are_emailed_and_the_last_admin_keeps_the_role(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    me = await staff_id(runtime, "admin@example.com")
    for attempt in ("SUPPORT", "AUDITOR"):
        body = await admin_api.data(CHANGE_ROLE, {"id": me, "role": attempt})
        assert body["changeStaffUserRole"] == {
            "staffUser": None,
            "errors": [{"code": "LAST_ADMIN", "field": "role"}],
        }
    for mutation, name in ((DEACTIVATE, "deactivateStaffUser"), (DELETE, "deleteStaffUser")):
        body = await admin_api.data(mutation, {"id": me})
        assert body[name]["errors"] == [{"code": "NOT_ALLOWED_ON_SELF", "field": "id"}]

    # A second admin who has not set up the account yet is not an admin anyone can log in as.
    await invite(admin_api, runtime, "sam@example.com")
    sam = await staff_id(runtime, "sam@example.com")
    assert (await admin_api.data(CHANGE_ROLE, {"id": sam, "role": "ADMIN"}))[
        "changeStaffUserRole"
    ] == {"staffUser": {"role": "ADMIN"}, "errors": []}
    body = await admin_api.data(CHANGE_ROLE, {"id": me, "role": "SUPPORT"})
    assert body["changeStaffUserRole"]["errors"] == [{"code": "LAST_ADMIN", "field": "role"}]

    await make_staff(runtime, "ada@example.com", "admin")
    demoted = await admin_api.data(CHANGE_ROLE, {"id": me, "role": "SUPPORT"})
    assert demoted["changeStaffUserRole"] == {"staffUser": {"role": "SUPPORT"}, "errors": []}
    message = await last_mail(runtime, "staff_role_changed", "admin@example.com")
    assert (message.context["old_role"], message.context["new_role"]) == ("admin", "support")
    # The demotion holds at once: the same session is no admin any more.
    body = await admin_api(LIST)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with runtime.database.transaction() as session:
        changes = (
            await session.scalars(
                select(AuditEntry.changes).where(AuditEntry.action == "staff.role_change")
            )
        ).all()
    assert sorted(c["role"][0] for c in changes) == ["admin", "support"]  # sam up, me down


async def test_deactivation_ends_sessions_at_once_and_reactivation_does_not_revive_them(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    await make_staff(runtime, "sam@example.com", "support")
    sam_api = await second_client(client, "sam@example.com")
    assert (await sam_api.data(ME))["me"]["email"] == "sam@example.com"

    sam = await staff_id(runtime, "sam@example.com")
    body = await admin_api.data(DEACTIVATE, {"id": sam})
    assert body["deactivateStaffUser"]["staffUser"]["state"] == "DEACTIVATED"
    assert (await sam_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    message = await last_mail(runtime, "staff_deactivated")
    assert message.to_address == "sam@example.com"
    assert message.context["deactivated_by"] == "admin"
    refused = await sam_api.data(
        STAFF_LOG_IN, {"email": "sam@example.com", "password": STAFF_PASSWORD}
    )
    assert refused["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"

    assert (await admin_api.data(REACTIVATE, {"id": sam}))["reactivateStaffUser"] == {
        "staffUser": {"state": "ACTIVE"},
        "errors": [],
    }
    assert (await sam_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with runtime.database.transaction() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(StaffSession)
            .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
            .where(StaffUser.email == "sam@example.com", StaffSession.revoked_at.is_(None))
        )
    assert live == 0


async def test_deleting_a_member_keeps_their_name_in_the_audit_log(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    await make_staff(runtime, "ada@example.com", "admin")
    ada_api = await second_client(client, "ada@example.com")
    await invite(ada_api, runtime, "sam@example.com")

    ada_id = await staff_id(runtime, "ada@example.com")
    body = await admin_api.data(DELETE, {"id": ada_id})
    assert body["deleteStaffUser"] == {"deletedStaffUserId": ada_id, "errors": []}
    assert (await ada_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with runtime.database.transaction() as session:
        names = (
            await session.scalars(
                select(AuditEntry.actor_name).where(AuditEntry.action == "staff.invite")
            )
        ).all()
    assert names == ["ada"]
    # Staff entries answer the same vocabulary as every other (issue 17, items 1 and 2).
    logged = await admin_api.data(
        "{ auditLog(action: STAFF_DELETE) { nodes { action subjectType subjectId actorName } } }"
    )
    assert logged["auditLog"]["nodes"] == [
        {
            "action": "STAFF_DELETE",
            "subjectType": "STAFF_USER",
            "subjectId": str(from_global_id("StaffUser", ada_id)),
            "actorName": "admin",
        }
    ]
    again = await admin_api.data(DELETE, {"id": ada_id})
    assert again["deleteStaffUser"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]


async def test_the_list_filters_by_role_and_state_and_pages(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    for email in ("b@example.com", "c@example.com", "d@example.com"):
        await make_staff(runtime, email, "support")
    await invite(admin_api, runtime, "a@example.com")
    await admin_api.data(DEACTIVATE, {"id": await staff_id(runtime, "d@example.com")})

    page = (await admin_api.data(LIST, {"first": 2}))["staffUsers"]
    assert page["totalCount"] == 5
    assert [n["email"] for n in page["nodes"]] == ["a@example.com", "admin@example.com"]
    rest = (await admin_api.data(LIST, {"first": 10, "after": page["pageInfo"]["endCursor"]}))[
        "staffUsers"
    ]
    assert [n["email"] for n in rest["nodes"]] == [
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]
    assert rest["pageInfo"]["hasNextPage"] is False

    async def emails(**variables: str) -> list[str]:
        return [n["email"] for n in (await admin_api.data(LIST, variables))["staffUsers"]["nodes"]]

    assert await emails(role="ADMIN") == ["admin@example.com"]
    assert await emails(state="INVITED") == ["a@example.com"]
    assert await emails(state="DEACTIVATED") == ["d@example.com"]
    assert await emails(role="SUPPORT", state="ACTIVE") == ["b@example.com", "c@example.com"]
    body = await admin_api(LIST, {"after": "not a cursor"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_bad_invitations_are_refused_and_store_nothing(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    cases = [
        ({"email": "not an email", "role": "SUPPORT"}, "INVALID_EMAIL", "email"),
        ({"email": "ADMIN@example.com", "role": "SUPPORT"}, "EMAIL_TAKEN", "email"),
        ({"email": "x@example.com", "role": "SUPPORT", "language": "fr"}, "INVALID_LANGUAGE", "language"),
        ({"email": "x@example.com", "role": "SUPPORT", "displayName": "x" * 201}, "TOO_LONG", "displayName"),
    ]  # fmt: skip
    for variables, code, field in cases:
        body = await admin_api.data(INVITE, {"input": variables})
        assert [(e["code"], e["field"]) for e in body["inviteStaffUser"]["errors"]] == [
            (code, field)
        ]
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(StaffUser)) == 1
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


ADMIN_ONLY = [
    (LIST, {}),
    ("query S($id: ID!) { staffUser(id: $id) { email } }", {"id": "ID"}),
    (INVITE, {"input": {"email": "x@example.com", "role": "ADMIN"}}),
    (RESEND, {"id": "ID"}),
    (CHANGE_ROLE, {"id": "ID", "role": "ADMIN"}),
    (DEACTIVATE, {"id": "ID"}),
    (REACTIVATE, {"id": "ID"}),
    (DELETE, {"id": "ID"}),
]


@pytest.mark.parametrize("role", ["support", "auditor"])
async def test_support_and_auditors_cannot_reach_any_admin_only_operation(
    admin_api: GraphQLClient, runtime: Runtime, role: str
) -> None:
    await make_staff(runtime, "admin@example.com", "admin")
    await log_in_staff(admin_api, runtime, "sam@example.com", role)
    target = await staff_id(runtime, "admin@example.com")
    for document, variables in ADMIN_ONLY:
        filled = {k: target if v == "ID" else v for k, v in variables.items()}
        body = await admin_api(document, filled)
        assert not any((body["data"] or {}).values()), document
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], document
    async with runtime.database.transaction() as session:
        admin = await session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
        assert admin is not None and admin.is_active
        assert await session.scalar(select(func.count()).select_from(StaffUser)) == 2
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    runtime: Runtime, app: Any, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    await make_staff(runtime, "ada@example.com", "admin")
    await make_staff(runtime, "bob@example.com", "admin")
    ids = {e: await staff_id(runtime, e) for e in ("ada@example.com", "bob@example.com")}

    async def demote(me: str, other: str) -> str:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            api = GraphQLClient(http, "/admin/graphql")
            login = await api.data(STAFF_LOG_IN, {"email": me, "password": STAFF_PASSWORD})
            api.token = login["staffLogIn"]["token"]
            body = await api(CHANGE_ROLE, {"id": ids[other], "role": "SUPPORT"})
            if body.get("errors"):  # its role was already gone when the request started
                return str(body["errors"][0]["extensions"]["code"])
            errors = body["data"]["changeStaffUserRole"]["errors"]
            return str(errors[0]["code"]) if errors else "OK"

    results = await asyncio.gather(
        demote("ada@example.com", "bob@example.com"), demote("bob@example.com", "ada@example.com")
    )
    codes = sorted(results)
    assert codes in (["LAST_ADMIN", "OK"], ["FORBIDDEN", "OK"])
    async with runtime.database.transaction() as session:
        admins = await session.scalar(
            select(func.count()).select_from(StaffUser).where(StaffUser.role == "admin")
        )
    assert admins == 1


async def test_deactivating_a_support_agent_ends_the_impersonation_they_run(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await make_staff(runtime, "sam@example.com", "support")
    sam_api = await second_client(client, "sam@example.com")
    await enter(portal_api, (await start(sam_api, user))["token"])
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]["email"] == "kunde@example.de"

    await admin_api.data(DEACTIVATE, {"id": await staff_id(runtime, "sam@example.com")})
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with runtime.database.transaction() as session:
        row = await session.scalar(select(Impersonation))
        revoked = await session.scalar(
            select(func.count())
            .select_from(PortalSession)
            .where(PortalSession.impersonation_id.is_not(None), PortalSession.revoked_at.is_(None))
        )
    assert row is not None and row.end_reason == "REVOKED" and row.ended_at is not None
    assert revoked == 0
    # Reactivating the agent does not bring the impersonation back.
    await admin_api.data(REACTIVATE, {"id": await staff_id(runtime, "sam@example.com")})
    assert (await portal_api("{ viewer { email } }"))["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED"
    )
