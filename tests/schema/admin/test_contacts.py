"""Contacts in the staff API: create, read, paginate."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from portal.models import Contact
from portal.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

CREATE = """
mutation Create($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { id uuid customerNumber firstName lastName email language isActive version }
    errors { code field message }
  }
}
"""
CONTACT = "query One($id: ID!) { contact(id: $id) { id customerNumber lastName } }"
PAGE = """
query Page($first: Int, $after: String) {
  contacts(first: $first, after: $after) {
    totalCount
    edges { cursor node { customerNumber lastName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _count(runtime: Runtime) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)


async def test_create_contact_assigns_sequential_customer_numbers(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    first = await admin_api.data(
        CREATE,
        {"input": {"firstName": "Jürgen", "lastName": "Groß", "email": " J.Gross@Example.de "}},
    )
    second = await admin_api.data(CREATE, {"input": {"companyName": "Bäckerei Sonnenschein"}})
    a = first["createContact"]["contact"]
    b = second["createContact"]["contact"]
    assert first["createContact"]["errors"] == []
    assert (a["firstName"], a["lastName"], a["email"]) == ("Jürgen", "Groß", "J.Gross@Example.de")
    assert a["isActive"] is True and a["version"] == 1
    assert int(b["customerNumber"]) == int(a["customerNumber"]) + 1

    fetched = await admin_api.data(CONTACT, {"id": a["id"]})
    assert fetched["contact"] == {
        "id": a["id"],
        "customerNumber": a["customerNumber"],
        "lastName": "Groß",
    }


@pytest.mark.parametrize(
    ("contact_input", "code", "field"),
    [
        ({"lastName": "Muster", "email": "not-an-email"}, "INVALID_EMAIL", "email"),
        ({"lastName": "Muster", "email": "a" * 250 + "@example.com"}, "INVALID_EMAIL", "email"),
        ({"lastName": "Muster", "language": "fr"}, "INVALID_LANGUAGE", "language"),
        ({"email": "only@example.com"}, "REQUIRED", "lastName"),
        ({"lastName": "x" * 101}, "TOO_LONG", "lastName"),
    ],
)
async def test_invalid_input_gives_field_errors_and_writes_nothing(
    admin_api: GraphQLClient,
    runtime: Runtime,
    contact_input: dict[str, str],
    code: str,
    field: str,
) -> None:
    await log_in_staff(admin_api, runtime)
    data = await admin_api.data(CREATE, {"input": contact_input})
    assert data["createContact"]["contact"] is None
    assert [(e["code"], e["field"]) for e in data["createContact"]["errors"]] == [(code, field)]
    assert await _count(runtime) == 0


async def test_contacts_paginate_with_cursors(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    for index in range(5):
        await admin_api.data(CREATE, {"input": {"lastName": f"Person {index}"}})
    page1 = (await admin_api.data(PAGE, {"first": 2}))["contacts"]
    assert page1["totalCount"] == 5
    assert [e["node"]["lastName"] for e in page1["edges"]] == ["Person 0", "Person 1"]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page1["pageInfo"]["hasPreviousPage"] is False
    page2 = (await admin_api.data(PAGE, {"first": 2, "after": page1["pageInfo"]["endCursor"]}))[
        "contacts"
    ]
    assert [e["node"]["lastName"] for e in page2["edges"]] == ["Person 2", "Person 3"]
    page3 = (await admin_api.data(PAGE, {"first": 2, "after": page2["pageInfo"]["endCursor"]}))[
        "contacts"
    ]
    assert [e["node"]["lastName"] for e in page3["edges"]] == ["Person 4"]
    assert page3["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"first": 101}, "INVALID_PAGE_SIZE"),
        ({"first": -1}, "INVALID_PAGE_SIZE"),
        ({"first": 5, "after": "not a cursor"}, "INVALID_CURSOR"),
        ({"first": 5, "after": "WyJ4Il0"}, "INVALID_CURSOR"),
    ],
)
async def test_bad_page_arguments_are_user_errors(
    admin_api: GraphQLClient, runtime: Runtime, variables: dict[str, object], reason: str
) -> None:
    await log_in_staff(admin_api, runtime)
    body = await admin_api(PAGE, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["reason"] == reason


async def test_unknown_or_foreign_ids_resolve_to_null(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    account = await log_in_staff(admin_api, runtime)
    me = await admin_api.data("{ me { id } }")
    assert account.email
    for bad in [
        "garbage",
        me["me"]["id"],
        "Q29udGFjdDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA",
    ]:
        assert (await admin_api.data(CONTACT, {"id": bad}))["contact"] is None


async def test_contacts_need_a_staff_login(admin_api: GraphQLClient) -> None:
    body = await admin_api(PAGE, {"first": 1})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await admin_api(CREATE, {"input": {"lastName": "X"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.postgres_only
async def test_concurrent_creation_keeps_customer_numbers_unique(
    admin_api: GraphQLClient, runtime: Runtime, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    await log_in_staff(admin_api, runtime)
    results = await asyncio.gather(
        *(admin_api.data(CREATE, {"input": {"lastName": f"Parallel {i}"}}) for i in range(20))
    )
    numbers = [int(r["createContact"]["contact"]["customerNumber"]) for r in results]
    assert len(set(numbers)) == 20
