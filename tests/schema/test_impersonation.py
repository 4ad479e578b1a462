"""Support impersonation across both APIs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import AuditEntry, Impersonation, OutboxMessage, PortalUser, StaffUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, log_in_customer, log_in_staff, make_customer

START = """
mutation S($u: ID!, $reason: String!, $mode: ImpersonationMode!) {
  startImpersonation(portalUserId: $u, reason: $reason, ticketReference: "T-1234", mode: $mode) {
    loginUrl token impersonation { id state staffName } errors { code field }
  }
}
"""
REDEEM = """
mutation R($t: String!) {
  startImpersonatedSession(token: $t) { token viewer { email } errors { code field } }
}
"""
BANNER = "{ viewer { email lastLoginAt impersonation { staffName reason mode startedAt expiresAt } contact { history { description } } } }"
UPDATE = 'mutation { updateMyProfile(input: {city: "Bonn"}) { contact { city } errors { code } } }'
REASON = "Customer cannot find their invoice (call)"


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def start(
    admin_api: GraphQLClient, user: PortalUser, mode: str = "READ_ONLY", reason: str = REASON
) -> dict[str, Any]:
    data = await admin_api.data(
        START, {"u": to_global_id("PortalUser", user.id), "reason": reason, "mode": mode}
    )
    result: dict[str, Any] = data["startImpersonation"]
    return result


async def enter(portal_api: GraphQLClient, token: str) -> dict[str, Any]:
    data = await portal_api.data(REDEEM, {"t": token})
    result: dict[str, Any] = data["startImpersonatedSession"]
    if result["token"]:
        portal_api.token = result["token"]
    return result


async def test_permissions_and_reason_are_required(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    variables = {"u": to_global_id("PortalUser", user.id), "reason": REASON, "mode": "READ_ONLY"}
    assert code(await admin_api(START, variables)) == "UNAUTHENTICATED"
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    assert code(await admin_api(START, {**variables, "mode": "FULL"})) == "FORBIDDEN"
    short = await start(admin_api, user, reason="because")
    assert short["errors"] == [{"code": "REASON_TOO_SHORT", "field": "reason"}]
    assert (
        code(await admin_api('mutation { revokeImpersonation(id: "x") { errors { code } } }'))
        == "FORBIDDEN"
    )


async def test_suspended_and_unlinked_users_cannot_be_impersonated(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    pending, _ = await make_customer(runtime, "pending@example.de", linked=False)
    suspended, _ = await make_customer(runtime, "gesperrt@example.de")
    async with runtime.database.transaction() as session:
        await session.execute(
            update(PortalUser)
            .where(PortalUser.id == suspended.id)
            .values(suspended_at=runtime.settings.clock())
        )
    assert (await start(admin_api, pending))["errors"][0]["code"] == "USER_NOT_LINKED"
    assert (await start(admin_api, suspended))["errors"][0]["code"] == "USER_SUSPENDED"


async def test_read_only_session_sees_everything_and_changes_nothing(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    started = await start(admin_api, user)
    assert started["errors"] == []
    assert started["loginUrl"].startswith("https://portal.example.test/support-login?token=")
    assert started["impersonation"]["state"] == "PENDING"
    entered = await enter(portal_api, started["token"])
    assert entered["viewer"] == {"email": "kunde@example.de"}
    viewer = (await portal_api.data(BANNER))["viewer"]
    assert viewer["lastLoginAt"] is None  # the customer's last login is untouched
    banner = viewer["impersonation"]
    assert (banner["staffName"], banner["reason"], banner["mode"]) == ("admin", REASON, "READ_ONLY")
    assert viewer["contact"]["history"] == [{"description": "Viewed by support"}]
    assert code(await portal_api(UPDATE)) == "IMPERSONATION_READ_ONLY"
    for document in (
        'mutation { changePassword(currentPassword: "x", newPassword: "Neues-Passwort-99") { ok } }',
        'mutation { requestEmailChange(newEmail: "x@example.de", password: "x") { errors { code } } }',
        'mutation { deleteMyAccount(password: "x") { deleted } }',
        "mutation { logOutEverywhere { ok } }",
    ):
        assert code(await portal_api(document)) == "FORBIDDEN_WHILE_IMPERSONATING", document
    async with runtime.database.transaction() as session:
        stored = await session.get(PortalUser, user.id)
        notice = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "impersonation_notice")
        )
    assert stored is not None and stored.last_login_at is None
    assert notice is not None and notice.context["staff_name"] == "admin"


async def test_full_mode_allows_ordinary_changes_audited_with_both_identities(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await enter(portal_api, (await start(admin_api, user, mode="FULL"))["token"])
    assert (await portal_api.data(UPDATE))["updateMyProfile"]["contact"]["city"] == "Bonn"
    assert (
        code(await portal_api('mutation { deleteMyAccount(password: "x") { deleted } }'))
        == "FORBIDDEN_WHILE_IMPERSONATING"
    )
    await portal_api.data("mutation { endImpersonation { ok } }")
    async with runtime.database.transaction() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("impersonation.%"))
                .order_by(AuditEntry.occurred_at, AuditEntry.action)
            )
        )
    actions = {e.action: e for e in entries}
    assert set(actions) == {
        "impersonation.start",
        "impersonation.session_started",
        "impersonation.mutation",
        "impersonation.ended",
    }
    mutation = actions["impersonation.mutation"]
    assert (mutation.actor_type, mutation.actor_name, mutation.subject_id) == (
        "staff",
        "admin",
        user.id,
    )
    assert mutation.changes["mutation"] == "updateMyProfile"
    assert actions["impersonation.start"].changes["ticket"] == "T-1234"
    assert contact is not None and mutation.contact_id == contact.id
    assert code(await portal_api("{ viewer { email } }")) == "UNAUTHENTICATED"


async def test_token_is_single_use_bound_and_expires_in_two_minutes(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    anna, _ = await make_customer(runtime, "anna@example.de")
    await make_customer(runtime, "bernd@example.de")
    await log_in_staff(admin_api, runtime)
    token = (await start(admin_api, anna))["token"]
    assert (await enter(portal_api, token))["viewer"] == {"email": "anna@example.de"}
    portal_api.token = None
    portal_api.http.cookies.clear()  # a browser inside a support session could not do this
    again = await enter(portal_api, token)
    assert again["errors"][0]["code"] == "TOKEN_USED"
    # Tampering with the subject breaks the signature: a token for Anna never opens Bernd.
    forged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert (await enter(portal_api, forged))["errors"][0]["code"] == "INVALID_TOKEN"
    late = (await start(admin_api, anna))["token"]
    clock.advance(timedelta(seconds=121))
    assert (await enter(portal_api, late))["errors"][0]["code"] == "TOKEN_EXPIRED"
    # A password-reset token is no impersonation token, whoever signed it.
    from identity.signed_tokens import TokenPurpose

    other, _ = runtime.identity.tokens.issue(TokenPurpose.PASSWORD_RESET, anna.id)
    assert (await enter(portal_api, other))["errors"][0]["code"] == "INVALID_TOKEN"


async def test_hard_maximum_and_revocation(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await enter(portal_api, (await start(admin_api, user))["token"])
    clock.advance(timedelta(minutes=29))
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]
    clock.advance(timedelta(minutes=2))
    assert code(await portal_api("{ viewer { email } }")) == "UNAUTHENTICATED"

    from tests.factories import relog_in_staff

    await relog_in_staff(admin_api)
    second = await start(admin_api, user)
    await enter(portal_api, second["token"])
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]
    revoked = await admin_api.data(
        "mutation R($id: ID!) { revokeImpersonation(id: $id) { impersonation { state } errors { code } } }",
        {"id": second["impersonation"]["id"]},
    )
    assert revoked["revokeImpersonation"]["impersonation"]["state"] == "REVOKED"
    assert code(await portal_api("{ viewer { email } }")) == "UNAUTHENTICATED"
    listed = await admin_api.data("{ impersonationSessions { nodes { state reason } } }")
    assert [s["state"] for s in listed["impersonationSessions"]["nodes"]] == [
        "REVOKED",
        "EXPIRED",
    ]
    # The customer's own login is unaffected by all of this.
    portal_api.token = None
    portal_api.http.cookies.clear()
    login = await portal_api.data(
        'mutation L($p: String!) { logIn(email: "kunde@example.de", password: $p) { token } }',
        {"p": CUSTOMER_PASSWORD},
    )
    assert login["logIn"]["token"]


def test_every_customer_mutation_is_guarded_against_impersonation() -> None:
    """Read-only support sessions refuse every mutation: each mutation field of the customer
    API carries WritesAllowed or NotImpersonating, except the two that end a session."""
    from schema.common.permissions import NotImpersonating, WritesAllowed
    from schema.portal.schema import Mutation

    allowed_in_read_only = {"log_out", "end_impersonation"}
    unguarded = []
    for field in Mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        guards = {type(p) for p in field.permission_classes or []} | set(
            field.permission_classes or []
        )
        if field.python_name in allowed_in_read_only:
            continue
        if not guards & {WritesAllowed, NotImpersonating}:
            unguarded.append(field.python_name)
    assert unguarded == []


async def test_impersonation_is_bound_to_an_active_staff_member(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await enter(portal_api, (await start(admin_api, user))["token"])
    pending = (await start(admin_api, user))["token"]
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]
    async with runtime.database.transaction() as session:
        await session.execute(update(StaffUser).values(is_active=False))
    # The open session stops at once, and the issued token opens nothing.
    assert code(await portal_api("{ viewer { email } }")) == "UNAUTHENTICATED"
    portal_api.token = None
    portal_api.http.cookies.clear()
    assert (await enter(portal_api, pending))["errors"] == [
        {"code": "INVALID_TOKEN", "field": "token"}
    ]
    async with runtime.database.transaction() as session:
        started = await session.scalar(
            select(func.count()).where(Impersonation.started_at.isnot(None))
        )
    assert started == 1


async def test_impersonation_ends_when_its_staff_member_loses_the_permission(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await enter(portal_api, (await start(admin_api, user, mode="FULL"))["token"])
    pending = (await start(admin_api, user, mode="FULL"))["token"]
    assert (await portal_api.data("{ viewer { email } }"))["viewer"]
    # Demoted to support, which may impersonate read-only but not in FULL mode.
    async with runtime.database.transaction() as session:
        await session.execute(update(StaffUser).values(role="support"))
    assert code(await portal_api("{ viewer { email } }")) == "UNAUTHENTICATED"
    portal_api.token = None
    portal_api.http.cookies.clear()
    assert (await enter(portal_api, pending))["errors"][0]["code"] == "INVALID_TOKEN"


async def test_impersonation_replaces_an_existing_customer_cookie_with_its_own_session(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    anna, _ = await make_customer(runtime, "anna@example.de")
    await make_customer(runtime, "bernd@example.de")
    # The browser holds Bernd's own session in its cookie.
    own = await log_in_customer(portal_api, "bernd@example.de")
    portal_api.token = None
    assert portal_api.http.cookies["portal_session"] == own
    await log_in_staff(admin_api, runtime)
    response = await portal_api.post(REDEEM, {"t": (await start(admin_api, anna))["token"]})
    redeemed = response.json()["data"]["startImpersonatedSession"]
    assert redeemed["viewer"] == {"email": "anna@example.de"}
    support = redeemed["token"]
    assert support and support != own
    assert f"portal_session={support}" in response.headers["set-cookie"]
    assert portal_api.http.cookies["portal_session"] == support
    # The cookie now opens the impersonation; Bernd's session was neither adopted nor changed.
    banner = "{ viewer { email impersonation { staffName } } }"
    assert (await portal_api.data(banner))["viewer"] == {
        "email": "anna@example.de",
        "impersonation": {"staffName": "admin"},
    }
    portal_api.token = own
    assert (await portal_api.data(banner))["viewer"] == {
        "email": "bernd@example.de",
        "impersonation": None,
    }


LIST = """
query L($state: ImpersonationState, $u: ID, $first: Int, $after: String) {
  impersonationSessions(state: $state, portalUserId: $u, first: $first, after: $after) {
    nodes { reason state } totalCount pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_the_list_filters_and_pages_in_sql_beyond_any_fixed_window(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """Each state's filter finds its rows however many newer ones there are (the list once
    read the newest 500 and filtered those in Python), and pages continue with the cursor."""
    user, _ = await make_customer(runtime)
    now = clock()
    start_of = now - timedelta(days=1)
    minute = timedelta(minutes=1)

    def row(reason: str, created: timedelta, **state: Any) -> Impersonation:
        values: dict[str, Any] = {"token_expires_at": now + 2 * minute, **state}
        return Impersonation(
            staff_user_id=None, staff_name="Support", portal_user_id=user.id,
            contact_id=user.contact_id, reason=reason, mode="READ_ONLY",
            token_jti=reason.replace(" ", "-")[:32], created_at=start_of + created,
            updated_at=start_of + created, **values,
        )  # fmt: skip

    running = {"started_at": now - minute, "expires_at": now + minute}
    async with runtime.database.transaction() as session:
        session.add(row("active", minute, **running))
        session.add(row("pending", 2 * minute))
        session.add(row("token lapsed", 3 * minute, token_expires_at=now - minute))
        lapsed = {"started_at": now - 40 * minute, "expires_at": now - 10 * minute}
        session.add(row("session lapsed", 4 * minute, **lapsed))
        session.add(row("revoked", 5 * minute, **running, ended_at=now, end_reason="REVOKED"))
        # 501 newer ended impersonations push the others out of any "newest 500" window.
        for n in range(501):
            ended = {**running, "ended_at": now, "end_reason": "ENDED"}
            session.add(row(f"ended {n}", (10 + n) * minute, **ended))
    await log_in_staff(admin_api, runtime)

    async def reasons(state: str) -> list[str]:
        listed = (await admin_api.data(LIST, {"state": state}))["impersonationSessions"]
        assert {node["state"] for node in listed["nodes"]} <= {state}
        return [node["reason"] for node in listed["nodes"]]

    assert await reasons("ACTIVE") == ["active"]
    assert await reasons("PENDING") == ["pending"]
    assert await reasons("EXPIRED") == ["session lapsed", "token lapsed"]
    assert await reasons("REVOKED") == ["revoked"]
    ended = (await admin_api.data(LIST, {"state": "ENDED", "first": 100}))["impersonationSessions"]
    assert ended["totalCount"] == 501 and ended["pageInfo"]["hasNextPage"]
    assert ended["nodes"][0]["reason"] == "ended 500"

    seen: list[str] = []
    after = None
    while True:
        page = (await admin_api.data(LIST, {"first": 100, "after": after}))["impersonationSessions"]
        seen += [node["reason"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 506 and seen[-5:] == [
        "revoked", "session lapsed", "token lapsed", "pending", "active",
    ]  # fmt: skip
    other = await admin_api.data(LIST, {"u": to_global_id("Contact", user.id)})
    assert other["impersonationSessions"]["nodes"] == []
    too_many = await admin_api(LIST, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
