"""Portal users in the staff API: list, review decisions, suspension, deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from portal.app.runtime import Runtime
from portal.models import Contact, OutboxMessage, PortalUser
from portal.services.actors import Actor, ActorType
from portal.services.contacts import ContactDraft, create_contact
from portal.services.contacts.groups_tags import change_tags, save_group, set_contact_groups
from portal.services.resources import assign_resource, save_resource
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import link_in, log_in_customer, log_in_staff, make_customer

LIST = """
query Users($filter: PortalUserFilterInput, $first: Int, $after: String) {
  portalUsers(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id email registrationStatus mappingStatus pendingReason contact { lastName } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CANDIDATES = """
query C($id: ID!) { matchingCandidates(portalUserId: $id) { customerNumber lastName } }
"""
RESULT = (
    "portalUser { mappingStatus pendingReason suspendedAt contact { lastName } } "
    "errors { code field }"
)
ASSIGN = f"""
mutation A($user: ID!, $contact: ID!) {{
  assignPortalUser(portalUserId: $user, contactId: $contact) {{ {RESULT} }}
}}
"""
CREATE_FOR = """
mutation C($user: ID!, $input: CreateContactInput!) {
  createContactForPortalUser(portalUserId: $user, input: $input) {
    contact { lastName email } portalUser { mappingStatus } errors { code }
  }
}
"""


def simple(name: str) -> str:
    return f"mutation M($user: ID!) {{ {name}(portalUserId: $user) {{ {RESULT} }} }}"


def gid(kind: str, row: Any) -> str:
    return str(to_global_id(kind, row.id))


async def make_contact(runtime: Runtime, last_name: str, email: str | None = None) -> Contact:
    async with runtime.database.transaction() as session:
        return await create_contact(session, ContactDraft(last_name=last_name, email=email))


async def test_list_and_filter_portal_users(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "a@example.de")
    await make_customer(runtime, "b@example.de", linked=False)
    await make_customer(runtime, "c@example.de", linked=False, activated=False)
    everyone = (await admin_api.data(LIST, {"first": 2}))["portalUsers"]
    assert everyone["totalCount"] == 3
    assert everyone["pageInfo"]["hasNextPage"] is True
    rest = await admin_api.data(LIST, {"first": 2, "after": everyone["pageInfo"]["endCursor"]})
    emails = [e["node"]["email"] for e in everyone["edges"] + rest["portalUsers"]["edges"]]
    assert sorted(emails) == ["a@example.de", "b@example.de", "c@example.de"]

    pending = (await admin_api.data(LIST, {"filter": {"mappingStatus": "PENDING"}}))["portalUsers"]
    assert sorted(e["node"]["email"] for e in pending["edges"]) == ["b@example.de", "c@example.de"]
    waiting = await admin_api.data(
        LIST, {"filter": {"registrationStatus": "ACTIVATION_EMAIL_SENT"}}
    )
    assert [e["node"]["email"] for e in waiting["portalUsers"]["edges"]] == ["c@example.de"]
    by_email = await admin_api.data(LIST, {"filter": {"email": "A@EXAMPLE"}})
    (node,) = [e["node"] for e in by_email["portalUsers"]["edges"]]
    assert node["contact"] == {"lastName": "Kunde"}
    nothing = await admin_api.data(LIST, {"filter": {"contactId": "bm90IGFuIGlk"}})
    assert nothing["portalUsers"]["totalCount"] == 0


async def test_staff_assign_a_pending_user_who_is_emailed(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime, linked=False)
    same_email = await make_contact(runtime, "Kunde", "kunde@example.de")
    near = await make_contact(runtime, "Kunde")
    await make_contact(runtime, "Fremd")
    candidates = await admin_api.data(CANDIDATES, {"id": gid("PortalUser", user)})
    numbers = [c["customerNumber"] for c in candidates["matchingCandidates"]]
    assert numbers == [str(same_email.customer_number), str(near.customer_number)]

    result = await admin_api.data(
        ASSIGN, {"user": gid("PortalUser", user), "contact": gid("Contact", same_email)}
    )
    assert result["assignPortalUser"]["errors"] == []
    assert result["assignPortalUser"]["portalUser"]["mappingStatus"] == "ASSIGNED"
    assert result["assignPortalUser"]["portalUser"]["contact"] == {"lastName": "Kunde"}
    async with runtime.database.transaction() as session:
        mail = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "account_ready")
        )
    assert mail is not None
    assert link_in(runtime, mail, "login_url") == "https://portal.example.test/login"
    await log_in_customer(portal_api)

    again = await admin_api.data(
        ASSIGN, {"user": gid("PortalUser", user), "contact": gid("Contact", near)}
    )
    assert again["assignPortalUser"]["errors"] == [
        {"code": "ALREADY_ASSIGNED", "field": "portalUserId"}
    ]


async def test_assignment_refuses_a_contact_that_has_a_portal_user(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    _, taken = await make_customer(runtime, "linked@example.de")
    waiting, _ = await make_customer(runtime, "waiting@example.de", linked=False)
    result = await admin_api.data(
        ASSIGN, {"user": gid("PortalUser", waiting), "contact": gid("Contact", taken)}
    )
    assert result["assignPortalUser"]["errors"] == [
        {"code": "CONTACT_HAS_PORTAL_USER", "field": "contactId"}
    ]
    missing = await admin_api.data(
        ASSIGN, {"user": gid("PortalUser", waiting), "contact": "bm9wZQ"}
    )
    assert missing["assignPortalUser"]["errors"][0]["code"] == "CONTACT_NOT_FOUND"


async def test_create_contact_for_portal_user_links_in_one_step(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime, linked=False)
    data = await admin_api.data(
        CREATE_FOR,
        {
            "user": gid("PortalUser", user),
            "input": {"lastName": "Neukunde", "email": "kunde@example.de"},
        },
    )
    assert data["createContactForPortalUser"] == {
        "contact": {"lastName": "Neukunde", "email": "kunde@example.de"},
        "portalUser": {"mappingStatus": "ASSIGNED"},
        "errors": [],
    }


async def test_suspend_kills_sessions_and_reactivation_does_not_revive_them(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime)
    old_token = await log_in_customer(portal_api)
    suspended = await admin_api.data(simple("suspendPortalUser"), {"user": gid("PortalUser", user)})
    assert suspended["suspendPortalUser"]["portalUser"]["suspendedAt"] is not None
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    twice = await admin_api.data(simple("suspendPortalUser"), {"user": gid("PortalUser", user)})
    assert twice["suspendPortalUser"]["errors"][0]["code"] == "ALREADY_SUSPENDED"
    await admin_api.data(simple("reactivatePortalUser"), {"user": gid("PortalUser", user)})
    portal_api.token = old_token
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await log_in_customer(portal_api)


async def test_unassign_and_delete(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    user, contact = await make_customer(runtime)
    await log_in_customer(portal_api)
    data = await admin_api.data(simple("unassignPortalUser"), {"user": gid("PortalUser", user)})
    assert data["unassignPortalUser"]["portalUser"]["pendingReason"] == "UNASSIGNED"
    body = await portal_api("{ viewer { email } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    deleted = await admin_api.data(
        "mutation D($user: ID!) { deletePortalUser(portalUserId: $user) "
        "{ deletedPortalUserId errors { code } } }",
        {"user": gid("PortalUser", user)},
    )
    assert deleted["deletePortalUser"]["deletedPortalUserId"] == gid("PortalUser", user)
    async with runtime.database.transaction() as session:
        assert await session.get(PortalUser, user.id) is None
        assert contact is not None
        assert await session.get(Contact, contact.id) is not None


async def test_manual_activation_and_resend(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime, linked=False, activated=False)
    await make_contact(runtime, "Kunde", "kunde@example.de")
    resent = await admin_api.data(
        simple("resendActivationEmail"), {"user": gid("PortalUser", user)}
    )
    assert resent["resendActivationEmail"]["errors"] == []
    activated = await admin_api.data(
        simple("activatePortalUserManually"), {"user": gid("PortalUser", user)}
    )
    # The address is still unproven: no contact is matched by it (issue 16, item 1).
    assert activated["activatePortalUserManually"]["portalUser"]["mappingStatus"] == "PENDING"
    again = await admin_api.data(simple("resendActivationEmail"), {"user": gid("PortalUser", user)})
    assert again["resendActivationEmail"]["errors"][0]["code"] == "ALREADY_ACTIVATED"


async def test_support_can_read_but_needs_permissions_to_change_settings(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    assert (await admin_api.data(LIST, {}))["portalUsers"]["totalCount"] == 0
    body = await admin_api(
        "mutation { updatePortalSettings(input: {registrationPolicy: DENY_NEW}) "
        "{ errors { code } } }"
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


NESTED = """
query Nested($first: Int!) { portalUsers(first: $first) { edges { node {
  email contact { customerNumber portalStatus tags { name } groups { name }
                  resources { resource { name } permissions } }
} } } }
"""


async def test_a_nested_page_costs_four_statements_at_any_size(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    actor = Actor(ActorType.SYSTEM, name="test")
    for index in range(12):
        _user, contact = await make_customer(runtime, f"kunde{index}@example.de")
        assert contact is not None
        async with runtime.database.transaction() as session:
            group = await save_group(session, actor, f"Gruppe {index}", "")
            await set_contact_groups(session, actor, contact, [group.id])
            await change_tags(session, actor, contact, ["a", f"t{index}"], add=True)
            site = await save_resource(session, actor, {"kind": "SITE", "name": f"Site {index}"})
            await assign_resource(session, runtime.settings, actor, contact, site, ["VIEW"])
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        counts = []
        for size in (2, 12):
            statements.clear()
            data = await admin_api.data(NESTED, {"first": size})
            edges = data["portalUsers"]["edges"]
            assert len(edges) == size
            assert all(len(e["node"]["contact"]["tags"]) == 2 for e in edges)
            assert all(len(e["node"]["contact"]["groups"]) == 1 for e in edges)
            assert all(
                e["node"]["contact"]["resources"][0]["permissions"] == ["VIEW"] for e in edges
            )
            # The session lookup and BEGIN are per request, not per page.
            counts.append(
                sum(1 for s in statements if "staff_sessions" not in s and "BEGIN" not in s)
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # page with its contacts (one join), tags, groups, resources: the portal users of the page
    # answer portalStatus themselves
    assert counts == [4, 4], counts
