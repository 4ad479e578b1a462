"""The member directory for logged-in customers."""

from __future__ import annotations

import base64

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


PAGES = """
query D($search: String, $after: String) {
  directory(search: $search, first: 1, after: $after) {
    totalCount edges { cursor node { id lastName } } pageInfo { hasNextPage endCursor } } }
"""


async def _directory_reader(portal_api: GraphQLClient, runtime: Runtime) -> None:
    _, me = await make_customer(runtime)
    assert me is not None
    async with runtime.database.transaction() as session:
        members = await save_group(session, SYSTEM, "Mitglieder", "")
        await set_group_permissions(session, runtime.settings, SYSTEM, members, ["DIRECTORY"])
        await set_contact_groups(session, SYSTEM, me, [members.id])
    await log_in_customer(portal_api)


async def test_directory_search_matches_only_what_the_directory_shows(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """Email, phone, customer number, street, postal code and notes are not shown, so searching
    for them finds nobody: otherwise a member could test whether an address or number
    belongs to a listed person (issue 16, item 10)."""
    async with runtime.database.transaction() as session:
        vera = await create_contact(
            session,
            {"first_name": "Vera", "last_name": "Sichtbar", "company_name": "Gärtnerei Blüte",
             "city": "Köln", "website": "https://bluete.example", "directory_visible": True,
             "email": "vera.privat@example.de", "phone1": "0221 9876543",
             "street": "Geheimweg 7", "postal_code": "50667", "notes": "Schuldnerin"},
        )  # fmt: skip
        hidden_words = [
            "vera.privat@example.de", "privat", "9876543", "0221 9876543", "Geheimweg",
            "50667", "Schuldnerin", str(vera.customer_number),
        ]  # fmt: skip
    await _directory_reader(portal_api, runtime)
    for hidden in hidden_words:
        found = await portal_api.data(DIRECTORY, {"search": hidden})
        assert found["directory"]["totalCount"] == 0, hidden
    for shown in ("sichtbar", "VERA", "gartnerei", "Blüte", "koln", "bluete.example"):
        found = await portal_api.data(DIRECTORY, {"search": shown})
        assert found["directory"]["totalCount"] == 1, shown


async def test_directory_ids_and_cursors_reveal_no_contact_id_or_number(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    async with runtime.database.transaction() as session:
        listed = [
            await create_contact(
                session, {"first_name": "Vera", "last_name": name, "directory_visible": True}
            )
            for name in ("Sichtbar", "Sichtbar", "Zeigbar")
        ]
    private = {str(c.id) for c in listed} | {c.id.hex for c in listed}
    private |= {str(c.customer_number) for c in listed}
    await _directory_reader(portal_api, runtime)
    seen: list[str] = []
    after = None
    while True:
        page = (await portal_api.data(PAGES, {"after": after}))["directory"]
        for edge in page["edges"]:
            seen.append(edge["node"]["lastName"])
            decoded = [decode(edge["cursor"]), decode(edge["node"]["id"])]
            assert [p for p in private for d in decoded if p in d] == []
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Sichtbar", "Sichtbar", "Zeigbar"]


def decode(opaque: str) -> str:
    """What an opaque id or cursor says once base64-decoded (it is no secret)."""
    return base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4)).decode(errors="replace")
