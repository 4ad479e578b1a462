"""The stored portal status (``contacts.portal_status``) equals the status derived from the
facts after every lifecycle transition, for every contact, whichever path changed the facts:
resources shared and withdrawn (also by deleting the resource), invitations accepted, logins,
suspensions, portal users unassigned, assigned, deleted, merged or deleting themselves."""

from __future__ import annotations

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import Contact, PortalUser, derived_portal_status
from schema.common.ids import from_global_id, to_global_id
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_LOG_IN, log_in_staff
from tests.schema.admin.contact_documents import create, names
from tests.schema.admin.test_lifecycle import (
    ACCEPT,
    ASSIGN,
    INVITE,
    PASSWORD,
    UNASSIGN,
    data,
    resource,
    setup_token,
)

STATUS = "query S($id: ID!) { contact(id: $id) { portalStatus } }"


def user_action(name: str) -> str:
    return f"mutation M($u: ID!) {{ {name}(portalUserId: $u) {{ errors {{ code }} }} }}"


async def stored_and_derived(runtime: Runtime) -> dict[str, tuple[str, str]]:
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            select(Contact.last_name, Contact.portal_status, derived_portal_status())
        )
        return {name: (stored, derived) for name, stored, derived in rows}


async def user_of(runtime: Runtime, contact_id: str) -> str:
    async with runtime.database.transaction() as session:
        user_id = await session.scalar(
            select(PortalUser.id).where(
                PortalUser.contact_id == from_global_id("Contact", contact_id)
            )
        )
    assert user_id is not None
    return to_global_id("PortalUser", user_id)


async def test_stored_status_follows_every_transition(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    anna = await create(admin_api, lastName="Anna", email="anna@example.de")
    bert = await create(admin_api, lastName="Bert", email="bert@example.de")
    carl = await create(admin_api, lastName="Carl", email="carl@example.de")
    seen: list[dict[str, str]] = []

    async def step(expected: dict[str, str]) -> None:
        statuses = await stored_and_derived(runtime)
        assert all(stored == derived for stored, derived in statuses.values()), statuses
        assert {name: statuses[name][0] for name in expected} == expected
        for name, status in expected.items():
            # The API and the filter read the stored status.
            contact = {"Anna": anna, "Bert": bert, "Carl": carl}[name]
            shown = await admin_api.data(STATUS, {"id": contact["id"]})
            assert shown["contact"]["portalStatus"] == status
            assert name in await names(admin_api, filter={"status": status})
        seen.append(expected)

    await step({"Anna": "PROSPECT", "Bert": "PROSPECT", "Carl": "PROSPECT"})
    site = await resource(admin_api, "Vertrag 1")
    await data(admin_api, ASSIGN, c=anna["id"], r=site, p=["VIEW"])
    await step({"Anna": "RESOURCE_ASSIGNED"})
    await data(admin_api, UNASSIGN, c=anna["id"], r=site)
    await step({"Anna": "PROSPECT"})

    # Deleting a resource withdraws it from every holder in one statement.
    meter = await resource(admin_api, "Zähler 2")
    await data(admin_api, ASSIGN, c=anna["id"], r=meter, p=["VIEW"])
    await data(admin_api, ASSIGN, c=bert["id"], r=meter, p=["VIEW"])
    await step({"Anna": "RESOURCE_ASSIGNED", "Bert": "RESOURCE_ASSIGNED"})
    deleted = await data(
        admin_api, "mutation D($id: ID!) { deleteResource(id: $id) { errors { code } } }", id=meter
    )
    assert deleted["errors"] == []
    await step({"Anna": "PROSPECT", "Bert": "PROSPECT"})

    # Invited, then active by accepting the invitation (which logs in).
    await data(admin_api, ASSIGN, c=anna["id"], r=site, p=["VIEW"])
    invited = await data(admin_api, INVITE, c=anna["id"], send=False)
    assert invited["errors"] == []
    await step({"Anna": "INVITED"})
    accepted = await data(portal_api, ACCEPT, t=setup_token(invited["setupUrl"]), p=PASSWORD)
    assert accepted["errors"] == []
    await step({"Anna": "ACTIVE"})
    anna_user = await user_of(runtime, anna["id"])

    for suspend, reactivate, argument in (
        ("suspendContactAccess", "reactivateContactAccess", ("contactId", anna["id"])),
        ("suspendPortalUser", "reactivatePortalUser", ("portalUserId", anna_user)),
    ):
        for action, status in ((suspend, "SUSPENDED"), (reactivate, "ACTIVE")):
            document = (
                f"mutation M($x: ID!) {{ {action}({argument[0]}: $x) {{ errors {{ code }} }} }}"
            )
            assert (await data(admin_api, document, x=argument[1]))["errors"] == []
            await step({"Anna": status})

    # Unlinked: Anna keeps her resource, the login moves to Bert, then to Carl by a merge.
    assert (await data(admin_api, user_action("unassignPortalUser"), u=anna_user))["errors"] == []
    await step({"Anna": "RESOURCE_ASSIGNED"})
    assign = "mutation A($u: ID!, $c: ID!) { assignPortalUser(portalUserId: $u, contactId: $c) { errors { code } } }"
    assert (await data(admin_api, assign, u=anna_user, c=bert["id"]))["errors"] == []
    await step({"Anna": "RESOURCE_ASSIGNED", "Bert": "ACTIVE"})
    merge = """mutation M($t: ID!, $s: [ID!]!) {
      mergeContacts(targetId: $t, sourceIds: $s, mergeLogins: true) { errors { code } } }"""
    assert (await data(admin_api, merge, t=carl["id"], s=[bert["id"]]))["errors"] == []
    await step({"Anna": "RESOURCE_ASSIGNED", "Carl": "ACTIVE"})

    # The customer deletes the account herself.
    login = await portal_api.data(
        CUSTOMER_LOG_IN, {"email": "anna@example.de", "password": PASSWORD}
    )
    portal_api.token = login["logIn"]["token"]
    delete_mine = (
        "mutation D($p: String!) { deleteMyAccount(password: $p) { deleted errors { code } } }"
    )
    gone = await data(portal_api, delete_mine, p=PASSWORD)
    assert gone == {"deleted": True, "errors": []}
    await step({"Carl": "PROSPECT"})

    # Staff delete a portal user that never logged in.
    invited = await data(admin_api, INVITE, c=anna["id"], send=False)
    assert invited["errors"] == []
    await step({"Anna": "INVITED", "Carl": "PROSPECT"})
    deleted_user = await data(
        admin_api, user_action("deletePortalUser"), u=await user_of(runtime, anna["id"])
    )
    assert deleted_user["errors"] == []
    await step({"Anna": "RESOURCE_ASSIGNED"})
    assert len(seen) == 17
