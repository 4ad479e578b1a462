"""importContacts reads the columns people actually have: German and English headers and their
usual variants, an explicit mapping, and every column's fate in the answer (a column it does not
know is reported, never dropped without a word); AUTO matching makes a second import of the
same file change nothing; problems name columns as the file does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.models import Contact
from portal.services.actors import Actor, ActorType
from portal.services.contacts import create_contact
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, upload_file

IMPORT = """
mutation I($file: Upload!, $options: ImportOptionsInput) {
  importContacts(file: $file, options: $options) {
    match rows created updated unchanged failed applied ignoredColumns
    columns { position header column use explicit }
    problems { row column code message }
    results { row outcome matchedBy changedFields }
  }
}
"""

GERMAN_EXCEL = (
    "Anrede;Vorname;Nachname;Firma;E-Mail;Telefon;Handy;Straße;Hausnummer;PLZ;Ort;"
    "Geburtsdatum;Lieblingsfarbe\r\n"
    "Frau;Erika;Mustermann;;erika@example.com;0221 123456;0171 2345678;Hauptstr.;5;50667;Köln;"
    "1970-04-01;grün\r\n"
    "Herr;Max;Muster;Muster GmbH;max@example.com;030 9876543;;Lindenweg;12a;10115;Berlin;;blau\r\n"
).encode("cp1252")


async def upload(api: GraphQLClient, data: bytes, **options: Any) -> dict[str, Any]:
    body = await upload_file(api, IMPORT, {"options": options}, data)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importContacts"]
    return result


async def contacts(runtime: Runtime) -> list[Contact]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(Contact).order_by(Contact.last_name)))


async def test_a_dry_run_shows_every_columns_mapping_and_the_unknown_one(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    report = await upload(admin_api, GERMAN_EXCEL, dryRun=True)
    mapping = {c["header"]: (c["column"], c["use"]) for c in report["columns"]}
    assert mapping == {
        "Anrede": ("SALUTATION", "IMPORTED"),
        "Vorname": ("FIRST_NAME", "IMPORTED"),
        "Nachname": ("LAST_NAME", "IMPORTED"),
        "Firma": ("COMPANY_NAME", "IMPORTED"),
        "E-Mail": ("EMAIL", "IMPORTED"),
        "Telefon": ("PHONE1", "IMPORTED"),
        "Handy": ("MOBILE", "IMPORTED"),
        "Straße": ("STREET", "IMPORTED"),
        "Hausnummer": ("HOUSE_NUMBER", "IMPORTED"),
        "PLZ": ("POSTAL_CODE", "IMPORTED"),
        "Ort": ("CITY", "IMPORTED"),
        "Geburtsdatum": ("DATE_OF_BIRTH", "IMPORTED"),
        "Lieblingsfarbe": (None, "IGNORED"),
    }
    assert [c["position"] for c in report["columns"]] == list(range(1, 14))
    assert report["ignoredColumns"] == ["Lieblingsfarbe"]
    assert report["match"] == "AUTO"
    assert (report["rows"], report["created"], report["applied"]) == (2, 2, False)
    assert await contacts(runtime) == []


async def test_a_german_excel_file_keeps_phones_addresses_and_birthdays(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    report = await upload(admin_api, GERMAN_EXCEL)
    assert report["applied"] and report["created"] == 2, report
    assert report["ignoredColumns"] == ["Lieblingsfarbe"]  # reported on a real import too
    erika = next(c for c in await contacts(runtime) if c.first_name == "Erika")
    assert (erika.phone1, erika.phone1_e164) == ("0221 123456", "+49221123456")
    assert erika.mobile_e164 == "+491712345678"
    assert (erika.street, erika.postal_code, erika.city) == ("Hauptstr. 5", "50667", "Köln")
    assert erika.date_of_birth is not None and erika.date_of_birth.isoformat() == "1970-04-01"
    assert (erika.salutation, erika.email) == ("Frau", "erika@example.com")


async def test_importing_the_same_file_twice_creates_no_duplicates(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    first = await upload(admin_api, GERMAN_EXCEL)
    second = await upload(admin_api, GERMAN_EXCEL)
    assert (first["created"], second["created"], second["unchanged"]) == (2, 0, 2), second
    assert {r["matchedBy"] for r in second["results"]} == {"EMAIL"}
    assert {r["matchedBy"] for r in first["results"]} == {None}
    assert len(await contacts(runtime)) == 2
    # An exported file carries UUID and customer number: AUTO matches by the UUID first.
    erika = next(c for c in await contacts(runtime) if c.first_name == "Erika")
    by_uuid = f"UUID;Kundennummer;Ort\r\n{erika.id};{erika.customer_number};Bonn\r\n".encode()
    third = await upload(admin_api, by_uuid)
    assert third["updated"] == 1 and third["results"][0]["matchedBy"] == "UUID", third
    by_number = f"Kundennr.;Ort\r\n{erika.customer_number};Köln\r\n".encode()
    fourth = await upload(admin_api, by_number)
    assert fourth["results"][0]["matchedBy"] == "CUSTOMER_NUMBER", fourth


async def test_a_row_whose_email_belongs_to_several_contacts_is_a_typed_problem(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    actor = Actor(ActorType.SYSTEM, name="test")
    async with runtime.database.transaction() as session:
        for name in ("Eins", "Zwei"):
            await create_contact(
                session, {"last_name": name, "email": "family@example.com"}, actor=actor
            )
    data = b"Nachname;E-Mail\r\nDrei;family@example.com\r\n"
    report = await upload(admin_api, data)
    assert report["problems"] == [
        {
            "row": 2,
            "column": "E-Mail",  # as the file names it
            "code": "AMBIGUOUS",
            "message": "Several contacts have this email; add their UUID or customer number "
            "to the row.",
        }
    ]
    assert not report["applied"]
    assert len(await contacts(runtime)) == 2


async def test_problems_name_columns_as_the_file_does(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    data = "Nachname;Kundennr.;PLZ;Telefon\r\nA;abc;;\r\nB;;1234;\r\nC;;;kein Anschluss\r\n"
    report = await upload(admin_api, data.encode(), errorPolicy="REJECT_FAILED_ROWS")
    assert [(p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        (2, "Kundennr.", "INVALID_CUSTOMER_NUMBER"),
        (3, "PLZ", "INVALID_POSTAL_CODE"),
        (4, "Telefon", "INVALID_PHONE"),
    ]


async def test_an_explicit_mapping_overrides_and_completes_the_recognised_headers(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    data = "Name;Telefon privat;Telefon;Notiz intern\r\nMeier;0221 111111;0221 222222;x\r\n"
    mapping = [
        {"header": "name", "column": "LAST_NAME"},  # case and spaces do not matter
        {"header": "Telefon privat", "column": "PHONE2"},
        {"header": "Notiz intern", "column": None},
    ]
    report = await upload(admin_api, data.encode(), columns=mapping)
    assert [(c["column"], c["use"], c["explicit"]) for c in report["columns"]] == [
        ("LAST_NAME", "IMPORTED", True),
        ("PHONE2", "IMPORTED", True),
        ("PHONE1", "IMPORTED", False),
        (None, "IGNORED", True),
    ]
    assert report["ignoredColumns"] == ["Notiz intern"]
    (meier,) = await contacts(runtime)
    assert (meier.last_name, meier.phone1, meier.phone2) == ("Meier", "0221 222222", "0221 111111")


async def test_a_mapping_that_does_not_fit_the_file_refuses_it(
    runtime: Runtime, admin_api: GraphQLClient
) -> None:
    await log_in_staff(admin_api, runtime)
    data = b"Nachname;Telefon;Tel.\r\nMeier;0221 111111;0221 222222\r\n"
    duplicate = await upload(admin_api, data)
    assert [(p["column"], p["code"]) for p in duplicate["problems"]] == [
        ("Tel.", "DUPLICATE_COLUMN")
    ]
    unknown = await upload(admin_api, data, columns=[{"header": "Fax", "column": "FAX"}])
    assert [(p["column"], p["code"]) for p in unknown["problems"]] == [
        ("Fax", "UNKNOWN_MAPPED_HEADER"),
        ("Tel.", "DUPLICATE_COLUMN"),
    ]
    fixed = await upload(admin_api, data, columns=[{"header": "Tel.", "column": "PHONE2"}])
    assert fixed["applied"] and fixed["created"] == 1
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
