"""Support helps a locked-out customer without ever knowing the password: sendPasswordResetLink
emails the customer a reset link (active users too), the customer chooses the password, and
nothing of the link reaches staff (the answer, the audit entry, the history)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, ContactHistoryEntry, OutboxMessage, PortalUser
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, link_in, log_in_staff, make_customer

SEND = """mutation S($user: ID!) { sendPasswordResetLink(portalUserId: $user) {
  portalUser { email } errors { code field message } } }"""
RESET = """mutation R($token: String!, $pw: String!) {
  resetPassword(token: $token, newPassword: $pw) { ok errors { code } } }"""
LOG_IN = """mutation L($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token errors { code } } }"""


async def reset_tokens(runtime: Runtime) -> list[str]:
    async with runtime.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "password_reset")
            .order_by(OutboxMessage.created_at)
        )
        return [
            parse_qs(urlparse(link_in(runtime, m, "reset_url")).query)["token"][0] for m in rows
        ]


async def test_staff_send_a_reset_link_and_the_customer_chooses_the_password(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)  # active: the link works for them too
    assert contact is not None
    await log_in_staff(admin_api, runtime)
    answer = await admin_api.data(SEND, {"user": str(to_global_id("PortalUser", user.id))})
    assert answer["sendPasswordResetLink"] == {
        "portalUser": {"email": "kunde@example.de"},
        "errors": [],
    }
    (token,) = await reset_tokens(runtime)
    assert token not in json.dumps(answer)
    async with runtime.database.transaction() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "portal_user.password_reset_link_sent")
        )
        history = list(
            await session.scalars(
                select(ContactHistoryEntry.description).where(
                    ContactHistoryEntry.contact_id == contact.id
                )
            )
        )
    assert audit is not None and token not in json.dumps(audit.changes)
    assert "Portal account: password reset link sent" in history
    done = await portal_api.data(RESET, {"token": token, "pw": "Selbst-gewaehlt-2026"})
    assert done["resetPassword"] == {"ok": True, "errors": []}
    old = await portal_api.data(LOG_IN, {"e": "kunde@example.de", "p": CUSTOMER_PASSWORD})
    assert old["logIn"]["token"] is None
    new = await portal_api.data(LOG_IN, {"e": "kunde@example.de", "p": "Selbst-gewaehlt-2026"})
    assert new["logIn"]["token"]


async def test_a_newer_link_voids_the_older_and_suspended_or_new_users_are_typed_errors(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    waiting, _ = await make_customer(runtime, "neu@example.de", activated=False, linked=False)
    await log_in_staff(admin_api, runtime)
    user_id = str(to_global_id("PortalUser", user.id))
    await admin_api.data(SEND, {"user": user_id})
    await admin_api.data(SEND, {"user": user_id})
    first, _second = await reset_tokens(runtime)
    assert (await portal_api.data(RESET, {"token": first, "pw": "Erstes-Passwort-2026"}))[
        "resetPassword"
    ]["errors"] == [{"code": "INVALID_TOKEN"}]
    new_user = await admin_api.data(SEND, {"user": str(to_global_id("PortalUser", waiting.id))})
    assert [e["code"] for e in new_user["sendPasswordResetLink"]["errors"]] == ["NOT_ACTIVATED"]
    await admin_api.data(
        "mutation S($user: ID!) { suspendPortalUser(portalUserId: $user) { errors { code } } }",
        {"user": user_id},
    )
    suspended = await admin_api.data(SEND, {"user": user_id})
    assert [e["code"] for e in suspended["sendPasswordResetLink"]["errors"]] == ["SUSPENDED"]
    async with runtime.database.transaction() as session:
        assert len(list(await session.scalars(select(PortalUser)))) == 2
    assert len(await reset_tokens(runtime)) == 2  # nothing sent for the refused ones
