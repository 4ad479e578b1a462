"""The member directory for logged-in customers."""

from __future__ import annotations

from sqlalchemy import update

from portal.app.runtime import Runtime
from portal.models import Contact
from portal.services.actors import SYSTEM
from portal.services.contacts import create_contact
from portal.services.contacts.groups_tags import save_group, set_contact_groups
from portal.services.resources import set_group_permissions
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, make_customer

DIRECTORY = """
query D($search: String) {
  directory(search: $search) { totalCount edges { node { firstName lastName companyName city } } }
}
"""


async def test_directory_lists_visible_active_contacts_to_customers_only(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    async with runtime.database.transaction() as session:
        await create_contact(
            session,
            {"first_name": "Vera", "last_name": "Sichtbar", "city": "Köln", "directory_visible": True,
             "email": "vera@example.de", "phone1": "0221 123456"},
        )  # fmt: skip
        await create_contact(session, {"last_name": "Versteckt", "directory_visible": False})
        gone = await create_contact(session, {"last_name": "Inaktiv", "directory_visible": True})
        await session.execute(update(Contact).where(Contact.id == gone.id).values(is_active=False))
    assert (await portal_api(DIRECTORY))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, me = await make_customer(runtime)
    assert me is not None
    await log_in_customer(portal_api)
    # The directory is a portal function: without a group granting DIRECTORY it is forbidden.
    assert (await portal_api(DIRECTORY))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with runtime.database.transaction() as session:
        members = await save_group(session, SYSTEM, "Mitglieder", "")
        await set_group_permissions(session, runtime.settings, SYSTEM, members, ["DIRECTORY"])
        await set_contact_groups(session, SYSTEM, me, [members.id])
    async with runtime.database.transaction() as session:
        readers = await save_group(session, SYSTEM, "Leser", "")
        await set_group_permissions(session, runtime.settings, SYSTEM, readers, ["NEWSLETTER"])
        await set_contact_groups(session, SYSTEM, me, [members.id, readers.id])
    viewer = await portal_api.data("{ viewer { permissions } }")
    assert viewer["viewer"]["permissions"] == ["DIRECTORY", "NEWSLETTER"]
    data = await portal_api.data(DIRECTORY)
    assert data["directory"]["edges"] == [
        {"node": {"firstName": "Vera", "lastName": "Sichtbar", "companyName": "", "city": "Köln"}}
    ]
    assert (await portal_api.data(DIRECTORY, {"search": "sichtbar"}))["directory"][
        "totalCount"
    ] == 1
    assert (await portal_api.data(DIRECTORY, {"search": "versteckt"}))["directory"][
        "totalCount"
    ] == 0
    # Only public fields exist on the type: email and phone cannot even be asked for.
    body = await portal_api("{ directory { edges { node { email } } } }")
    assert "Cannot query field" in body["errors"][0]["message"]
