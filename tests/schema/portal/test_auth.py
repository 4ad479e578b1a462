"""Customer login, logout, password reset and change, through HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select, update

from identity.passwords import MAX_PASSWORD_LENGTH
from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import OutboxMessage, PortalUser
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_LOG_IN,
    CUSTOMER_PASSWORD,
    link_in,
    log_in_customer,
    make_customer,
    reconfigure,
)
from tests.identity.test_passwords import Argon2Spy

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
GENERIC = [{"code": "INVALID_CREDENTIALS", "field": None, "message": "Email or password is wrong."}]
# Refused by the policy, which is checked only once the link itself has been accepted: a probe
# that shows a link is valid without spending it.
WEAK = "password123"


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


async def test_wrong_password_unknown_unactivated_suspended_and_locked_are_indistinguishable(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime, "aktiv@example.de")
    await make_customer(runtime, "neu@example.de", activated=False)
    await make_customer(runtime, "gesperrt@example.de")
    await make_customer(runtime, "blockiert@example.de")
    async with runtime.database.transaction() as session:
        await session.execute(
            update(PortalUser)
            .where(PortalUser.email_normalized == "gesperrt@example.de")
            .values(suspended_at=runtime.settings.clock())
        )
    for i in range(5):  # locks blockiert@ (lockout threshold 5)
        await log_in(portal_api, "blockiert@example.de", f"falsch-{i}")
    answers = [
        await portal_api.post(CUSTOMER_LOG_IN, {"email": email, "password": password})
        for email, password in [
            ("aktiv@example.de", "falsches-passwort"),
            ("niemand@example.de", CUSTOMER_PASSWORD),
            ("neu@example.de", CUSTOMER_PASSWORD),
            ("gesperrt@example.de", CUSTOMER_PASSWORD),
            ("blockiert@example.de", CUSTOMER_PASSWORD),
        ]
    ]
    # The whole bodies, byte for byte, and the same status and header names.
    assert len({a.content for a in answers}) == 1
    assert {a.status_code for a in answers} == {200}
    assert len({tuple(sorted(a.headers.keys())) for a in answers}) == 1
    assert answers[0].json() == {
        "data": {"logIn": {"token": None, "flowToken": None, "viewer": None, "errors": GENERIC}}
    }
    assert all("set-cookie" not in a.headers for a in answers)


async def test_a_megabyte_password_gets_the_generic_answer_without_being_hashed(
    portal_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_customer(runtime)
    wrong = await portal_api.post(
        CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": "falsches-passwort"}
    )
    spy = Argon2Spy(runtime.identity.password_hasher._argon2)
    monkeypatch.setattr(runtime.identity.password_hasher, "_argon2", spy)
    started = time.perf_counter()
    huge = await portal_api.post(
        CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": "x" * (1024 * 1024)}
    )
    elapsed = time.perf_counter() - started
    assert huge.content == wrong.content
    # argon2 only ran the dummy verification (same cost as a wrong password), on at most the
    # longest allowed password; never on the megabyte.
    assert spy.lengths == [MAX_PASSWORD_LENGTH]
    assert elapsed < 2.0


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
    second = timedelta(seconds=1)
    idle = timedelta(minutes=runtime.settings.customer_session_idle_minutes)
    await log_in_customer(portal_api)
    clock.advance(idle - second)
    assert (await portal_api.data(VIEWER))["viewer"]  # just before: alive, and now active
    clock.advance(idle - second)
    assert (await portal_api.data(VIEWER))["viewer"]
    clock.advance(idle + second)  # just after the idle timeout since the last request
    assert unauthenticated(await portal_api(VIEWER))

    await log_in_customer(portal_api)
    logged_in_at = clock()
    lifetime = timedelta(hours=runtime.settings.customer_session_hours)
    # Active every half idle period: alive at every step up to just before the lifetime...
    while clock() + idle / 2 < logged_in_at + lifetime:
        clock.advance(idle / 2)
        assert (await portal_api.data(VIEWER))["viewer"]
    clock.set(logged_in_at + lifetime - second)
    assert (await portal_api.data(VIEWER))["viewer"]
    # ...and dead just after it, however active.
    clock.set(logged_in_at + lifetime + second)
    assert unauthenticated(await portal_api(VIEWER))


async def _reset_links(runtime: Runtime, email: str = "kunde@example.de") -> list[str]:
    """The reset tokens mailed to ``email``, oldest first."""
    async with runtime.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "password_reset", OutboxMessage.to_address == email)
            .order_by(OutboxMessage.created_at)
        )
        return [
            parse_qs(urlparse(link_in(runtime, m, "reset_url")).query)["token"][0] for m in rows
        ]


async def _reset_error(api: GraphQLClient, token: str, password: str) -> str | None:
    errors = (await api.data(RESET, {"token": token, "pw": password}))["resetPassword"]["errors"]
    return str(errors[0]["code"]) if errors else None


async def test_password_reset_round_trip(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    user, _ = await make_customer(runtime)
    session_token = await log_in_customer(portal_api)
    portal_api.token = None
    portal_api.http.cookies.clear()  # a browser that has no session any more
    known = await portal_api.post(REQUEST_RESET, {"e": "kunde@example.de"})
    unknown = await portal_api.post(REQUEST_RESET, {"e": "niemand@example.de"})
    assert known.content == unknown.content
    (token,) = await _reset_links(runtime)
    async with runtime.database.transaction() as session:
        jti = await session.scalar(select(PortalUser.password_reset_jti))
    assert jti
    response = await portal_api.post(RESET, {"token": token, "pw": "Neues-Passwort-2026"})
    assert response.json()["data"]["resetPassword"] == {"ok": True, "token": None, "errors": []}
    # Not logged in by the reset: no cookie, no token; and every earlier session is gone.
    assert "set-cookie" not in response.headers
    assert not portal_api.http.cookies
    portal_api.token = session_token
    assert unauthenticated(await portal_api(VIEWER))
    portal_api.token = None
    assert (await log_in(portal_api, "kunde@example.de", CUSTOMER_PASSWORD))["errors"]
    assert (await log_in(portal_api, "kunde@example.de", "Neues-Passwort-2026"))["token"]
    # Single use: the password change cleared the link's jti...
    assert await _reset_error(portal_api, token, "Noch-ein-Passwort-1") == "INVALID_TOKEN"
    # ...and were it still current, the spent-token record alone refuses it.
    async with runtime.database.transaction() as session:
        await session.execute(
            update(PortalUser).where(PortalUser.id == user.id).values(password_reset_jti=jti)
        )
    assert await _reset_error(portal_api, token, "Noch-ein-Passwort-1") == "TOKEN_USED"
    assert (await log_in(portal_api, "kunde@example.de", "Neues-Passwort-2026"))["token"]
    async with runtime.database.transaction() as session:
        templates = [m.template for m in await session.scalars(select(OutboxMessage))]
    assert "password_changed" in templates


async def test_reset_link_expires_after_an_hour(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    # Two accounts, two links issued at the same moment: one is used at 59 minutes, the other
    # tried at 61.
    await make_customer(runtime, "frueh@example.de")
    await make_customer(runtime, "spaet@example.de")
    for email in ("frueh@example.de", "spaet@example.de"):
        await portal_api.data(REQUEST_RESET, {"e": email})
    (early,) = await _reset_links(runtime, "frueh@example.de")
    (late,) = await _reset_links(runtime, "spaet@example.de")
    clock.advance(timedelta(minutes=59))
    assert await _reset_error(portal_api, early, "Neues-Passwort-2026") is None
    clock.advance(timedelta(minutes=2))
    assert await _reset_error(portal_api, late, "Neues-Passwort-2026") == "TOKEN_EXPIRED"


async def test_newer_reset_request_and_password_change_void_old_links(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime)
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    (older,) = await _reset_links(runtime)
    assert await _reset_error(portal_api, older, WEAK) == "PASSWORD_TOO_COMMON"  # valid
    clock.advance(timedelta(seconds=1))
    await portal_api.data(REQUEST_RESET, {"e": "kunde@example.de"})
    assert (await _reset_links(runtime))[0] == older
    newer = (await _reset_links(runtime))[1]
    assert await _reset_error(portal_api, older, "Neues-Passwort-2026") == "INVALID_TOKEN"
    assert await _reset_error(portal_api, newer, WEAK) == "PASSWORD_TOO_COMMON"  # valid
    await log_in_customer(portal_api)
    changed = await portal_api.data(
        CHANGE, {"current": CUSTOMER_PASSWORD, "new": "Anderes-Passwort-7"}
    )
    assert changed["changePassword"]["ok"] is True
    portal_api.token = None
    assert await _reset_error(portal_api, newer, "Neues-Passwort-2026") == "INVALID_TOKEN"


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
    assert await runtime.identity.password_hasher.verify(stored.password_hash, CUSTOMER_PASSWORD)


async def test_many_logins_at_once_from_a_logged_in_browser_all_finish(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """A login whose request already holds a connection (its cookie's session was looked up)
    reads the password hash through it instead of waiting for a second one: 20 logins at once
    on a pool of 15 connections once starved it (each waited for the database lock while
    holding a connection, the lock holder for a connection)."""
    await make_customer(runtime)
    await log_in_customer(portal_api)  # the client now sends a session cookie
    portal_api.token = None
    reconfigure(runtime, throttle_limits=("login=1000/60",))
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                portal_api.data(
                    CUSTOMER_LOG_IN, {"email": "kunde@example.de", "password": CUSTOMER_PASSWORD}
                )
                for _ in range(20)
            )
        ),
        timeout=25,
    )
    assert all(answer["logIn"]["token"] for answer in answers)
