"""staffLogIn / staffLogOut / me through HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import StaffUser
from tests.conftest import GraphQLClient
from tests.factories import (
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    log_in_staff,
    make_staff,
    relog_in_staff,
)

ME = "query { me { email role permissions lastLoginAt } }"
LOG_OUT = "mutation { staffLogOut { ok errors { code } } }"


async def test_log_in_returns_token_and_sets_http_only_cookie(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_staff(runtime)
    response = await admin_api.post(
        STAFF_LOG_IN, {"email": "  ADMIN@Example.com ", "password": STAFF_PASSWORD}
    )
    payload = response.json()["data"]["staffLogIn"]
    assert payload["errors"] == []
    assert payload["staffUser"] == {"email": "admin@example.com", "role": "ADMIN"}
    assert payload["token"].startswith("pst_")
    cookie = response.headers["set-cookie"]
    assert f"portal_staff_session={payload['token']}" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/admin" in cookie


async def test_me_with_bearer_token_and_with_cookie(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    me = (await admin_api.data(ME))["me"]
    assert me["email"] == "admin@example.com"
    assert "CONTACTS_WRITE" in me["permissions"]
    assert me["lastLoginAt"] is not None

    # A browser sends only the cookie the login response set.
    token = admin_api.token
    admin_api.token = None
    admin_api.http.cookies.set("portal_staff_session", token or "", path="/admin")
    assert (await admin_api.data(ME))["me"]["email"] == "admin@example.com"


async def test_wrong_password_and_unknown_email_answer_identically(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_staff(runtime)
    wrong = await admin_api.post(STAFF_LOG_IN, {"email": "admin@example.com", "password": "x" * 12})
    unknown = await admin_api.post(
        STAFF_LOG_IN, {"email": "nobody@example.com", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.content == unknown.content
    assert wrong.json()["data"]["staffLogIn"]["errors"] == [
        {"code": "INVALID_CREDENTIALS", "field": None, "message": "Email or password is wrong."}
    ]
    assert "set-cookie" not in wrong.headers


async def test_deactivated_staff_cannot_log_in_and_loses_sessions(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        await session.execute(update(StaffUser).values(is_active=False))
    body = await admin_api(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = await admin_api.data(
        STAFF_LOG_IN, {"email": "admin@example.com", "password": STAFF_PASSWORD}
    )
    assert again["staffLogIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_too_long_email_is_a_field_error(admin_api: GraphQLClient) -> None:
    data = await admin_api.data(
        STAFF_LOG_IN, {"email": "a" * 300 + "@example.com", "password": "whatever-password"}
    )
    assert data["staffLogIn"]["errors"][0]["code"] == "INVALID_EMAIL"
    assert data["staffLogIn"]["errors"][0]["field"] == "email"


async def test_me_requires_authentication(admin_api: GraphQLClient) -> None:
    body = await admin_api(ME)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    admin_api.token = "pst_forged"
    body = await admin_api(ME)
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_log_out_revokes_the_session_server_side(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    response = await admin_api.post(LOG_OUT)
    assert response.json()["data"]["staffLogOut"] == {"ok": True, "errors": []}
    assert 'portal_staff_session=""' in response.headers["set-cookie"]
    # The token itself is dead, not just the cookie.
    body = await admin_api(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_session_expires_when_idle_and_at_its_absolute_lifetime(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    settings = runtime.settings
    second = timedelta(seconds=1)
    idle = timedelta(minutes=settings.staff_session_idle_minutes)
    await log_in_staff(admin_api, runtime)
    clock.advance(idle - second)
    assert (await admin_api.data(ME))["me"]  # just before: alive, and now active
    clock.advance(idle - second)
    assert (await admin_api.data(ME))["me"]
    clock.advance(idle + second)  # just after the idle timeout since the last request
    assert (await admin_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    await relog_in_staff(admin_api)
    logged_in_at = clock()
    lifetime = timedelta(hours=settings.staff_session_hours)
    # Staying active keeps it alive up to just before its absolute lifetime...
    while clock() + idle / 2 < logged_in_at + lifetime:
        clock.advance(idle / 2)
        assert (await admin_api.data(ME))["me"]
    clock.set(logged_in_at + lifetime - second)
    assert (await admin_api.data(ME))["me"]
    # ...but not one second beyond it.
    clock.set(logged_in_at + lifetime + second)
    assert (await admin_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_permission_vocabulary_needs_a_staff_session(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    """The business's resource permissions and portal functions are its configuration: an
    anonymous caller of the staff API learns nothing of them (it did before the fix)."""
    document = "{ permissionVocabulary { resourcePermissions { name } portalPermissions } }"
    anonymous = await admin_api(document)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await log_in_staff(admin_api, runtime, role="support")
    vocabulary = (await admin_api.data(document))["permissionVocabulary"]
    assert {rule["name"] for rule in vocabulary["resourcePermissions"]} == set(
        runtime.settings.resource_permission_rules
    )
