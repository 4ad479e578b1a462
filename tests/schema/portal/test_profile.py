"""The customer's view of their own data and profile changes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, Contact, ContactHistoryEntry
from portal.services.actors import SYSTEM
from portal.services.contacts.history import add_history_entry
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer

VIEWER = """
{ viewer { email mappingStatus contact {
    customerNumber firstName lastName city phone1 language formality groups tags
    quickInfo { historyCount totalRevenue { amount currency } }
    history { description source revenue { amount } }
} } }
"""
UPDATE = """
mutation U($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { contact { firstName city phone1 formality reachability { weekday from to } } errors { code field } }
}
"""


async def test_viewer_sees_own_contact_and_customer_history(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    _, contact = await make_customer(runtime)
    assert contact is not None
    async with runtime.database.transaction() as session:
        await add_history_entry(
            session, contact.id, SYSTEM, source="POS", description="Einkauf",
            revenue=(Decimal("12.50"), "EUR"), visible_to_customer=True,
        )  # fmt: skip
        await add_history_entry(
            session, contact.id, SYSTEM, source="note", description="Staff-internal remark"
        )
    await log_in_customer(portal_api)
    viewer = (await portal_api.data(VIEWER))["viewer"]
    assert viewer["mappingStatus"] == "ASSIGNED"
    me = viewer["contact"]
    assert (me["firstName"], me["lastName"]) == ("Anna", "Kunde")
    assert me["customerNumber"] == str(contact.customer_number)
    # One frozen instant: the order between the two is not the point.
    assert sorted(me["history"], key=lambda entry: entry["description"]) == [
        {"description": "Einkauf", "source": "POS", "revenue": {"amount": "12.50"}},
        {"description": "First portal login", "source": "portal", "revenue": None},
    ]
    assert me["quickInfo"]["totalRevenue"] == [{"amount": "12.50", "currency": "EUR"}]


async def test_update_my_profile_changes_the_contact_with_history(
    portal_api: GraphQLClient, admin_api: GraphQLClient, runtime: Runtime
) -> None:
    _, contact = await make_customer(runtime)
    assert contact is not None
    await log_in_customer(portal_api)
    bad = await portal_api.data(UPDATE, {"input": {"phone1": "nope", "city": "x" * 500}})
    assert {(e["code"], e["field"]) for e in bad["updateMyProfile"]["errors"]} == {
        ("INVALID_PHONE", "phone1"),
        ("TOO_LONG", "city"),
    }
    data = await portal_api.data(
        UPDATE,
        {
            "input": {
                "city": "Köln",
                "phone1": "0221 998877",
                "formality": "INFORMAL",
                "reachability": [{"weekday": 2, "from": "09:00", "to": "12:00"}],
            }
        },
    )
    assert data["updateMyProfile"]["errors"] == []
    assert data["updateMyProfile"]["contact"]["city"] == "Köln"
    assert data["updateMyProfile"]["contact"]["firstName"] == "Anna"
    async with runtime.database.transaction() as session:
        row = await session.get(Contact, contact.id)
        assert row is not None
        assert row.phone1_e164 == "+49221998877"
        entry = await session.scalar(
            select(ContactHistoryEntry).where(
                ContactHistoryEntry.actor_type == "customer",
                ContactHistoryEntry.description != "First portal login",
            )
        )
    assert entry is not None
    assert entry.visible_to_customer is True
    assert "city" in entry.description
    # Staff see the customer's change in the audit log.
    await log_in_staff(admin_api, runtime)
    audit = await admin_api.data(
        "query A($id: ID!) { auditLog(contactId: $id) { edges { node { action actorType } } } }",
        {"id": to_global_id("Contact", contact.id)},
    )
    assert {"action": "CONTACT_UPDATE", "actorType": "CUSTOMER"} in [
        e["node"] for e in audit["auditLog"]["edges"]
    ]


async def test_staff_actions_on_portal_users_are_audited(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    user, _ = await make_customer(runtime)
    await log_in_staff(admin_api, runtime)
    await admin_api.data(
        "mutation S($u: ID!) { suspendPortalUser(portalUserId: $u) { errors { code } } }",
        {"u": to_global_id("PortalUser", user.id)},
    )
    async with runtime.database.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "portal_user.suspend")
        )
    assert entry is not None
    assert (entry.actor_type, entry.actor_name, entry.subject_id) == ("staff", "admin", user.id)
