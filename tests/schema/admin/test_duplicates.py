"""Duplicate candidates, dismissal and merging."""

from __future__ import annotations

import uuid
from datetime import timedelta

from rapidfuzz import fuzz
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact, ContactHistoryEntry, ContactTag, DuplicateDismissal, PortalUser
from portal.services.contacts.writes import create_contacts, validate_new_contact
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import create

CANDIDATES = "{ duplicateCandidates(first: 10) { totalCount edges { node { first { lastName } second { lastName } score reasons } } } }"
MERGE = """mutation M($t: ID!, $s: [ID!]!, $logins: Boolean!) {
  mergeContacts(targetId: $t, sourceIds: $s, mergeLogins: $logins) {
    contact { lastName city notes customerNumber tags { name } additionalEmails } filledFields errors { code } } }"""


async def test_candidates_scores_and_dismissal(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    gross = await create(
        admin_api,
        firstName="Jürgen",
        lastName="Groß",
        email="j@example.de",
        phone1="0221 111111",
        postalCode="50667",
    )
    await create(
        admin_api, firstName="Jurgen", lastName="Gross", email="J@example.de", postalCode="50667"
    )
    telefon = await create(
        admin_api, firstName="Petra", lastName="Telefon", phone1="+49 221 111111"
    )
    await create(admin_api, firstName="Anna", lastName="Nachbarin", postalCode="50667")
    await create(admin_api, lastName="Fremd", email="x@example.de")
    data = (await admin_api.data(CANDIDATES))["duplicateCandidates"]
    pairs = {
        (e["node"]["first"]["lastName"], e["node"]["second"]["lastName"]): e["node"]
        for e in data["edges"]
    }
    assert set(pairs) == {("Groß", "Gross"), ("Groß", "Telefon")}
    best = data["edges"][0]["node"]
    assert (best["first"]["lastName"], best["second"]["lastName"]) == ("Groß", "Gross")
    assert best["reasons"] == ["SAME_EMAIL", "SAME_POSTAL_CODE", "SIMILAR_NAME"]
    assert best["score"] > pairs[("Groß", "Telefon")]["score"]
    await admin_api.data(
        "mutation D($a: ID!, $b: ID!) { dismissDuplicate(firstId: $a, secondId: $b) { ok } }",
        {"a": telefon["id"], "b": gross["id"]},
    )
    data = (await admin_api.data(CANDIDATES))["duplicateCandidates"]
    assert data["totalCount"] == 1


async def test_merge_moves_everything_and_loses_nothing(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    target = await create(admin_api, firstName="Jürgen", lastName="Groß", email="j@example.de")
    source = await create(
        admin_api,
        firstName="Jurgen",
        lastName="Gross",
        email="alt@example.de",
        city="Köln",
        notes="Stammkunde",
    )
    await admin_api.data(
        'mutation T($c: ID!) { addTags(contactId: $c, tags: ["VIP", "POS"]) { errors { code } } }',
        {"c": source["id"]},
    )
    await admin_api.data(
        'mutation T($c: ID!) { addTags(contactId: $c, tags: ["VIP"]) { errors { code } } }',
        {"c": target["id"]},
    )
    await admin_api.data(
        "mutation N($c: ID!) { sendNewsletterInvitation(contactId: $c) { errors { code } } }",
        {"c": source["id"]},
    )
    async with runtime.database.transaction() as session:
        history_before = await session.scalar(select(func.count()).select_from(ContactHistoryEntry))
        session.add(PortalUser(email="alt@example.de", email_normalized="alt@example.de", registration_status="REGISTERED",
                               mapping_status="ASSIGNED", contact_id=uuid.UUID(source["uuid"])))  # fmt: skip
    result = (
        await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]], "logins": False})
    )["mergeContacts"]
    assert result["errors"] == []
    merged = result["contact"]
    assert merged["customerNumber"] == target["customerNumber"]
    assert (merged["lastName"], merged["city"], merged["notes"]) == ("Groß", "Köln", "Stammkunde")
    assert sorted(t["name"] for t in merged["tags"]) == ["POS", "VIP"]
    assert merged["additionalEmails"] == ["alt@example.de"]
    # GraphQL field names, as ImportRowResult.changedFields answers them (issue 17, item 9).
    assert result["filledFields"] == ["city", "newsletterInvitedAt", "notes"]
    async with runtime.database.transaction() as session:
        assert await session.get(Contact, uuid.UUID(source["uuid"])) is None
        history_after = await session.scalar(select(func.count()).select_from(ContactHistoryEntry))
        user = await session.scalar(select(PortalUser))
        tags = await session.scalar(select(func.count()).select_from(ContactTag))
    # Every earlier entry survives, plus one "merged into" and one "merged with".
    assert history_after == history_before + 2
    assert user is not None and str(user.contact_id) == target["uuid"]
    assert tags == 2
    opt_in = await admin_api.data(
        "query C($id: ID!) { contact(id: $id) { optInState } }", {"id": target["id"]}
    )
    assert opt_in["contact"]["optInState"] == "INVITED"


async def test_merging_two_logins_needs_consent_and_keeps_the_last_used(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:

    await log_in_staff(admin_api, runtime)
    target = await create(admin_api, lastName="Ziel", email="ziel@example.de")
    source = await create(admin_api, lastName="Quelle", email="quelle@example.de")
    async with runtime.database.transaction() as session:
        for contact, email, login in (
            (target, "ziel@example.de", None),
            (source, "quelle@example.de", clock() - timedelta(days=1)),
        ):
            session.add(PortalUser(email=email, email_normalized=email, registration_status="REGISTERED",
                                   mapping_status="ASSIGNED", contact_id=uuid.UUID(contact["uuid"]), last_login_at=login))  # fmt: skip
    refused = (
        await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]], "logins": False})
    )["mergeContacts"]
    assert refused["errors"] == [{"code": "BOTH_HAVE_PORTAL_USERS"}]
    too_many = (
        await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]] * 11, "logins": True})
    )["mergeContacts"]
    assert too_many["errors"] == [{"code": "TOO_MANY_SOURCES"}]
    done = (await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]], "logins": True}))[
        "mergeContacts"
    ]
    assert done["errors"] == []
    async with runtime.database.transaction() as session:
        users = list(await session.scalars(select(PortalUser)))
    assert [(u.email, str(u.contact_id)) for u in users] == [("quelle@example.de", target["uuid"])]
    assert to_global_id("Contact", uuid.UUID(target["uuid"])) == target["id"]


_FIRST = (
    "Anna",
    "Bernd",
    "Carla",
    "Dieter",
    "Emil",
    "Frieda",
    "Gustav",
    "Helga",
    "Ingo",
    "Jolanda",
    "Klaus",
    "Lotte",
    "Moritz",
    "Natascha",
    "Otto",
    "Paula",
    "Rainer",
    "Sabine",
    "Tobias",
    "Ute",
    "Volker",
    "Wiebke",
    "Xaver",
    "Yvonne",
    "Zoe",
    "Adalbert",
    "Brigitte",
    "Cornelius",
    "Dorothea",
    "Eberhard",
    "Felicitas",
    "Gottfried",
    "Hildegard",
    "Irmgard",
)
_LAST = (
    "Albrecht",
    "Baumann",
    "Conrad",
    "Dreyer",
    "Engel",
    "Fuchs",
    "Gerlach",
    "Hoffmann",
    "Jansen",
    "Kuhn",
    "Lorenz",
    "Morgenstern",
    "Neumann",
    "Oswald",
    "Pohl",
    "Ritter",
    "Schubert",
    "Thiel",
    "Vogt",
    "Winkler",
    "Ackermann",
    "Brandt",
    "Claasen",
    "Dietrich",
    "Eckert",
    "Falk",
    "Graf",
    "Haas",
    "Iske",
    "Jung",
)


def _strangers(count: int, unlike: list[str]) -> list[tuple[str, str]]:
    """``count`` names no two of which (nor any of ``unlike``) look alike."""
    kept = [n.lower() for n in unlike]
    names = []
    for last in _LAST:
        for first in _FIRST:
            name = f"{first} {last}"
            if all(fuzz.token_sort_ratio(name.lower(), k) < 80 for k in kept):
                kept.append(name.lower())
                names.append((first, last))
                if len(names) == count:
                    return names
    raise AssertionError("not enough names")


async def test_large_postal_code_and_every_phone_number(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    drafts = [{"first_name": f, "last_name": last, "postal_code": "50667"}
              for f, last in _strangers(498, ["Jürgen Groß", "Jurgen Gross"])]  # fmt: skip
    drafts += [
        {"first_name": "Jürgen", "last_name": "Groß", "postal_code": "50667"},
        {"first_name": "Jurgen", "last_name": "Gross", "postal_code": "50667"},
        # Elsewhere: one's mobile is the other's second phone.
        {"last_name": "Mobil", "mobile": "0170 1234567", "postal_code": "10115"},
        {"last_name": "Festnetz", "phone2": "+49 170 1234567"},
    ]
    async with runtime.database.transaction() as session:
        await create_contacts(session, [validate_new_contact(d) for d in drafts])
    data = (await admin_api.data(CANDIDATES))["duplicateCandidates"]
    found = {
        (e["node"]["first"]["lastName"], e["node"]["second"]["lastName"]): e["node"]["reasons"]
        for e in data["edges"]
    }
    assert found == {
        ("Groß", "Gross"): ["SAME_POSTAL_CODE", "SIMILAR_NAME"],
        ("Mobil", "Festnetz"): ["SAME_PHONE"],
    }


GRANT = """mutation A($c: ID!, $r: ID!, $p: [String!]!) {
  assignResource(contactId: $c, resourceId: $r, permissions: $p) { errors { code } } }"""
DISMISS = """mutation D($a: ID!, $b: ID!) {
  dismissDuplicate(firstId: $a, secondId: $b) { ok errors { code field } } }"""
SEARCH = "query S($s: String!) { contacts(filter: {search: $s}) { edges { node { lastName } } } }"


async def test_merge_keeps_every_permission_and_is_found_by_what_it_gained(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    target = await create(admin_api, lastName="Ziel")
    source = await create(
        admin_api, lastName="Quelle", email="quelle@example.de", phone1="0228 123456",
        additionalEmails=["zweit@example.de"],
    )  # fmt: skip
    site = await admin_api.data('mutation { createResource(input: {kind: "web", name: "Site"}) '
                                "{ resource { id } } }")  # fmt: skip
    resource = site["createResource"]["resource"]["id"]
    for contact, permissions in ((target, ["VIEW"]), (source, ["VIEW", "EDIT"])):
        granted = await admin_api.data(GRANT, {"c": contact["id"], "r": resource, "p": permissions})
        assert granted["assignResource"]["errors"] == []
    merged = await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]], "logins": False})
    assert merged["mergeContacts"]["errors"] == []
    grants = await admin_api.data(
        "query R($c: ID!) { contactResources(contactId: $c) { permissions } }", {"c": target["id"]}
    )
    assert grants["contactResources"] == [{"permissions": ["EDIT", "VIEW"]}]
    for term in ("quelle@example.de", "zweit@example.de", "0228 123456"):
        found = await admin_api.data(SEARCH, {"s": term})
        assert [e["node"]["lastName"] for e in found["contacts"]["edges"]] == ["Ziel"], term


async def test_naming_a_contact_twice_is_a_typed_error(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    target = await create(admin_api, lastName="Ziel")
    source = await create(admin_api, lastName="Quelle")
    for sources in ([source["id"], source["id"]], [source["id"], target["id"]]):
        refused = await admin_api.data(MERGE, {"t": target["id"], "s": sources, "logins": False})
        assert refused["mergeContacts"]["errors"] == [{"code": "SAME_CONTACT"}], sources
    dismissed = await admin_api.data(DISMISS, {"a": target["id"], "b": target["id"]})
    assert dismissed["dismissDuplicate"] == {
        "ok": False, "errors": [{"code": "SAME_CONTACT", "field": "secondId"}]
    }  # fmt: skip
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 2
        assert await session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 0


def test_merge_and_import_name_the_fields_they_fill_as_the_contact_type_does() -> None:
    # MergeContactsPayload.filledFields and ImportRowResult.changedFields answer `Contact`
    # field names (issue 17, item 9); email_normalized is filled with email and not named.
    from portal.services.csv_columns import CONTACT_COLUMNS
    from portal.services.merge import _FILLABLE
    from schema.admin.schema import admin_schema
    from schema.common.errors import graphql_name

    contact_fields = set(admin_schema._schema.type_map["Contact"].fields)  # type: ignore[attr-defined]
    named = {graphql_name(n) for n in _FILLABLE if n != "email_normalized"}
    named |= {graphql_name(c.field) for c in CONTACT_COLUMNS if c.field}
    assert named - contact_fields == set()
