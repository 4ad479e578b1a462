"""Two-factor staff login through HTTP: enrolment, the two-step login, recovery codes, replay,
expiry, brute force, disabling, an admin's reset and PORTAL_STAFF_REQUIRE_2FA. Time moves with
the injected clock only."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from identity.totp import code_at
from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.config import Settings
from portal.models import AuditEntry, OutboxMessage, StaffRecoveryCode, StaffUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import STAFF_PASSWORD, log_in_staff, make_staff, reconfigure

LOG_IN = """mutation L($e: String!, $p: String!) {
  staffLogIn(email: $e, password: $p) {
    step loginToken loginTokenExpiresAt token staffUser { email } errors { code field } } }"""
SECOND = """mutation S($t: String!, $c: String!) {
  staffLogInSecondFactor(loginToken: $t, code: $c) {
    step token staffUser { email } errors { code field } } }"""
BEGIN = "mutation { beginStaffTotpEnrolment { secret otpauthUri errors { code } } }"
CONFIRM = """mutation C($c: String!) { confirmStaffTotpEnrolment(code: $c) {
  recoveryCodes staffUser { secondFactor { enabled recoveryCodesLeft } } errors { code field } } }"""
DISABLE = "mutation D($c: String!) { disableStaffTotp(code: $c) { errors { code field } } }"
REGENERATE = """mutation R($c: String!) {
  regenerateStaffRecoveryCodes(code: $c) { recoveryCodes errors { code } } }"""
RESET = "mutation R($id: ID!) { resetStaffSecondFactor(id: $id) { errors { code field } } }"
ME = "{ me { email secondFactor { enabled enabledAt recoveryCodesLeft required } } }"
CONTACTS = "{ contacts(first: 1) { totalCount } }"
RECOVERY = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")
STEP = timedelta(seconds=30)


async def enrol(api: GraphQLClient, clock: FrozenClock) -> tuple[str, list[str]]:
    """Set up a second factor for ``api``'s staff member: its secret and recovery codes."""
    begun = (await api.data(BEGIN))["beginStaffTotpEnrolment"]
    secret = begun["secret"]
    confirmed = await api.data(CONFIRM, {"c": code_at(secret, clock())})
    codes = confirmed["confirmStaffTotpEnrolment"]["recoveryCodes"]
    assert codes is not None, confirmed
    return secret, codes


async def password_step(api: GraphQLClient, email: str = "admin@example.com") -> str:
    response = await api.post(LOG_IN, {"e": email, "p": STAFF_PASSWORD})
    assert "set-cookie" not in response.headers  # a half-finished login is no session
    payload = response.json()["data"]["staffLogIn"]
    assert payload["step"] == "SECOND_FACTOR_REQUIRED", payload
    assert payload["token"] is None and payload["staffUser"] is None
    token: str = payload["loginToken"]
    return token


async def second_step(api: GraphQLClient, token: str, code: str) -> dict[str, object]:
    payload: dict[str, object] = (await api.data(SECOND, {"t": token, "c": code}))[
        "staffLogInSecondFactor"
    ]
    return payload


async def test_enrolment_takes_effect_only_with_a_code_and_shows_secrets_once(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    other = GraphQLClient(client, "/admin/graphql")
    other.token = (await other.data(LOG_IN, {"e": "admin@example.com", "p": STAFF_PASSWORD}))[
        "staffLogIn"
    ]["token"]
    begun = (await admin_api.data(BEGIN))["beginStaffTotpEnrolment"]
    uri = urlparse(begun["otpauthUri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    query = parse_qs(uri.query)
    assert query["secret"] == [begun["secret"]]
    assert query["issuer"] == [runtime.settings.portal_name]
    assert len(begun["secret"]) == 32

    for wrong in ("000000", code_at(begun["secret"], clock() - 3 * STEP), "abc", ""):
        refused = await admin_api.data(CONFIRM, {"c": wrong})
        assert refused["confirmStaffTotpEnrolment"]["errors"] == [
            {"code": "INVALID_CODE", "field": "code"}
        ]
    assert (await admin_api.data(ME))["me"]["secondFactor"]["enabled"] is False

    confirmed = (await admin_api.data(CONFIRM, {"c": code_at(begun["secret"], clock())}))[
        "confirmStaffTotpEnrolment"
    ]
    codes = confirmed["recoveryCodes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(RECOVERY.match(code) for code in codes)
    assert confirmed["staffUser"]["secondFactor"] == {"enabled": True, "recoveryCodesLeft": 10}
    me = (await admin_api.data(ME))["me"]["secondFactor"]
    assert me["enabled"] is True and me["required"] is False and me["enabledAt"]
    again = (await admin_api.data(BEGIN))["beginStaffTotpEnrolment"]
    assert again == {"secret": None, "otpauthUri": None, "errors": [{"code": "ALREADY_ENABLED"}]}
    # Other sessions end when the second factor is turned on.
    assert (await other(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # At rest: neither the secret nor a recovery code in the clear.
    async with runtime.database.transaction() as session:
        staff = await session.scalar(select(StaffUser))
        hashes = (await session.scalars(select(StaffRecoveryCode.code_hash))).all()
    assert staff is not None and staff.totp_secret is not None
    assert begun["secret"] not in staff.totp_secret
    assert not set(codes) & set(hashes)


async def test_password_then_code_and_each_code_works_once(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    secret, _ = await enrol(admin_api, clock)
    clock.advance(STEP)
    browser = GraphQLClient(client, "/admin/graphql")
    token = await password_step(browser)
    # The login token is no bearer token.
    browser.token = token
    assert (await browser(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    browser.token = None

    code = code_at(secret, clock())
    response = await browser.post(SECOND, {"t": token, "c": code[:3] + " " + code[3:]})
    payload = response.json()["data"]["staffLogInSecondFactor"]
    assert payload["step"] == "LOGGED_IN" and payload["staffUser"] == {"email": "admin@example.com"}
    assert f"portal_staff_session={payload['token']}" in response.headers["set-cookie"]
    # The login token is spent.
    assert (await second_step(browser, token, code))["errors"] == [
        {"code": "LOGIN_EXPIRED", "field": "loginToken"}
    ]
    # The same code in a new login within its window: refused (replay).
    replay = await second_step(browser, await password_step(browser), code)
    assert replay["errors"] == [{"code": "INVALID_CODE", "field": "code"}]
    assert replay["token"] is None
    # A code from two steps ago is too old; one step of drift either way is accepted.
    clock.advance(STEP * 3)
    stale = await second_step(
        browser, await password_step(browser), code_at(secret, clock() - 2 * STEP)
    )
    assert stale["errors"] == [{"code": "INVALID_CODE", "field": "code"}]
    ahead = await second_step(
        browser, await password_step(browser), code_at(secret, clock() + STEP)
    )
    assert ahead["step"] == "LOGGED_IN"
    # ... and after a code of the next step, the current step's code is older: refused.
    behind = await second_step(browser, await password_step(browser), code_at(secret, clock()))
    assert behind["errors"] == [{"code": "INVALID_CODE", "field": "code"}]


async def test_a_recovery_code_works_once(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    _, codes = await enrol(admin_api, clock)
    first = await second_step(admin_api, await password_step(admin_api), codes[0].upper())
    assert first["step"] == "LOGGED_IN"
    again = await second_step(admin_api, await password_step(admin_api), codes[0])
    assert again["errors"] == [{"code": "INVALID_CODE", "field": "code"}]
    admin_api.token = str(first["token"])
    assert (await admin_api.data(ME))["me"]["secondFactor"]["recoveryCodesLeft"] == 9


async def test_the_half_login_expires_after_five_minutes_and_five_wrong_codes(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, settings: Settings
) -> None:
    reconfigure(runtime, lockout_threshold=100)  # this test is about the login token alone
    await log_in_staff(admin_api, runtime)
    secret, _ = await enrol(admin_api, clock)

    token = await password_step(admin_api)
    clock.advance(timedelta(minutes=5, seconds=1))
    late = await second_step(admin_api, token, code_at(secret, clock()))
    assert late["errors"] == [{"code": "LOGIN_EXPIRED", "field": "loginToken"}]

    token = await password_step(admin_api)
    for _ in range(5):
        wrong = await second_step(admin_api, token, "000000")
        assert wrong["errors"] == [{"code": "INVALID_CODE", "field": "code"}]
    used_up = await second_step(admin_api, token, code_at(secret, clock()))
    assert used_up["errors"] == [{"code": "LOGIN_EXPIRED", "field": "loginToken"}]

    for forged in ("", "plc_" + "A" * 43, "pst_x", "x" * 10_000):
        body = await second_step(admin_api, forged, code_at(secret, clock()))
        assert body["errors"] == [{"code": "LOGIN_EXPIRED", "field": "loginToken"}]
    # A newer password step closes the older half-login.
    older = await password_step(admin_api)
    newer = await password_step(admin_api)
    assert (await second_step(admin_api, older, code_at(secret, clock())))["errors"][0][
        "code"
    ] == "LOGIN_EXPIRED"
    assert (await second_step(admin_api, newer, code_at(secret, clock())))["step"] == "LOGGED_IN"


async def test_brute_forced_codes_lock_the_second_factor_until_the_clock_moves(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    secret, codes = await enrol(admin_api, clock)
    for attempt in range(5):  # PORTAL_LOCKOUT_THRESHOLD, across login tokens
        token = await password_step(admin_api)
        assert (await second_step(admin_api, token, f"{attempt:06d}"))["errors"][0][
            "code"
        ] == "INVALID_CODE"
    clock.advance(STEP)
    token = await password_step(admin_api)  # the password itself is still right
    locked = await second_step(admin_api, token, code_at(secret, clock()))
    assert locked["errors"] == [{"code": "INVALID_CODE", "field": "code"}]
    locked = await second_step(admin_api, await password_step(admin_api), codes[1])
    assert locked["errors"] == [{"code": "INVALID_CODE", "field": "code"}]

    clock.advance(timedelta(minutes=1))
    released = await second_step(
        admin_api, await password_step(admin_api), code_at(secret, clock())
    )
    assert released["step"] == "LOGGED_IN"
    # The recovery code tried while locked was not looked at, so it is still unused.
    assert (await second_step(admin_api, await password_step(admin_api), codes[1]))[
        "step"
    ] == "LOGGED_IN"


async def test_disabling_needs_a_code_and_makes_the_login_one_step_again(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    secret, codes = await enrol(admin_api, clock)
    admin_api.token = str(
        (await second_step(admin_api, await password_step(admin_api), codes[0]))["token"]
    )
    assert (await admin_api.data(DISABLE, {"c": "123456"}))["disableStaffTotp"]["errors"] == [
        {"code": "INVALID_CODE", "field": "code"}
    ]
    assert (await admin_api.data(DISABLE, {"c": codes[0]}))["disableStaffTotp"]["errors"] == [
        {"code": "INVALID_CODE", "field": "code"}
    ]
    clock.advance(STEP)
    regenerated = (await admin_api.data(REGENERATE, {"c": code_at(secret, clock())}))[
        "regenerateStaffRecoveryCodes"
    ]
    new_codes = regenerated["recoveryCodes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert (await admin_api.data(DISABLE, {"c": codes[1]}))["disableStaffTotp"]["errors"][0][
        "code"
    ] == "INVALID_CODE"
    assert (await admin_api.data(DISABLE, {"c": new_codes[0]}))["disableStaffTotp"]["errors"] == []
    plain = await admin_api.data(LOG_IN, {"e": "admin@example.com", "p": STAFF_PASSWORD})
    assert plain["staffLogIn"]["step"] == "LOGGED_IN"
    assert (await admin_api.data(DISABLE, {"c": "123456"}))["disableStaffTotp"]["errors"] == [
        {"code": "NOT_ENABLED", "field": None}
    ]


async def test_an_admin_resets_a_colleagues_second_factor_and_support_cannot(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    sam_api = GraphQLClient(client, "/admin/graphql")
    await log_in_staff(sam_api, runtime, "sam@example.com", "support")
    await enrol(sam_api, clock)
    async with runtime.database.transaction() as session:
        ids = {
            s.email: to_global_id("StaffUser", s.id)
            for s in await session.scalars(select(StaffUser))
        }
    forbidden = await sam_api(RESET, {"id": ids["admin@example.com"]})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = await admin_api.data(RESET, {"id": ids["admin@example.com"]})
    assert own["resetStaffSecondFactor"]["errors"] == [
        {"code": "NOT_ALLOWED_ON_SELF", "field": "id"}
    ]

    done = await admin_api.data(RESET, {"id": ids["sam@example.com"]})
    assert done["resetStaffSecondFactor"]["errors"] == []
    assert (await sam_api(ME))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    plain = await sam_api.data(LOG_IN, {"e": "sam@example.com", "p": STAFF_PASSWORD})
    assert plain["staffLogIn"]["step"] == "LOGGED_IN"
    async with runtime.database.transaction() as session:
        mail = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "staff_second_factor_reset")
        )
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "staff.second_factor_reset")
        )
    assert mail is not None and mail.to_address == "sam@example.com"
    assert mail.context["reset_by"] == "admin"
    assert audit is not None and audit.actor_name == "admin"
    again = await admin_api.data(RESET, {"id": ids["sam@example.com"]})
    assert again["resetStaffSecondFactor"]["errors"] == [{"code": "NOT_ENABLED", "field": "id"}]


async def test_where_required_staff_without_a_second_factor_can_only_enrol(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    reconfigure(runtime, staff_require_2fa=True)
    await log_in_staff(admin_api, runtime)
    body = await admin_api(CONTACTS)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SECOND_FACTOR_ENROLMENT_REQUIRED"]
    sessions = await admin_api("{ myStaffSessions { totalCount } }")
    assert sessions["errors"][0]["extensions"]["code"] == "SECOND_FACTOR_ENROLMENT_REQUIRED"
    me = (await admin_api.data(ME))["me"]["secondFactor"]
    assert (me["enabled"], me["required"]) == (False, True)

    secret, _ = await enrol(admin_api, clock)
    # Enrolling ended the other sessions, not this one; this one now reaches everything.
    assert (await admin_api.data(CONTACTS))["contacts"]["totalCount"] == 0
    clock.advance(STEP)
    token = await password_step(admin_api)
    assert (await second_step(admin_api, token, code_at(secret, clock())))["step"] == "LOGGED_IN"


def test_the_second_factor_is_required_by_default_in_production_only(settings: Settings) -> None:
    assert settings.staff_second_factor_required is False
    assert settings.with_changes(env="development").staff_second_factor_required is False
    assert settings.with_changes(env="production").staff_second_factor_required is True
    assert (
        settings.with_changes(
            env="production", staff_require_2fa=False
        ).staff_second_factor_required
        is False
    )
    environ = {"PORTAL_STAFF_REQUIRE_2FA": "true", "PORTAL_SECRET_KEY": "x" * 40}
    assert Settings.from_env(environ=environ).staff_second_factor_required is True


async def test_an_unknown_staff_member_and_a_wrong_password_never_reach_the_second_step(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    await enrol(admin_api, clock)
    await make_staff(runtime, "sam@example.com", "support")
    for email, password in (
        ("admin@example.com", "wrong password"),
        ("nobody@example.com", STAFF_PASSWORD),
    ):
        body = (await admin_api.data(LOG_IN, {"e": email, "p": password}))["staffLogIn"]
        assert body["step"] is None and body["loginToken"] is None
        assert body["errors"] == [{"code": "INVALID_CREDENTIALS", "field": None}]
    plain = (await admin_api.data(LOG_IN, {"e": "sam@example.com", "p": STAFF_PASSWORD}))[
        "staffLogIn"
    ]
    assert plain["step"] == "LOGGED_IN"


async def test_a_password_change_ends_a_half_finished_login(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)
    secret, _ = await enrol(admin_api, clock)
    thief = GraphQLClient(client, "/admin/graphql")
    token = await password_step(thief)
    changed = await admin_api.data(
        'mutation { changeMyStaffPassword(currentPassword: "correct horse battery staple", '
        'newPassword: "Ein neues Passwort 2026") { ok } }'
    )
    assert changed["changeMyStaffPassword"]["ok"] is True
    clock.advance(STEP)
    late = await second_step(thief, token, code_at(secret, clock()))
    assert late["errors"] == [{"code": "LOGIN_EXPIRED", "field": "loginToken"}]


async def test_one_code_sent_twice_at_once_logs_in_once(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock, app: object, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    await log_in_staff(admin_api, runtime)
    secret, _ = await enrol(admin_api, clock)
    clock.advance(STEP)
    token = await password_step(admin_api)
    code = code_at(secret, clock())

    async def send(i: int) -> dict[str, object]:
        transport = httpx.ASGITransport(app=app, client=(f"203.0.113.{i + 1}", 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await second_step(GraphQLClient(http, "/admin/graphql"), token, code)

    results = await asyncio.gather(*(send(i) for i in range(8)))
    assert sorted(str(r["step"]) for r in results).count("LOGGED_IN") == 1
