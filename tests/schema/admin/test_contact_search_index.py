"""Contact search through the substring index (pg_trgm on PostgreSQL, FTS5 trigram on
SQLite): the same contacts on both databases, for every searched field, and the index kept in
step with every write path (create, update, bulk import, merge, delete)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.app.runtime import Runtime
from portal.models import Contact
from portal.services.contacts.writes import create_contacts, validate_new_contact
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import UPDATE, create, names
from tests.schema.admin.test_contact_list_membership_filters import statements_of

SEARCHES = [
    # names, accent- and case-insensitive, inner substrings
    ("üll", ["Müller", "Müllerová"]),
    ("MULLER", ["Müller", "Müllerová"]),
    ("llerov", ["Müllerová"]),
    ("jörg", ["Müller"]),
    ("Böse", ["Bösendorfer"]),
    # company
    ("strassen", ["Weiß"]),
    ("söhne", ["Weiß"]),
    # emails (a shared family address finds both)
    ("familie-mueller@", ["Müller", "Müllerová"]),
    ("weiss.exa", ["Weiß"]),
    # phone digits, with and without the trunk zero, and E.164
    ("030 987", ["Müller"]),
    ("9876543", ["Müller"]),
    ("+4989", ["Bösendorfer"]),
    # a number typed in groups is one number: its digits in that order, with or without the
    # trunk zero, whatever separates the groups ("089 123" finds "+49 89 123...")
    ("030 98", ["Müller"]),
    ("030-98 76", ["Müller"]),
    ("030 / 98", ["Müller"]),
    ("089 123", ["Bösendorfer"]),
    ("+49 (0)89 1234", ["Bösendorfer"]),
    ("0049 89 1234", ["Bösendorfer"]),
    ("jörg 030 98", ["Müller"]),
    ("98 030", []),
    # the same number in international notation finds the number stored without it, and the
    # reverse; every grouping of the digits is the same number
    ("+49 30 98", ["Müller"]),
    ("0049 30 987", ["Müller"]),
    ("(030) 98 76 543", ["Müller"]),
    ("0 8 9 1 2", ["Bösendorfer"]),
    ("0 30 9", ["Müller"]),
    # several words: all must match
    ("müll jörg", ["Müller"]),
    ("müll nobody", []),
    # shorter than a trigram: answered by a scan, the same way
    ("ö", ["Bösendorfer", "Müller", "Müllerová", "Weiß"]),
    ("ß", ["Weiß"]),
    ("we", ["Weiß"]),
    # LIKE's special characters are literal
    ("100%", []),
    ("a_b", []),
    ("sales_", ["Bösendorfer"]),
]


@pytest.fixture
async def people(admin_api: GraphQLClient, runtime: Runtime) -> dict[str, dict[str, str]]:
    await log_in_staff(admin_api, runtime)
    return {
        "Müller": await create(
            admin_api, firstName="Jörg", lastName="Müller", phone1="030 9876543",
            email="familie-mueller@example.de",
        ),
        "Müllerová": await create(
            admin_api, firstName="Jana", lastName="Müllerová", email="familie-mueller@example.de",
        ),
        "Weiß": await create(
            admin_api, lastName="Weiß", companyName="Straßen & Söhne", email="info@weiss.example",
        ),
        "Bösendorfer": await create(
            admin_api, lastName="Bösendorfer", mobile="+49 89 1234567",
            email="sales_team@boesendorfer.example",
        ),
    }  # fmt: skip


async def search(api: GraphQLClient, term: str) -> list[str]:
    return sorted(await names(api, filter={"search": term}))


async def test_every_field_is_found_by_substring_alike_on_both_databases(
    admin_api: GraphQLClient, people: dict[str, dict[str, str]]
) -> None:
    found = {term: await search(admin_api, term) for term, _ in SEARCHES}
    assert found == {term: sorted(expected) for term, expected in SEARCHES}
    number = people["Weiß"]["customerNumber"]
    assert await search(admin_api, str(number)) == ["Weiß"]


async def test_a_number_typed_in_groups_is_one_like_term(
    admin_api: GraphQLClient, runtime: Runtime, people: dict[str, dict[str, str]]
) -> None:
    """A search for "030 98" looks for ``3098`` alone: ``03098`` holds it, so ``LIKE '%03098%' OR
    LIKE '%3098%'`` finds the same contacts, and PostgreSQL misestimated the OR (it walked the
    name order's index filtering every row instead of reading the trigram index)."""
    with statements_of(runtime) as seen:
        assert await search(admin_api, "030 98") == ["Müller"]
    statement, parameters = next(s for s in seen if "ORDER BY" in s[0] and "LIKE" in s[0])
    assert statement.count(" LIKE ") == 1, statement
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert [v for v in values if isinstance(v, str) and "%" in v] == ["%3098%"], parameters


async def index_agrees_with_contacts(runtime: Runtime, is_postgres: bool) -> None:
    async with runtime.database.transaction() as session:
        if is_postgres:
            # The index exists and a search reads it (the planner's choice on a small table
            # would be a scan, so scans are ruled out for the question).
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(
                (
                    await session.execute(
                        text("EXPLAIN SELECT id FROM contacts WHERE search_text LIKE '%ller%'")
                    )
                ).scalars()
            )
            assert "ix_contacts_search_trgm" in plan, plan
            return
        indexed = dict(
            (await session.execute(text("SELECT rowid, search_text FROM contacts_search"))).all()
        )
        stored = dict(
            (await session.execute(select(Contact.customer_number, Contact.search_text))).all()
        )
    assert indexed == stored


async def test_the_index_follows_every_write(
    admin_api: GraphQLClient,
    runtime: Runtime,
    people: dict[str, dict[str, str]],
    is_postgres: bool,
) -> None:
    await index_agrees_with_contacts(runtime, is_postgres)
    müller = people["Müller"]
    renamed = await admin_api.data(
        UPDATE, {"input": {"id": müller["id"], "version": müller["version"], "lastName": "Zöllner"}}
    )
    assert renamed["updateContact"]["errors"] == []
    assert await search(admin_api, "zöll") == ["Zöllner"]
    assert await search(admin_api, "jörg") == ["Zöllner"]
    assert await search(admin_api, "müller") == ["Müllerová"]
    await index_agrees_with_contacts(runtime, is_postgres)

    # Bulk inserts (imports) bypass the ORM.
    async with runtime.database.transaction() as session:
        await create_contacts(
            session,
            [
                validate_new_contact({"last_name": f"Import{i}", "company_name": "Fjordgården"})
                for i in range(3)
            ],
        )
    assert await search(admin_api, "fjordgarden") == ["Import0", "Import1", "Import2"]
    await index_agrees_with_contacts(runtime, is_postgres)

    merged = await admin_api.data(
        "mutation M($t: ID!, $s: [ID!]!) { mergeContacts(targetId: $t, sourceIds: $s) { errors { code } } }",
        {"t": people["Weiß"]["id"], "s": [people["Bösendorfer"]["id"]]},
    )
    assert merged["mergeContacts"]["errors"] == []
    assert await search(admin_api, "bösendorfer") == []
    await index_agrees_with_contacts(runtime, is_postgres)

    deleted = await admin_api.data(
        "mutation D($c: ID!) { deleteContact(contactId: $c) { errors { code } } }",
        {"c": people["Müllerová"]["id"]},
    )
    assert deleted["deleteContact"]["errors"] == []
    assert await search(admin_api, "llerov") == []
    await index_agrees_with_contacts(runtime, is_postgres)


@pytest.mark.parametrize("field", ["NAME", "CUSTOMER_NUMBER", "CREATED_AT"])
async def test_a_search_pages_by_cursor_in_every_order_driven_by_its_matches(
    admin_api: GraphQLClient,
    runtime: Runtime,
    people: dict[str, dict[str, str]],
    is_postgres: bool,
    field: str,
) -> None:
    from tests.schema.admin.test_contact_list_membership_filters import (
        _pages_of_one,
        plan_of,
        statements_of,
    )

    # Created (and numbered) Müller, Müllerová, Weiß, Bösendorfer; by name Bösendorfer,
    # Müller, Müllerová, Weiß.
    by_name = field == "NAME"
    for filter, expected in (
        ({"search": "müller"}, ["Müller", "Müllerová"]),
        ({"search": "familie jana"}, ["Müllerová"]),
        ({"search": "e"}, ["Müller", "Müllerová", "Weiß", "Bösendorfer"]),
        (
            {"search": "example", "status": "PROSPECT"},
            ["Müller", "Müllerová", "Weiß", "Bösendorfer"],
        ),
    ):
        if by_name:
            expected = sorted(expected, key=lambda n: n.replace("ö", "o").replace("ü", "u"))
        for direction, order in (("ASC", expected), ("DESC", expected[::-1])):
            order_by = {"field": field, "direction": direction}
            assert await _pages_of_one(admin_api, filter=filter, orderBy=order_by) == order
    if is_postgres:
        return
    # SQLite reads the FTS5 matches and looks them up by customer number: no walk of an
    # index over every active contact checking each against the matches (and no
    # `IN (...) = 1`, which no index can answer).
    with statements_of(runtime) as seen:
        await names(admin_api, filter={"search": "jörg müller"}, orderBy={"field": field})
    page = next(s for s in seen if "FROM contacts" in s[0] and "ORDER BY" in s[0])
    assert ") = 1" not in page[0], page[0]
    plan = await plan_of(runtime, *page, is_postgres)
    assert "(customer_number=?)" in plan, plan
    assert "is_active=?" not in plan, plan
