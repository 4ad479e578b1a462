"""Export -> edit -> import is a full round trip of everything a contact holds: the export
writes every field the import reads (fax, website, date of birth, Sie/Du, language, call times,
further emails, directory listing, external references, tags, groups), an unedited file changes
nothing, and an edited cell changes exactly its field."""

from __future__ import annotations

import csv
import io
from typing import Any

from portal.app.runtime import Runtime
from portal.services.csv_columns import EXPORTED_CONTACT_COLUMNS
from portal.services.csv_import.mapping import WRITTEN_COLUMNS
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, upload_file
from tests.schema.admin.contact_documents import CONTACT, CREATE

EXPORT = """mutation E($options: CsvOptionsInput) {
  exportContacts(options: $options) { downloadUrl } }"""
IMPORT = """mutation I($file: Upload!) { importContacts(file: $file) {
  rows created updated unchanged failed ignoredColumns
  problems { row column code message } results { outcome changedFields } } }"""
FULL = {
    "salutation": "Frau", "title": "Dr.", "firstName": "Amélie", "lastName": "Martin",
    "companyName": "Martin & Fils", "email": "amelie@example.fr",
    "additionalEmails": ["a.martin@example.com", "buero@example.fr"],
    "phone1": "0221 123456", "phone2": "+33 1 23 45 67 89", "mobile": "0171 2345678",
    "fax": "0221 123457", "street": "Hauptstr. 5", "postalCode": "50667", "city": "Köln",
    "country": "DE", "website": "https://example.fr", "dateOfBirth": "1980-02-29",
    "notes": "=Formel; zweite\\nZeile", "language": "fr", "formality": "INFORMAL",
    "reachability": [{"weekday": 0, "from": "09:00", "to": "12:00"},
                     {"weekday": 3, "from": "14:00", "to": "18:30"}],
    "directoryVisible": True, "source": "POS",
}  # fmt: skip


async def contact(api: GraphQLClient, contact_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(CONTACT, {"id": contact_id}))["contact"]
    return found


async def export(api: GraphQLClient, language: str) -> bytes:
    options = {"language": language, "delimiter": ";" if language == "de" else ","}
    url = (await api.data(EXPORT, {"options": options}))["exportContacts"]["downloadUrl"]
    response = await api.http.get(url)
    assert response.status_code == 200
    return response.content


async def import_file(api: GraphQLClient, data: bytes) -> dict[str, Any]:
    body = await upload_file(api, IMPORT, {}, data)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importContacts"]
    return result


async def test_an_exported_file_imports_back_without_a_change_in_either_language(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    created = (await admin_api.data(CREATE, {"input": FULL}))["createContact"]
    assert created["errors"] == []
    contact_id = created["contact"]["id"]
    for system, ident in (("POS", "4711"), ("KUNDENKARTE", "K-0815, Gold")):
        answer = await admin_api.data(
            "mutation R($c: ID!, $s: String!, $e: String!) { setExternalReference(contactId: $c,"
            " sourceSystem: $s, externalId: $e) { errors { code } } }",
            {"c": contact_id, "s": system, "e": ident},
        )
        assert answer["setExternalReference"]["errors"] == []
    group = await admin_api.data(
        'mutation { createContactGroup(name: "Stammkunden, Köln") { group { id } } }'
    )
    await admin_api.data(
        "mutation G($c: ID!, $g: [ID!]!) { setContactGroups(contactId: $c, groupIds: $g) "
        "{ errors { code } } }",
        {"c": contact_id, "g": [group["createContactGroup"]["group"]["id"]]},
    )
    await admin_api.data(
        'mutation T($c: ID!) { addTags(contactId: $c, tags: ["vip", "Smith, Jr."]) '
        "{ errors { code } } }",
        {"c": contact_id},
    )
    before = await contact(admin_api, contact_id)
    assert before["externalReferences"] and before["groups"] and before["tags"]
    exported = next(csv.DictReader(io.StringIO((await export(admin_api, "en")).decode(
        "utf-8-sig"))))  # fmt: skip
    # Every column the import writes is exported, and filled for this contact (before: fax,
    # website, date of birth, Sie/Du, call times, further emails, directory listing and
    # external references were missing).
    written = [c for c in EXPORTED_CONTACT_COLUMNS if c.field or c.key in WRITTEN_COLUMNS]
    assert [c.en for c in written if not exported.get(c.en)] == []
    assert exported["External references"] == '"KUNDENKARTE:K-0815, Gold", POS:4711'
    assert exported["Reachability"] == "Mon 09:00-12:00, Thu 14:00-18:30"
    for language in ("de", "en"):
        data = await export(admin_api, language)
        report = await import_file(admin_api, data)
        assert (report["rows"], report["unchanged"], report["failed"]) == (1, 1, 0), report
        assert report["ignoredColumns"] == []
        after = await contact(admin_api, contact_id)
        assert after == before


async def test_an_edited_cell_changes_exactly_its_field(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    created = (await admin_api.data(CREATE, {"input": FULL}))["createContact"]
    contact_id = created["contact"]["id"]
    data = (await export(admin_api, "de")).decode("utf-8-sig")
    assert "Mo 09:00-12:00, Do 14:00-18:30" in data
    edited = data.replace("Mo 09:00-12:00, Do 14:00-18:30", "Di 08:00-10:00").replace(
        ";0221 123457;", ";0221 999999;"
    )
    report = await import_file(admin_api, edited.encode())
    assert report["updated"] == 1, report
    assert sorted(report["results"][0]["changedFields"]) == ["fax", "reachability"]
    after = await contact(admin_api, contact_id)
    assert after["reachability"] == [{"weekday": 1, "from": "08:00", "to": "10:00"}]
    references = "Kundennummer;Externe Referenzen\r\n{};POS:4711, ERP:A-77\r\n"
    number = after["customerNumber"]
    report = await import_file(admin_api, references.format(number).encode())
    assert report["results"][0]["changedFields"] == ["externalReferences"], report
    after = await contact(admin_api, contact_id)
    assert sorted((r["sourceSystem"], r["externalId"]) for r in after["externalReferences"]) == [
        ("ERP", "A-77"),
        ("POS", "4711"),
    ]
    wrong = await import_file(admin_api, f"Kundennummer;Kundenkarte\r\n{number};4711\r\n".encode())
    assert [(p["column"], p["code"]) for p in wrong["problems"]] == [
        ("Kundenkarte", "INVALID_REFERENCE")
    ]
