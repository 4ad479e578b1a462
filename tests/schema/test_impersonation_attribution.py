"""Support acting inside a FULL impersonation changes data as support: the contact's history
and the audit entry of the change name the staff member acting for the customer, and the
customer sees "changed by support" (source ``support``) on their side. Before: both named the
customer."""

from __future__ import annotations

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, ContactHistoryEntry
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer
from tests.schema.test_impersonation import UPDATE, enter, start

MINE = "{ viewer { contact { history { description source } } } }"


async def test_changes_in_a_full_support_session_are_attributed_to_support(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)
    assert contact is not None
    await log_in_staff(admin_api, runtime)
    await enter(portal_api, (await start(admin_api, user, mode="FULL"))["token"])
    assert (await portal_api.data(UPDATE))["updateMyProfile"]["errors"] == []
    await portal_api.data("mutation { endImpersonation { ok } }")
    async with runtime.database.transaction() as session:
        change = await session.scalar(
            select(ContactHistoryEntry).where(ContactHistoryEntry.description.like("Changed:%"))
        )
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "contact.update")
        )
    assert change is not None and audit is not None
    assert (change.actor_type, change.source, change.visible_to_customer) == (
        "staff", "support", True,
    )  # fmt: skip
    assert change.actor_name == "admin (support, for kunde@example.de)"
    assert (audit.actor_type, audit.actor_name) == ("staff", change.actor_name)
    assert audit.changes["city"][1] == "Bonn"
    # The customer, back in their own session, sees the change as support's.
    portal_api.token = None
    portal_api.http.cookies.clear()
    await log_in_customer(portal_api)
    history = (await portal_api.data(MINE))["viewer"]["contact"]["history"]
    assert {"description": "Changed: city", "source": "support"} in history


async def test_the_customers_own_changes_stay_theirs(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)
    assert (await portal_api.data(UPDATE))["updateMyProfile"]["errors"] == []
    async with runtime.database.transaction() as session:
        change = await session.scalar(
            select(ContactHistoryEntry).where(ContactHistoryEntry.description.like("Changed:%"))
        )
    assert change is not None
    assert (change.actor_type, change.source, change.actor_name) == (
        "customer", "portal", "kunde@example.de",
    )  # fmt: skip
