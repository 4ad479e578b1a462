"""A staff member's own account through HTTP: me, password change, own sessions."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry
from tests.conftest import GraphQLClient
from tests.factories import STAFF_LOG_IN, STAFF_PASSWORD, log_in_staff, make_staff

NEW_PASSWORD = "Ein neues Passwort 2026"
CHANGE = """mutation C($c: String!, $n: String!) {
  changeMyStaffPassword(currentPassword: $c, newPassword: $n) {
    ok otherSessionsEnded errors { code field } } }"""
SESSIONS = """{ myStaffSessions(first: 10) {
  totalCount nodes { id current userAgent createdAt lastSeenAt expiresAt } } }"""
END = "mutation E($id: ID!) { endMyStaffSession(id: $id) { ended errors { code field } } }"
END_OTHERS = "mutation { endMyOtherStaffSessions { ended errors { code } } }"
ME = "{ me { email role secondFactor { enabled required } } }"


async def browser(
    client: httpx.AsyncClient, email: str, password: str = STAFF_PASSWORD
) -> GraphQLClient:
    api = GraphQLClient(client, "/admin/graphql")
    login = await api.data(STAFF_LOG_IN, {"email": email, "password": password})
    api.token = login["staffLogIn"]["token"]
    assert api.token, login
    return api


async def test_me_shows_role_and_second_factor_state(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime, "sam@example.com", "support")
    assert (await admin_api.data(ME))["me"] == {
        "email": "sam@example.com",
        "role": "SUPPORT",
        "secondFactor": {"enabled": False, "required": False},
    }


async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    laptop = await browser(client, "admin@example.com")

    wrong = await admin_api.data(CHANGE, {"c": "not my password", "n": NEW_PASSWORD})
    assert wrong["changeMyStaffPassword"] == {
        "ok": False,
        "otherSessionsEnded": 0,
        "errors": [{"code": "WRONG_PASSWORD", "field": "currentPassword"}],
    }
    weak = await admin_api.data(CHANGE, {"c": STAFF_PASSWORD, "n": "short"})
    assert weak["changeMyStaffPassword"]["errors"] == [
        {"code": "PASSWORD_TOO_SHORT", "field": "newPassword"}
    ]
    assert (await laptop.data(ME))["me"]["email"] == "admin@example.com"

    done = await admin_api.data(CHANGE, {"c": STAFF_PASSWORD, "n": NEW_PASSWORD})
    assert done["changeMyStaffPassword"] == {"ok": True, "otherSessionsEnded": 1, "errors": []}
    assert (await admin_api.data(ME))["me"]["email"] == "admin@example.com"
    assert (await laptop(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    old = await laptop.data(
        STAFF_LOG_IN, {"email": "admin@example.com", "password": STAFF_PASSWORD}
    )
    assert old["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    await browser(client, "admin@example.com", NEW_PASSWORD)
    async with runtime.database.transaction() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "staff.password_change" in actions


async def test_wrong_current_passwords_count_against_the_login_lockout(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    for _ in range(5):  # PORTAL_LOCKOUT_THRESHOLD
        await admin_api.data(CHANGE, {"c": "guess", "n": NEW_PASSWORD})
    locked = await admin_api.data(CHANGE, {"c": STAFF_PASSWORD, "n": NEW_PASSWORD})
    assert locked["changeMyStaffPassword"]["errors"][0]["code"] == "WRONG_PASSWORD"
    other = GraphQLClient(client, "/admin/graphql")
    login = await other.data(
        STAFF_LOG_IN, {"email": "admin@example.com", "password": STAFF_PASSWORD}
    )
    assert login["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_own_sessions_are_listed_and_ended_and_nobody_elses(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    laptop = await browser(client, "admin@example.com")
    await make_staff(runtime, "sam@example.com", "support")
    sam = await browser(client, "sam@example.com")

    listed = (await admin_api.data(SESSIONS))["myStaffSessions"]
    assert listed["totalCount"] == 2
    assert sorted(node["current"] for node in listed["nodes"]) == [False, True]
    laptop_id = next(node["id"] for node in listed["nodes"] if not node["current"])
    sam_session = (await sam.data(SESSIONS))["myStaffSessions"]["nodes"][0]["id"]

    refused = await admin_api.data(END, {"id": sam_session})
    assert refused["endMyStaffSession"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    assert (await sam.data(ME))["me"]["email"] == "sam@example.com"

    assert (await admin_api.data(END, {"id": laptop_id}))["endMyStaffSession"]["ended"] == 1
    assert (await laptop(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = await admin_api.data(END, {"id": laptop_id})
    assert again["endMyStaffSession"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]

    tablet = await browser(client, "admin@example.com")
    assert (await admin_api.data(END_OTHERS))["endMyOtherStaffSessions"]["ended"] == 1
    assert (await tablet(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await admin_api.data(SESSIONS))["myStaffSessions"]["totalCount"] == 1


async def test_a_password_change_waits_in_the_bounded_hashing_queue_like_every_other_hash(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    runtime.identity.password_hasher.max_queued = 0  # PORTAL_PASSWORD_HASH_QUEUE: full

    refused = await admin_api.post(CHANGE, {"c": STAFF_PASSWORD, "n": NEW_PASSWORD})

    assert refused.status_code == 429
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_REQUESTS"
    assert error["path"] == ["changeMyStaffPassword"]
