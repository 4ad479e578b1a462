"""CSV export: streamed download behind a short-lived link, Excel-safe."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact
from portal.services.actors import SYSTEM
from portal.services.contacts.groups_tags import change_tags
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer, reconfigure
from tests.schema.admin.contact_documents import CONTACT, create

EXPORT = """
mutation E($filter: ContactFilterInput, $options: CsvOptionsInput) {
  exportContacts(filter: $filter, options: $options) { downloadUrl expiresAt errors { code field } }
}
"""


async def download(api: GraphQLClient, **variables: Any) -> tuple[int, bytes, dict[str, str]]:
    data = await api.data(EXPORT, variables)
    url = data["exportContacts"]["downloadUrl"]
    assert url.startswith("/admin/exports/download?token=")
    response = await api.http.get(url)
    return response.status_code, response.content, dict(response.headers)


def rows(content: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


async def test_export_is_excel_safe_and_filtered(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await create(
        admin_api,
        firstName='=HYPERLINK("x")',
        lastName='Müller; "Sohn"',
        email="m@example.de",
        notes="+49 Notiz\nzweite Zeile",
    )
    await create(admin_api, lastName="@Angriff", companyName="-1+1")
    gone = await create(admin_api, lastName="Inaktiv")
    await admin_api.data(
        "mutation D($c: ID!) { deactivateContact(contactId: $c) { errors { code } } }",
        {"c": gone["id"]},
    )
    status, content, headers = await download(admin_api)
    assert status == 200
    assert content.startswith(b"\xef\xbb\xbf")
    assert headers["content-type"].startswith("text/csv")
    assert headers["cache-control"] == "no-store"
    exported = rows(content)
    # Inactive contacts are exported too, by default; a filter narrows it.
    assert [r["Last name"] for r in exported] == ['Müller; "Sohn"', "'@Angriff", "Inaktiv"]
    assert [r["Active"] for r in exported] == ["1", "1", "0"]
    assert exported[0]["First name"] == '\'=HYPERLINK("x")'
    assert exported[0]["Notes"] == "'+49 Notiz\nzweite Zeile"
    assert exported[1]["Company"] == "'-1+1"
    assert exported[0]["Active"] == "1"
    assert exported[0]["Status"] == "PROSPECT"
    _, active_only, _ = await download(admin_api, filter={"active": True})
    assert len(rows(active_only)) == 2
    _, without_inactive, _ = await download(admin_api, filter={"includeInactive": False})
    assert len(rows(without_inactive)) == 2
    _, inactive_only, _ = await download(admin_api, filter={"active": False})
    assert [r["Last name"] for r in rows(inactive_only)] == ["Inaktiv"]


async def test_semicolon_german_headers_and_status(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "kunde@example.de")
    _, content, _ = await download(
        admin_api, options={"delimiter": ";", "language": "de", "bom": False}
    )
    assert not content.startswith(b"\xef\xbb\xbf")
    (row,) = rows(content, ";")
    assert row["Nachname"] == "Kunde"
    assert row["E-Mail"] == "kunde@example.de"
    assert row["Status"] == "INVITED"
    bad = await admin_api.data(EXPORT, {"options": {"delimiter": "|"}})
    assert bad["exportContacts"]["errors"] == [{"code": "INVALID_DIALECT", "field": "options"}]


async def test_links_expire_and_cannot_be_forged(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    url = (await admin_api.data(EXPORT, {}))["exportContacts"]["downloadUrl"]
    assert (await admin_api.http.get(url + "x")).status_code == 404
    clock.advance(timedelta(minutes=11))
    assert (await admin_api.http.get(url)).status_code == 404


async def test_portal_user_export(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "a@example.de")
    await make_customer(runtime, "b@example.de", linked=False)
    data = await admin_api.data("mutation { exportPortalUsers { downloadUrl } }")
    response = await admin_api.http.get(data["exportPortalUsers"]["downloadUrl"])
    exported = rows(response.content)
    assert {(r["Email"], r["Mapping status"]) for r in exported} == {
        ("a@example.de", "ASSIGNED"),
        ("b@example.de", "PENDING"),
    }


EXPORT_BY = """
mutation E($delivery: ExportDelivery, $options: CsvOptionsInput) {
  exportContacts(delivery: $delivery, options: $options) {
    downloadUrl emailedTo errors { code field }
  }
}
"""


async def test_large_export_is_zipped_and_emailed_to_the_staff_user(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    import zipfile

    from portal.email.backends import MemoryBackend
    from portal.email.delivery import deliver_due

    await log_in_staff(admin_api, runtime, email="export@example.com")
    for name in ("Groß", "Weiß"):
        await create(admin_api, lastName=name)
    answer = await admin_api.data(EXPORT_BY, {"delivery": "EMAIL", "options": {"language": "de"}})
    assert answer["exportContacts"] == {
        "downloadUrl": None,
        "emailedTo": "export@example.com",
        "errors": [],
    }
    await deliver_due(runtime.mailer)
    backend = runtime.mailer.backend
    assert isinstance(backend, MemoryBackend)
    (message,) = backend.sent
    assert message["To"] == "export@example.com"
    assert message["Subject"] == "Ihr Export ist fertig: Kontakte"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(attachment.get_payload(decode=True)))
    (member,) = archive.namelist()
    assert member.startswith("contacts-") and member.endswith(".csv")
    exported = rows(archive.read(member))
    assert sorted(r["Nachname"] for r in exported) == ["Groß", "Weiß"]


async def test_auto_delivery_emails_above_the_threshold_only(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await create(admin_api, lastName="Eins")
    small = await admin_api.data(EXPORT_BY, {})
    assert small["exportContacts"]["downloadUrl"].startswith("/admin/exports/download")
    reconfigure(runtime, export_email_threshold=0)
    large = await admin_api.data(EXPORT_BY, {})
    assert large["exportContacts"]["downloadUrl"] is None
    assert large["exportContacts"]["emailedTo"] == "admin@example.com"


async def store(runtime: Runtime, contact_id: str, **values: Any) -> None:
    """Write column values directly, as older versions or other systems may have left them
    (the API strips and validates what it stores)."""
    async with runtime.database.transaction() as session:
        contact = await session.get(Contact, UUID(contact_id))
        assert contact is not None
        for name, value in values.items():
            setattr(contact, name, value)


async def tag(runtime: Runtime, contact_id: str, *names: str) -> None:
    async with runtime.database.transaction() as session:
        contact = await session.get(Contact, UUID(contact_id))
        assert contact is not None
        await change_tags(session, SYSTEM, contact, list(names), add=True)


async def test_tab_carriage_return_and_apostrophe_starts_are_neutralised(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Zelle")
    await store(
        runtime, contact["uuid"],
        company_name="\t=cmd|' /C calc'!A0", street="\r=1+1", notes="'=literal",
    )  # fmt: skip
    _, content, _ = await download(admin_api)
    (row,) = rows(content)
    assert row["Company"] == "'\t=cmd|' /C calc'!A0"
    assert row["Street"] == "'\r=1+1"
    assert row["Notes"] == "''=literal"  # read back: exactly one apostrophe goes


async def test_tag_and_group_names_with_commas_are_quoted_in_their_cell(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Liste")
    await tag(runtime, contact["uuid"], "Smith, Jr.", "vip", 'Sagt "Hallo"')
    _, content, _ = await download(admin_api)
    (row,) = rows(content)
    assert row["Tags"] == '"Sagt ""Hallo""", "Smith, Jr.", vip'


async def test_export_honours_tag_status_and_source_filters(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    vip = await create(admin_api, lastName="Vip")
    await create(admin_api, lastName="Kasse", source="POS")
    await make_customer(runtime, "kunde@example.de")  # last name Kunde, status INVITED
    await tag(runtime, vip["uuid"], "vip")

    async def exported(**filter: Any) -> list[str]:
        _, content, _ = await download(admin_api, filter=filter)
        return sorted(r["Last name"] for r in rows(content))

    assert await exported() == ["Kasse", "Kunde", "Vip"]
    assert await exported(tags=["vip"]) == ["Vip"]
    assert await exported(status="INVITED") == ["Kunde"]
    assert await exported(status="PROSPECT") == ["Kasse", "Vip"]
    assert await exported(source="POS") == ["Kasse"]
    assert await exported(tags=["vip"], source="POS") == []


IMPORT = """
mutation I($file: Upload!) {
  importContacts(file: $file, options: {match: UUID}) {
    rows created updated unchanged failed applied problems { row column code }
  }
}
"""


async def test_german_semicolon_export_imports_back_changing_only_the_edit(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    first = await create(
        admin_api, firstName="Jürgen", lastName="Groß; Söhne", city="Köln",
        notes='=SUMME(A1)\nzweite "Zeile"', email="j@example.de",
    )  # fmt: skip
    second = await create(admin_api, lastName="Weiß", companyName="-Minus GmbH", city="Bonn")
    await tag(runtime, first["uuid"], "Stammkunde, alt", "vip")
    _, content, _ = await download(
        admin_api, options={"delimiter": ";", "language": "de", "bom": False}
    )
    exported = rows(content, ";")
    assert list(exported[0])[:6] == [
        "UUID",
        "Kundennummer",
        "Anrede",
        "Titel",
        "Vorname",
        "Nachname",
    ]
    by_name = {r["Nachname"]: r for r in exported}
    by_name["Weiß"]["Ort"] = "Düsseldorf"
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(exported[0]), delimiter=";", lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(exported)
    response = await admin_api.http.post(
        "/admin/graphql",
        data={
            "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("kontakte.csv", buffer.getvalue().encode("cp1252"), "text/csv")},
        headers={"authorization": f"Bearer {admin_api.token}"},
    )
    assert response.json()["data"]["importContacts"] == {
        "rows": 2, "created": 0, "updated": 1, "unchanged": 1, "failed": 0, "applied": True,
        "problems": [],
    }  # fmt: skip
    after = await admin_api.data(CONTACT, {"id": first["id"]})
    assert after["contact"]["notes"] == '=SUMME(A1)\nzweite "Zeile"'
    assert after["contact"]["version"] == first["version"]
    assert sorted(t["name"] for t in after["contact"]["tags"]) == ["Stammkunde, alt", "vip"]
    edited = await admin_api.data(CONTACT, {"id": second["id"]})
    assert (edited["contact"]["city"], edited["contact"]["companyName"]) == (
        "Düsseldorf",
        "-Minus GmbH",
    )


PORTAL_USERS = """
mutation P($options: CsvOptionsInput) { exportPortalUsers(options: $options) { downloadUrl } }
"""


async def test_portal_user_export_columns_in_both_languages(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    _, contact = await make_customer(runtime, "a@example.de")
    await make_customer(runtime, "=b@example.de", linked=False)
    assert contact is not None
    created = clock().isoformat()
    english: list[list[str]] = []
    german: list[list[str]] = []
    for options, target in (({}, english), ({"language": "de", "delimiter": ";"}, german)):
        data = await admin_api.data(PORTAL_USERS, {"options": options})
        response = await admin_api.http.get(data["exportPortalUsers"]["downloadUrl"])
        text = response.content.decode("utf-8-sig")
        target.extend(csv.reader(io.StringIO(text), delimiter=options.get("delimiter", ",")))
    assert english[0] == [
        "Email", "Registration status", "Mapping status", "Customer number", "Contact",
        "Created at", "Last login",
    ]  # fmt: skip
    assert german[0] == [
        "E-Mail", "Registrierungsstatus", "Zuordnungsstatus", "Kundennummer", "Kontakt",
        "Erstellt am", "Letzte Anmeldung",
    ]  # fmt: skip
    # Both users were created at the same (frozen) time: their order is the id's.
    assert sorted(english[1:]) == sorted(german[1:]) == [
        ["'=b@example.de", "REGISTERED", "PENDING", "", "", created, ""],
        ["a@example.de", "REGISTERED", "ASSIGNED", str(contact.customer_number), "Anna Kunde",
         created, ""],
    ]  # fmt: skip


async def test_relations_stay_with_their_rows_across_chunks_and_filters(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: Any
) -> None:
    """Chunks read their tags by customer-number range: with chunks of two and a filter that
    leaves out contacts inside a range, every row still carries exactly its own tags."""
    import portal.services.csv_export as csv_export

    monkeypatch.setattr(csv_export, "CHUNK", 2)
    await log_in_staff(admin_api, runtime)
    names = ["Eins", "Zwei", "Drei", "Vier", "Fuenf"]
    contacts = [await create(admin_api, lastName=name) for name in names]
    for index, contact in enumerate(contacts):
        own = f"nur-{names[index].lower()}"
        await tag(runtime, contact["uuid"], own, *(["vip"] if index % 2 == 0 else []))

    _, content, _ = await download(admin_api)
    assert {r["Last name"]: r["Tags"] for r in rows(content)} == {
        "Eins": "nur-eins, vip",
        "Zwei": "nur-zwei",
        "Drei": "nur-drei, vip",
        "Vier": "nur-vier",
        "Fuenf": "nur-fuenf, vip",
    }
    _, content, _ = await download(admin_api, filter={"tags": ["vip"]})
    assert [(r["Last name"], r["Tags"]) for r in rows(content)] == [
        ("Eins", "nur-eins, vip"),
        ("Drei", "nur-drei, vip"),
        ("Fuenf", "nur-fuenf, vip"),
    ]


async def test_the_portal_user_export_takes_the_columns_the_staff_member_chose(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    _, contact = await make_customer(runtime, "a@example.de")
    assert contact is not None
    export = """mutation E($columns: [PortalUserColumn!], $options: CsvOptionsInput) {
      exportPortalUsers(columns: $columns, options: $options) {
        downloadUrl errors { code field } } }"""
    chosen = await admin_api.data(
        export, {"columns": ["CUSTOMER_NUMBER", "EMAIL"], "options": {"language": "de"}}
    )
    response = await admin_api.http.get(chosen["exportPortalUsers"]["downloadUrl"])
    assert response.content.decode("utf-8-sig").splitlines() == [
        "Kundennummer,E-Mail",
        f"{contact.customer_number},a@example.de",
    ]
    twice = await admin_api.data(export, {"columns": ["EMAIL", "EMAIL"]})
    assert twice["exportPortalUsers"] == {
        "downloadUrl": None,
        "errors": [{"code": "INVALID_COLUMNS", "field": "columns"}],
    }
    everything = await admin_api.data(export, {})
    response = await admin_api.http.get(everything["exportPortalUsers"]["downloadUrl"])
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "Email,Registration status,Mapping status,Customer number,Contact,Created at,Last login"
    )
