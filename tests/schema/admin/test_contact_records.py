"""A contact list reads only the columns its fields declare (schema.common.records): every
field answers the same when it is the only one asked for as when the whole row is read."""

from __future__ import annotations

from typing import Any

from graphql import get_named_type, is_leaf_type

from portal.app.runtime import Runtime
from schema.admin.schema import admin_schema
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import create

ONE_FIELD = "query One($id: ID!) { contact(id: $id) { %s } }"
LIST_ONE_FIELD = "query Page { contacts(first: 5) { edges { node { %s } } nodes { %s } } }"


def selection(field_name: str) -> str:
    """``field_name`` with a sub-selection of its leaves when it is an object."""
    contact_type = admin_schema._schema.get_type("Contact")
    field = contact_type.fields[field_name]  # type: ignore[union-attr]
    named = get_named_type(field.type)
    if is_leaf_type(named):
        return field_name
    leaves = [
        name
        for name, sub in named.fields.items()  # type: ignore[union-attr]
        if is_leaf_type(get_named_type(sub.type))
    ]
    return f"{field_name} {{ {' '.join(leaves)} }}"


async def test_each_field_alone_answers_as_from_the_whole_row(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    created = await create(
        admin_api,
        salutation="Herr",
        firstName="Ömer",
        lastName="Şahin",
        companyName="Kiosk",
        postalCode="50667",
        city="Köln",
        country="DE",
        email="oemer@example.de",
        phone1="0221 123456",
        dateOfBirth="1980-05-17",
        reachability=[{"weekday": 2, "from": "09:00", "to": "12:00"}],
        directoryVisible=True,
        source="POS",
    )
    contact_type = admin_schema._schema.get_type("Contact")
    field_names = list(contact_type.fields)  # type: ignore[union-attr]
    assert len(field_names) > 40
    whole: dict[str, Any] = {}
    for name in field_names:
        data = await admin_api.data(ONE_FIELD % selection(name), {"id": created["id"]})
        whole[name] = data["contact"][name]
    for name in field_names:
        chosen = selection(name)
        data = await admin_api.data(LIST_ONE_FIELD % (chosen, chosen))
        (edge,) = data["contacts"]["edges"]
        (node,) = data["contacts"]["nodes"]
        assert edge["node"] == node == {name: whole[name]}, name
