"""Customer login, logout, password reset and change, through HTTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from portal.clock import FrozenClock
from portal.models import OutboxMessage, PortalUser
from portal.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, CUSTOMER_PASSWORD, log_in_customer, make_customer

VIEWER = "{ viewer { email mappingStatus lastLoginAt } }"
LOG_OUT = "mutation { logOut { ok } }"
LOG_OUT_EVERYWHERE = "mutation { logOutEverywhere { ok } }"
REQUEST_RESET = (
    "mutation R($e: String!) { requestPasswordReset(email: $e) { accepted errors { code } } }"
)
RESET = """
mutation Reset($token: String!, $pw: String!) {
  resetPassword(token: $token, newPassword: $pw) { ok token errors { code field } }
}
"""
CHANGE = """
mutation Change($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { ok token errors { code field } }
}
"""


async def log_in(api: GraphQLClient, email: str, password: str) -> dict:
    return (await api.data(CUSTOMER_LOG_IN, {"email": email, "password": password}))["logIn"]


def unauthenticated(body: dict) -> bool:
    return body.get("errors", [{}])[0].get("extensions", {}).get("code") == "UNAUTHENTICATED"


async def test_linked_customer_logs_in_with_cookie_and_token(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    response = await portal_api.post(
        CUSTOMER_LOG_IN, {"email": "KUNDE@example.de", "password": CUSTOMER_PASSWORD}
    )
    payload = response.json()["data"]["logIn"]
    assert payload["errors"] == []
    assert payload["token"].startswith("pcs_")
    assert payload["viewer"]["mappingStatus"] == "ASSIGNED"
    cookie = response.headers["set-cookie"]
    assert f"portal_session={payload['token']}" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    portal_api.token = payload["token"]
    viewer = (await portal_api.data(VIEWER))["viewer"]
    assert viewer["email"] == "kunde@example.de"
    assert viewer["lastLoginAt"].startswith(clock().date().isoformat())


async def test_wrong_password_unknown_unactivated_suspended_are_indistinguishable(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime, "aktiv@example.de")
    await make_customer(runtime, "neu@example.de", activated=False)
    await make_customer(runtime, "gesperrt@example.de")
    async with runtime.database.transaction() as session:
        await session.execute(
            update(PortalUser)
            .where(PortalUser.email_normalized == "gesperrt@example.de")
            .values(suspended_at=runtime.settings.clock())
        )
    answers = [
        await portal_api.post(CUSTOMER_LOG_IN, {"email": email, "password": password})
        for email, password in [
            ("aktiv@example.de", "falsches-passwort"),
            ("niemand@example.de", CUSTOMER_PASSWORD),
            ("neu@example.de", CUSTOMER_PASSWORD),
            ("gesperrt@example.de", CUSTOMER_PASSWORD),
        ]
    ]
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["data"]["logIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert all("set-cookie" not in a.headers for a in answers)


async def test_login_is_impossible_before_a_contact_is_assigned(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime, linked=False)
    payload = await log_in(portal_api, "kunde@example.de", CUSTOMER_PASSWORD)
    assert payload["token"] is None
    assert payload["viewer"] is None
    assert payload["errors"][0]["code"] == "PENDING_CONTACT_ASSIGNMENT"
    # No matching flow can help a user without candidates: staff must assign one.
    assert payload["flowToken"] is None


async def test_log_out_kills_the_session_server_side(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)
    assert (await portal_api.data(LOG_OUT))["logOut"]["ok"] is True
    assert unauthenticated(await portal_api(VIEWER))


async def test_log_out_everywhere_ends_every_session(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    first = await log_in_customer(portal_api)
    second = await log_in_customer(portal_api)
    assert first != second
    await portal_api.data(LOG_OUT_EVERYWHERE)
    for token in (first, second):
        portal_api.token = token
        assert unauthenticated(await portal_api(VIEWER))


async def test_suspension_kills_live_sessions_at_once(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)
    assert (await portal_api.data(VIEWER))["viewer"]
    async with runtime.database.transaction() as session:
        await session.execute(update(PortalUser).values(suspended_at=runtime.settings.clock()))
    assert unauthenticated(await portal_api(VIEWER))


async def test_customer_session_idle_and_absolute_timeouts(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)
    idle = timedelta(minutes=runtime.settings.customer_session_idle_minutes)
    clock.advance(idle - timedelta(minutes=1))
    assert (await portal_api.data(VIEWER))["viewer"]
    clock.advance(idle + timedelta(minutes=1))
    assert unauthenticated(await portal_api(VIEWER))
    await log_in_customer(portal_api)
    lifetime = timedelta(hours=runtime.settings.customer_session_hours)
    elapsed = timedelta()
    while elapsed < lifetime:
        step = idle / 2
        clock.advance(step)
        elapsed += step
        body = await portal_api(VIEWER)
    assert unauthenticated(body)


async def _reset_links(runtime: Runtime) -> list[str]:
    async with runtime.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "password_reset")
            .order_by(OutboxMessage.created_at)
        )
        return [parse_qs(urlparse(m.context["reset_url"]).query)["token"][0] for m in rows]


async def test_password_reset_round_trip(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    session_token = await log_in_customer(portal_api)
    portal_api.token = None
    known = await portal_api.post(REQUEST_RESET, {"e": "kunde@example.de"})
    unknown = await portal_api.post(REQUEST_RESET, {"e": "niemand@example.de"})
    assert known.content == unknown.content
    (token,) = await _reset_links(runtime)
    result = (await portal_api.data(RESET, {"token": token, "pw": "Neues-Passwort-2026"}))[
        "resetPassword"
    ]
    assert result == {"ok": True, "token": None, "errors": []}
    # Not logged in by the reset, and every earlier session is gone.
    portal_api.token = session_token
    assert unauthenticated(await portal_api(VIEWER))
    assert (await log_in(portal_api, "kunde@example.de", CUSTOMER_PASSWORD))["errors"]
    assert (await log_in(portal_api, "kunde@example.de", "Neues-Passwort-2026"))["token"]
    # Single use.
    again = await portal_api.data(RESET, {"token": token, "pw": "Noch-ein-Passwort-1"})
    assert again["resetPassword"]["errors"][0]["code"] in {"TOKEN_USED", "INVALID_TOKEN"}
    templates = []
    async with runtime.database.transaction() as session:
        templates = [m.template for m in await session.scalars(select(OutboxMessage))]
    assert "password_changed" in templates


async def test_reset_link_expires_after_an_hour(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    (token,) = await _reset_links(runtime)
    clock.advance(timedelta(minutes=61))
    result = await portal_api.data(RESET, {"token": token, "pw": "Neues-Passwort-2026"})
    assert result["resetPassword"]["errors"][0]["code"] == "TOKEN_EXPIRED"


async def test_newer_reset_request_and_password_change_void_old_links(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    older, newer = await _reset_links(runtime)
    result = await portal_api.data(RESET, {"token": older, "pw": "Neues-Passwort-2026"})
    assert result["resetPassword"]["errors"][0]["code"] == "INVALID_TOKEN"
    await log_in_customer(portal_api)
    await portal_api.data(CHANGE, {"current": CUSTOMER_PASSWORD, "new": "Anderes-Passwort-7"})
    result = await portal_api.data(RESET, {"token": newer, "pw": "Neues-Passwort-2026"})
    assert result["resetPassword"]["errors"][0]["code"] == "INVALID_TOKEN"


async def test_change_password_rotates_the_session_and_ends_the_others(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    other_device = await log_in_customer(portal_api)
    this_device = await log_in_customer(portal_api)
    wrong = await portal_api.data(CHANGE, {"current": "falsch-falsch", "new": "Anderes-Passwort-7"})
    assert wrong["changePassword"]["errors"] == [
        {"code": "WRONG_PASSWORD", "field": "currentPassword"}
    ]
    weak = await portal_api.data(CHANGE, {"current": CUSTOMER_PASSWORD, "new": "password123"})
    assert weak["changePassword"]["errors"][0]["code"] == "PASSWORD_TOO_COMMON"
    changed = await portal_api.data(
        CHANGE, {"current": CUSTOMER_PASSWORD, "new": "Anderes-Passwort-7"}
    )
    new_token = changed["changePassword"]["token"]
    assert new_token and new_token not in (other_device, this_device)
    for old in (other_device, this_device):
        portal_api.token = old
        assert unauthenticated(await portal_api(VIEWER))
    portal_api.token = new_token
    assert (await portal_api.data(VIEWER))["viewer"]["email"] == "kunde@example.de"


async def test_outdated_hashes_are_rehashed_on_login(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    from argon2 import extract_parameters

    from identity.passwords import PasswordHasher

    user, _ = await make_customer(runtime)
    weaker = PasswordHasher(time_cost=2, memory_kib=16, parallelism=2)
    try:
        old_hash = await weaker.hash(CUSTOMER_PASSWORD)
    finally:
        weaker.close()
    async with runtime.database.transaction() as session:
        await session.execute(
            update(PortalUser).where(PortalUser.id == user.id).values(password_hash=old_hash)
        )
    await log_in_customer(portal_api)
    async with runtime.database.transaction() as session:
        stored = await session.get(PortalUser, user.id)
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash != old_hash
    assert extract_parameters(stored.password_hash).parallelism == 1
    assert await runtime.password_hasher.verify(stored.password_hash, CUSTOMER_PASSWORD)
