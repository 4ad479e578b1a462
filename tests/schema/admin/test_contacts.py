"""Contacts in the staff API: fields, validation, updates, listing, deletion."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from portal.app.runtime import Runtime
from portal.models import (
    AuditEntry,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactHistoryEntry,
    PortalUser,
)
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer
from tests.schema.admin.contact_documents import CONTACT, CREATE, LIST, UPDATE, create, names


async def _count(runtime: Runtime, model: type = Contact) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_field_round_trips(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(
        admin_api,
        salutation="Frau",
        title="Dr.",
        firstName="Jürgen",
        lastName="Groß",
        companyName="Bäckerei Sonnenschein GmbH",
        street="Hauptstraße 1",
        postalCode="10115",
        city="Berlin",
        country="de",
        email=" J.Gross@Example.de ",
        additionalEmails=["privat@example.de"],
        phone1="030 1234567",
        mobile="+49 151 23456789",
        website="www.sonnenschein.example",
        dateOfBirth="1970-03-01",
        notes="Prefers calls in the morning",
        language="de",
        formality="INFORMAL",
        reachability=[{"weekday": 0, "from": "08:00", "to": "18:00"}],
        directoryVisible=True,
        source="POS",
    )
    assert contact["email"] == "J.Gross@Example.de"
    assert contact["additionalEmails"] == ["privat@example.de"]
    assert (contact["phone1"], contact["phone1E164"]) == ("030 1234567", "+49301234567")
    assert contact["mobileE164"] == "+4915123456789"
    assert contact["country"] == "DE"
    assert contact["reachability"] == [{"weekday": 0, "from": "08:00", "to": "18:00"}]
    assert (contact["source"], contact["version"], contact["isActive"]) == ("POS", 1, True)
    assert contact["portalStatus"] == "PROSPECT"
    assert contact["optInState"] == "NONE"
    assert contact["registeredAt"] is not None
    assert contact["quickInfo"]["historyCount"] == 1
    fetched = (await admin_api.data(CONTACT, {"id": contact["id"]}))["contact"]
    assert fetched == contact
    by_number = await admin_api.data(
        "query N($n: String!) { contactByCustomerNumber(customerNumber: $n) { lastName } }",
        {"n": f" {contact['customerNumber']} "},
    )
    assert by_number["contactByCustomerNumber"] == {"lastName": "Groß"}
    # Text that is no customer number finds nothing (no 500 from int() or the 32-bit column).
    for not_a_number in ("²", "1" * 25, "2147483648", "-5", "12a"):
        none = await admin_api.data(
            "query N($n: String!) { contactByCustomerNumber(customerNumber: $n) { lastName } }",
            {"n": not_a_number},
        )
        assert none["contactByCustomerNumber"] is None, not_a_number


async def test_customer_numbers_are_sequential(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    first = await create(admin_api, lastName="A")
    second = await create(admin_api, lastName="B")
    assert int(second["customerNumber"]) == int(first["customerNumber"]) + 1


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"lastName": "M", "email": "not-an-email"}, "INVALID_EMAIL", "email"),
        ({"lastName": "M", "email": "a" * 250 + "@example.com"}, "INVALID_EMAIL", "email"),
        (
            {"lastName": "M", "additionalEmails": ["ok@example.de", "x@"]},
            "INVALID_EMAIL",
            "additionalEmails.1",
        ),
        ({"lastName": "M", "phone1": "12"}, "INVALID_PHONE", "phone1"),
        ({"lastName": "M", "mobile": "call me maybe"}, "INVALID_PHONE", "mobile"),
        ({"lastName": "M", "postalCode": "1011"}, "INVALID_POSTAL_CODE", "postalCode"),
        (
            {"lastName": "M", "country": "AT", "postalCode": "!!"},
            "INVALID_POSTAL_CODE",
            "postalCode",
        ),
        ({"lastName": "M", "language": "xx"}, "INVALID_LANGUAGE", "language"),
        ({"lastName": "M", "dateOfBirth": "01.03.1970"}, "INVALID_DATE", "dateOfBirth"),
        ({"lastName": "M", "website": "not a url"}, "INVALID_URL", "website"),
        ({"lastName": "M", "country": "Germany"}, "INVALID_COUNTRY", "country"),
        (
            {"lastName": "M", "reachability": [{"weekday": 7, "from": "08:00", "to": "09:00"}]},
            "INVALID_REACHABILITY",
            "reachability",
        ),
        (
            {
                "lastName": "M",
                "reachability": [
                    {"weekday": 1, "from": "08:00", "to": "12:00"},
                    {"weekday": 1, "from": "11:00", "to": "13:00"},
                ],
            },
            "INVALID_REACHABILITY",
            "reachability",
        ),
        ({"email": "only@example.com"}, "REQUIRED", "lastName"),
        ({"lastName": "x" * 101}, "TOO_LONG", "lastName"),
    ],
)
async def test_invalid_input_gives_field_errors_and_writes_nothing(
    admin_api: GraphQLClient, runtime: Runtime, fields: dict[str, Any], code: str, field: str
) -> None:
    await log_in_staff(admin_api, runtime)
    data = await admin_api.data(CREATE, {"input": fields})
    assert data["createContact"]["contact"] is None
    assert (code, field) in [(e["code"], e["field"]) for e in data["createContact"]["errors"]]
    assert await _count(runtime) == 0
    assert await _count(runtime, AuditEntry) == 0


async def test_update_is_partial_versioned_and_audited(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(
        admin_api, firstName="Anna", lastName="Alt", city="Köln", phone1="0221 123456"
    )
    runtime.settings.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    data = await admin_api.data(
        UPDATE, {"input": {"id": contact["id"], "version": 1, "lastName": "Neu", "phone1": None}}
    )
    updated = data["updateContact"]["contact"]
    assert data["updateContact"]["errors"] == []
    assert (updated["firstName"], updated["lastName"], updated["city"]) == ("Anna", "Neu", "Köln")
    assert (updated["phone1"], updated["phone1E164"], updated["version"]) == ("", None, 2)

    stale = await admin_api.data(
        UPDATE, {"input": {"id": contact["id"], "version": 1, "city": "Bonn"}}
    )
    assert stale["updateContact"]["errors"][0]["code"] == "STALE_VERSION"
    assert (await admin_api.data(CONTACT, {"id": contact["id"]}))["contact"]["city"] == "Köln"

    audit = await admin_api.data(
        "query A($id: ID!) { auditLog(contactId: $id) { edges { node { action subjectType actorName changes occurredAt } } } }",
        {"id": contact["id"]},
    )
    actions = [e["node"] for e in audit["auditLog"]["edges"]]
    assert [a["action"] for a in actions] == ["CONTACT_UPDATE", "CONTACT_CREATE"]
    assert {a["subjectType"] for a in actions} == {"CONTACT"}
    updates = await admin_api.data(
        "query A($id: ID!) { auditLog(contactId: $id, action: CONTACT_UPDATE) { nodes { action } } }",
        {"id": contact["id"]},
    )
    assert updates["auditLog"]["nodes"] == [{"action": "CONTACT_UPDATE"}]
    assert actions[0]["changes"] == {"last_name": ["Alt", "Neu"], "phone1": ["0221 123456", ""]}
    assert actions[0]["actorName"] == "admin"


async def test_concurrent_updates_of_one_version_one_wins(
    admin_api: GraphQLClient, runtime: Runtime, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Race")
    results = await asyncio.gather(
        *(
            admin_api.data(UPDATE, {"input": {"id": contact["id"], "version": 1, "city": city}})
            for city in ("Berlin", "Hamburg", "München")
        )
    )
    outcomes = [r["updateContact"]["errors"] for r in results]
    assert sum(1 for errors in outcomes if not errors) == 1
    assert all(e[0]["code"] == "STALE_VERSION" for e in outcomes if e)


async def test_inactive_contacts_are_hidden_unless_asked_for(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await create(admin_api, lastName="Aktiv")
    gone = await create(admin_api, lastName="Inaktiv")
    data = await admin_api.data(
        "mutation D($id: ID!) { deactivateContact(contactId: $id) { contact { isActive } errors { code } } }",
        {"id": gone["id"]},
    )
    assert data["deactivateContact"]["contact"]["isActive"] is False
    assert await names(admin_api) == ["Aktiv"]
    assert await names(admin_api, filter={"includeInactive": True}) == ["Aktiv", "Inaktiv"]
    assert await names(admin_api, filter={"active": False}) == ["Inaktiv"]
    again = await admin_api.data(
        "mutation D($id: ID!) { deactivateContact(contactId: $id) { errors { code } } }",
        {"id": gone["id"]},
    )
    assert again["deactivateContact"]["errors"][0]["code"] == "ALREADY_INACTIVE"
    await admin_api.data(
        "mutation R($id: ID!) { reactivateContact(contactId: $id) { errors { code } } }",
        {"id": gone["id"]},
    )
    assert await names(admin_api) == ["Aktiv", "Inaktiv"]


async def test_search_is_case_and_accent_insensitive(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    müller = await create(admin_api, firstName="Jörg", lastName="Müller", phone1="030 9876543")
    await create(
        admin_api, lastName="Weiß", companyName="Straßen & Söhne", email="info@weiss.example"
    )
    await create(admin_api, lastName="Smith")
    assert await names(admin_api, filter={"search": "muller"}) == ["Müller"]
    assert await names(admin_api, filter={"search": "MÜLL jörg"}) == ["Müller"]
    assert await names(admin_api, filter={"search": "strassen"}) == ["Weiß"]
    assert await names(admin_api, filter={"search": "weiss.example"}) == ["Weiß"]
    assert await names(admin_api, filter={"search": "030 987"}) == ["Müller"]
    assert await names(admin_api, filter={"search": "+49309876543"}) == ["Müller"]
    assert await names(admin_api, filter={"search": müller["customerNumber"]}) == ["Müller"]
    assert await names(admin_api, filter={"search": "100%"}) == []


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"field": "NAME"}, ["Adler", "becker", "Zander", "Ölmann"]),
        ({"field": "NAME", "descending": True}, ["Ölmann", "Zander", "becker", "Adler"]),
        ({"field": "CUSTOMER_NUMBER"}, ["Zander", "Adler", "Ölmann", "becker"]),
        ({"field": "CREATED_AT", "descending": True}, ["becker", "Ölmann", "Adler", "Zander"]),
        ({"field": "LAST_VISIT", "descending": True}, ["Adler", "becker", "Ölmann", "Zander"]),
    ],
)
async def test_every_sort_order_pages_through_everything(
    admin_api: GraphQLClient, runtime: Runtime, order: dict[str, Any], expected: list[str]
) -> None:
    await log_in_staff(admin_api, runtime)
    for name in ["Zander", "Adler", "Ölmann", "becker"]:
        created = await create(admin_api, lastName=name)
        runtime.settings.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        if name == "Adler":
            adler = created
    # Adler has logged in to the portal: the only contact with a last visit.
    async with runtime.database.transaction() as session:
        session.add(
            PortalUser(
                email="adler@example.de", email_normalized="adler@example.de",
                registration_status="REGISTERED", mapping_status="ASSIGNED",
                contact_id=uuid.UUID(adler["uuid"]),
                last_login_at=runtime.settings.clock(),
            )
        )  # fmt: skip
    seen: list[str] = []
    after = None
    while True:
        page = (await admin_api.data(LIST, {"first": 1, "after": after, "orderBy": order}))[
            "contacts"
        ]
        seen += [e["node"]["lastName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    if order["field"] == "NAME":
        # SQLite's lower() folds ASCII only, PostgreSQL's follows the collation: compare as sets
        # there, but the paging must still visit every contact exactly once.
        assert sorted(seen) == sorted(expected)
    else:
        assert seen == expected


async def test_delete_removes_personal_data_and_cannot_be_undone(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    _, linked = await make_customer(runtime, "geheim@example.de")
    assert linked is not None
    from schema.common.ids import to_global_id

    contact_id = to_global_id("Contact", linked.id)
    await admin_api.data(
        UPDATE,
        {
            "input": {
                "id": contact_id,
                "version": 1,
                "additionalEmails": ["zweit@example.de"],
                "notes": "Geheimnis",
            }
        },
    )
    delete = "mutation D($id: ID!) { deleteContact(contactId: $id) { deletedContactId errors { code } } }"
    data = await admin_api.data(delete, {"id": contact_id})
    assert data["deleteContact"] == {"deletedContactId": contact_id, "errors": []}
    again = await admin_api.data(delete, {"id": contact_id})
    assert again["deleteContact"]["errors"] == [{"code": "NOT_FOUND"}]
    for model in (Contact, ContactEmail, ContactHistoryEntry, ConsentEvent, PortalUser):
        assert await _count(runtime, model) == 0, model
    # Nothing personal is left anywhere in the database.
    async with runtime.database.transaction() as session:
        for table in (
            "contacts",
            "contact_emails",
            "contact_history",
            "audit_log",
            "portal_users",
            "outbox_messages",
        ):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            dump = repr(rows)
            for secret in ("geheim@example.de", "zweit@example.de", "Geheimnis", "Kunde"):
                assert secret not in dump, (table, secret)
        audit = (await session.scalars(select(AuditEntry.action))).all()
    assert "contact.delete" in audit


async def test_permissions(admin_api: GraphQLClient, runtime: Runtime) -> None:
    admin = GraphQLClient(admin_api.http, "/admin/graphql")
    await log_in_staff(admin, runtime)
    contact = await create(admin, lastName="Schutz")
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    assert await names(admin_api) == ["Schutz"]
    body = await admin_api(
        "mutation D($id: ID!) { deleteContact(contactId: $id) { errors { code } } }",
        {"id": contact["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await admin_api("{ auditLog { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin_api.token = None
    admin_api.http.cookies.clear()
    assert (await admin_api(LIST, {}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


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
    body = await admin_api(LIST, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["reason"] == reason


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


async def test_closed_vocabularies_are_enums_and_orders_take_a_direction(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Issue 17, item 2: formality is FormOfAddress (was a String answering "formal"), a value
    # outside it is refused before anything runs, and the order takes direction ASC/DESC.
    await log_in_staff(admin_api, runtime)
    answer = await admin_api(CREATE, {"input": {"lastName": "M", "formality": "casual"}})
    assert answer["data"] is None
    assert "'casual' does not exist in 'FormOfAddress' enum" in answer["errors"][0]["message"]
    for name in ("Adler", "Zander"):
        created = await admin_api.data(CREATE, {"input": {"lastName": name}})
        assert created["createContact"]["contact"]["formality"] == "FORMAL"
    names = (
        "query L($o: ContactOrderInput) { contacts(orderBy: $o) { edges { node { lastName } } } }"
    )
    for order, expected in (
        ({"field": "NAME", "direction": "DESC"}, ["Zander", "Adler"]),
        ({"field": "NAME", "direction": "ASC"}, ["Adler", "Zander"]),
        ({"field": "NAME", "descending": True}, ["Zander", "Adler"]),  # deprecated, still read
    ):
        data = await admin_api.data(names, {"o": order})
        assert [e["node"]["lastName"] for e in data["contacts"]["edges"]] == expected, order
