"""CSV import: round trip with the export, German Excel files, row reports, policies."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

import portal.services
from portal.app.runtime import Runtime
from portal.models import AuditEntry, Contact, ContactHistoryEntry, Tag
from portal.services.actors import Actor, ActorType
from portal.services.contacts import create_contact
from portal.services.contacts.groups_tags import (
    change_tags,
    groups_by_contact,
    save_group,
    set_contact_groups,
    tags_by_contact,
)
from portal.services.contacts.search import ContactFilter
from portal.services.csv_columns import join_names, neutralise, split_names, unneutralise
from portal.services.csv_export import CsvDialect, export_contacts
from portal.services.csv_import import (
    ImportErrorPolicy,
    ImportMatch,
    ImportOptions,
    ImportProblemCode,
    RowOutcome,
    import_contacts,
)
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

ACTOR = Actor(ActorType.IMPORT, name="test import")
FIRST = ["Jürgen", "Zoë", "O'Neil", 'Anna "Ännchen"', "Łukasz", "=Formel", "'Apostroph"]
LAST = ["Groß", "Müller-Lüdenscheidt", "Weiß; Söhne", "Smith, Jr.", "@handle", "Ärger"]
NOTES = ["", 'Sagt "Hallo"\nzweite Zeile', "+49 bevorzugt", "'=literal", "''zwei", "'+49"]
# Names that a list cell must quote: commas, quotes, and both.
TAGS = ["vip", "Smith, Jr.", 'Sagt "Hallo"', '"Zitat", mit Komma', "a,b,,c"]
GROUPS = ["Köln, Innenstadt", "Stammkunden", 'Club "Eins"']
# Stored with whitespace by older versions or other systems (the API strips what it stores).
SPACED = {
    "first_name": " Leer vorn", "city": "Köln ", "notes": "  eingerückt\n",
    "company_name": "\t=1+1", "street": "\r-2 Hinterhof",
}  # fmt: skip


async def export_bytes(runtime: Runtime, **dialect: Any) -> bytes:
    async with runtime.database.transaction() as session:
        chunks = [
            c
            async for c in export_contacts(
                session, ContactFilter(include_inactive=True), CsvDialect(**dialect)
            )
        ]
    return b"".join(chunks)


async def run_import(runtime: Runtime, data: bytes, **options: Any) -> Any:
    async with runtime.database.transaction() as session:
        return await import_contacts(session, data, ImportOptions(**options), ACTOR)


async def snapshot(runtime: Runtime) -> dict[str, tuple[Any, ...]]:
    async with runtime.database.transaction() as session:
        rows = list(await session.scalars(select(Contact).order_by(Contact.customer_number)))
        ids = [c.id for c in rows]
        tags = await tags_by_contact(session, ids)
        groups = await groups_by_contact(session, ids)
        return {
            str(c.id): (
                c.first_name,
                c.last_name,
                c.city,
                c.phone1,
                c.email,
                c.notes,
                c.version,
                c.is_active,
                sorted(t.name for t in tags[c.id]),
                sorted(g.name for g in groups[c.id]),
            )
            for c in rows
        }


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_round_trip_of_a_thousand_contacts_changes_only_what_was_edited(
    runtime: Runtime,
) -> None:
    rng = random.Random(5)
    async with runtime.database.transaction() as session:
        groups = [await save_group(session, ACTOR, name, "") for name in GROUPS]
        for index in range(1000):
            contact = await create_contact(
                session,
                {
                    "first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
                    "email": f"kunde{index}@example.de", "city": rng.choice(["Köln", "Düsseldorf", ""]),
                    "notes": rng.choice(NOTES), "phone1": rng.choice(["", "0221 123456"]),
                },
            )  # fmt: skip
            if index % 10 == 0:
                await change_tags(session, ACTOR, contact, rng.sample(TAGS, 2), add=True)
                await set_contact_groups(session, ACTOR, contact, [rng.choice(groups).id])
            if index % 10 == 1:
                for name, value in SPACED.items():
                    setattr(contact, name, value)
    before = await snapshot(runtime)
    assert any(row[5] == "'=literal" for row in before.values())
    assert any("Smith, Jr." in row[8] for row in before.values())
    assert any(row[0] == " Leer vorn" for row in before.values())
    history_before = await count(runtime, ContactHistoryEntry)
    exported = await export_bytes(runtime)
    unchanged = await run_import(runtime, exported)
    assert (unchanged.rows, unchanged.unchanged, unchanged.updated, unchanged.failed) == (
        1000,
        1000,
        0,
        0,
    )
    assert await snapshot(runtime) == before
    assert await count(runtime, ContactHistoryEntry) == history_before

    # Edit three rows as a spreadsheet user would, then import again.
    text = exported.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows[0]["City"] = "Bonn"
    rows[1]["Phone 1"] = "+49 30 1234567"
    rows[2]["Last name"] = "Neuname"
    rows[3]["City"] = ""  # an emptied cell leaves the field untouched
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    report = await run_import(runtime, buffer.getvalue().encode("utf-8"))
    assert (report.updated, report.unchanged, report.failed) == (3, 997, 0)
    after = await snapshot(runtime)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {rows[0]["UUID"], rows[1]["UUID"], rows[2]["UUID"]}
    assert after[rows[0]["UUID"]][2] == "Bonn"
    assert after[rows[2]["UUID"]][1] == "Neuname"
    assert after[rows[3]["UUID"]][2] == before[rows[3]["UUID"]][2]


async def test_german_excel_file_semicolon_bom_or_windows_1252(runtime: Runtime) -> None:
    lines = [
        "Vorname;Nachname;E-Mail;PLZ;Ort;Aktiv;Quelle",
        "Jürgen;Groß;j@example.de;50667;Köln;1;POS",
        "Zoë;Weiß;z@example.de;10115;Berlin;0;",
    ]
    for data in (
        "\r\n".join(lines).encode("cp1252"),
        b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"),
    ):
        async with runtime.database.transaction() as session:
            await session.execute(Contact.__table__.delete())
        report = await run_import(runtime, data, match=ImportMatch.EMAIL)
        assert (report.created, report.failed) == (2, 0), report.problems
        async with runtime.database.transaction() as session:
            contacts = {c.last_name: c for c in await session.scalars(select(Contact))}
        assert contacts["Groß"].city == "Köln"
        assert contacts["Groß"].source == "POS"
        assert contacts["Weiß"].first_name == "Zoë"
        assert contacts["Weiß"].source == "CSV_IMPORT"
        assert contacts["Weiß"].is_active is False


BROKEN = (
    b"Last name,Email,Phone 1,Postal code,Status,Active\r\n"
    b"Gut,gut@example.de,,,,1\r\n"
    b"Schlecht,keine-mail,12,,,\r\n"
    b"Auch gut,auch@example.de,,,,\r\n"
    b"Falsch,f@example.de,,1,UNBEKANNT,2\r\n"
)


@pytest.mark.parametrize("policy", list(ImportErrorPolicy))
async def test_broken_rows_are_reported_with_lines_and_policy_decides(
    runtime: Runtime, policy: ImportErrorPolicy
) -> None:
    report = await run_import(runtime, BROKEN, match=ImportMatch.EMAIL, error_policy=policy)
    problems = {(p.row, p.column, p.code) for p in report.problems}
    assert {
        (3, "Email", "INVALID_EMAIL"),
        (3, "Phone 1", "INVALID_PHONE"),
        (5, "Status", "UNKNOWN_STATUS"),
        (5, "Active", "INVALID_ACTIVE"),
    } <= problems
    assert report.failed == 2
    names = set()
    async with runtime.database.transaction() as session:
        names = {c.last_name for c in await session.scalars(select(Contact))}
    if policy is ImportErrorPolicy.REJECT_EVERYTHING:
        assert (report.applied, names) == (False, set())
    else:
        assert (report.applied, names) == (True, {"Gut", "Auch gut"})


async def test_dry_run_writes_nothing_and_reports_the_same(runtime: Runtime) -> None:
    dry = await run_import(
        runtime,
        BROKEN,
        match=ImportMatch.EMAIL,
        dry_run=True,
        error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS,
    )
    assert await count(runtime, Contact) == 0
    real = await run_import(
        runtime, BROKEN, match=ImportMatch.EMAIL, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS
    )
    assert (dry.created, dry.failed, dry.problems) == (real.created, real.failed, real.problems)
    assert dry.applied is False
    assert await count(runtime, Contact) == 2


async def test_customer_numbers_never_change(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Nummer"})
    data = f"UUID,Customer number,Last name\r\n{contact.id},99999,Nummer\r\n".encode()
    report = await run_import(runtime, data)
    assert [(p.code, p.column) for p in report.problems] == [
        ("CUSTOMER_NUMBER_IMMUTABLE", "Customer number")
    ]


async def test_upload_through_the_staff_api(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    operations = json.dumps(
        {
            "query": "mutation I($file: Upload!) { importContacts(file: $file, options: {match: EMAIL}) { rows created failed applied problems { row code } } }",
            "variables": {"file": None},
        }
    )
    files = {
        "0": (
            "kontakte.csv",
            "Nachname;E-Mail\r\nHochgeladen;h@example.de\r\n".encode("cp1252"),
            "text/csv",
        )
    }
    form = {"operations": operations, "map": json.dumps({"0": ["variables.file"]})}
    response = await admin_api.http.post(
        "/admin/graphql",
        data=form,
        files=files,
        headers={"authorization": f"Bearer {admin_api.token}"},
    )
    assert response.json()["data"]["importContacts"] == {
        "rows": 1,
        "created": 1,
        "failed": 0,
        "applied": True,
        "problems": [],
    }
    # Cookie-only multipart requests are refused: a foreign page could send them (CSRF).
    refused = await admin_api.http.post("/admin/graphql", data=form, files=files)
    assert refused.status_code == 403


def new_contacts_csv(last_names: list[str], tags: dict[int, str] | None = None) -> bytes:
    lines = ["Last name,City,Tags"]
    lines += [f"{name},Berlin,{(tags or {}).get(i, '')}" for i, name in enumerate(last_names)]
    return ("\r\n".join(lines) + "\r\n").encode()


async def test_new_contacts_are_created_in_batches(runtime: Runtime) -> None:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = runtime.database.engine.sync_engine
    counts = []
    for size in (1, 10, 40):  # the first import also creates the customer number counter
        event.listen(engine, "before_cursor_execute", record)
        try:
            statements.clear()
            report = await run_import(
                runtime, new_contacts_csv([f"N{size}-{i}" for i in range(size)])
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert (report.created, report.failed, report.applied) == (size, 0, True)
        counts.append(len(statements))
    assert counts[1] == counts[2], counts


async def test_batched_and_row_by_row_contacts_keep_the_file_order(runtime: Runtime) -> None:
    # Row 3 has tags (created row by row), row 4 no name (fails), the others are batched.
    data = new_contacts_csv(["Erster", "Zweiter", "", "Vierter"], tags={1: "vip"})
    report = await run_import(runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    assert (report.created, report.failed, report.applied) == (3, 1, True)
    assert [(p.row, p.code) for p in report.problems] == [(4, "REQUIRED")]
    async with runtime.database.transaction() as session:
        rows = await session.execute(select(Contact.last_name).order_by(Contact.customer_number))
        assert [name for (name,) in rows] == ["Erster", "Zweiter", "Vierter"]
        created = await session.scalar(
            select(func.count())
            .select_from(ContactHistoryEntry)
            .where(ContactHistoryEntry.description == "Contact created")
        )
        assert created == 3


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ('mutation { importContacts(file: "Nachname\\nX") { rows } }', {}),
        ("mutation I($f: Upload!) { importContacts(file: $f) { rows } }", {"f": "Nachname"}),
        ('mutation { inviteContactsFromCsv(file: "E-Mail\\na@b.de") { invited } }', {}),
        ("mutation I($f: Upload!) { inviteContactsFromCsv(file: $f) { invited } }", {"f": 7}),
    ],
)
async def test_a_file_argument_that_is_not_an_upload_is_bad_input(
    admin_api: GraphQLClient, runtime: Runtime, document: str, variables: dict[str, Any]
) -> None:
    # Found by the fuzzer: the Upload scalar takes any value in JSON; a string reached
    # `file.read()` and answered INTERNAL_SERVER_ERROR.
    await log_in_staff(admin_api, runtime)
    body = await admin_api(document, variables)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "reason": "NOT_A_FILE",
        "field": "file",
    }


def phone_file(count: int) -> bytes:
    lines = ["Nachname;Telefon 1;Mobil"]
    for i in range(count):
        phone = "keine Nummer" if i % 7 == 3 else f"030 {2_000_000 + i}"
        lines.append(f"Telefonkunde {i};{phone};+49 171 {3_000_000 + i}")
    return ("\r\n".join(lines) + "\r\n").encode()


async def phones_by_name(runtime: Runtime) -> dict[str, tuple[str | None, str | None]]:
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            select(Contact.last_name, Contact.phone1_e164, Contact.mobile_e164)
        )
        return {name: (phone, mobile) for name, phone, mobile in rows}


@pytest.mark.parametrize("worker", ["python", "broken"])
async def test_phone_numbers_validated_ahead_in_a_worker_give_the_same_result(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, worker: str
) -> None:
    data = phone_file(40)
    inline = await run_import(
        runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS, dry_run=True
    )
    if worker == "broken":
        # A worker that dies at once: the import validates the numbers itself.
        monkeypatch.setattr("portal.services.phone_lookahead.sys.executable", "/bin/false")
    ahead = await run_import(
        runtime,
        data,
        error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS,
        parallel_phone_rows=1,
    )
    assert [(p.row, p.column, p.code) for p in ahead.problems] == [
        (p.row, p.column, p.code) for p in inline.problems
    ]
    assert [p.row for p in ahead.problems] == [5, 12, 19, 26, 33, 40]
    assert (ahead.created, ahead.failed) == (34, 6)
    stored = await phones_by_name(runtime)
    assert stored["Telefonkunde 0"] == ("+49302000000", "+491713000000")
    assert len(stored) == 34
    fell_back = any("validating in the import" in r.getMessage() for r in caplog.records)
    assert fell_back == (worker == "broken")


# -- files that are not what they claim to be: typed problems, never exceptions -----------------


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
async def test_a_byte_that_is_neither_utf8_nor_windows_1252_is_an_encoding_problem(
    runtime: Runtime, byte: int
) -> None:
    data = b"Nachname;Ort\r\nGro\xdf;K\xf6ln\r\nM" + bytes([byte]) + b"ller;Bonn\r\n"
    report = await run_import(runtime, data)
    assert [(p.row, p.column, p.code) for p in report.problems] == [(3, None, "INVALID_ENCODING")]
    assert (report.rows, report.applied) == (0, False)
    assert await count(runtime, Contact) == 0


async def test_an_unclosed_quote_is_a_malformed_file_with_its_line(runtime: Runtime) -> None:
    # The quote opened on line 3 swallows the rest of the file (more than csv's 128 KB limit).
    data = (
        b'Last name,Notes\r\nErster,ok\r\nZweiter,"nie geschlossen\r\n' + b"Weiter,x\r\n" * 15_000
    )
    report = await run_import(runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    assert [(p.row, p.column, p.code) for p in report.problems] == [(3, None, "MALFORMED_CSV")]
    assert report.applied is False
    # The same below the limit: the rest of the file would have vanished into one note.
    short = b'Last name,Notes\r\nErster,ok\r\nZweiter,"nie geschlossen\r\nDritter,x\r\n'
    report = await run_import(runtime, short, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    assert [(p.row, p.code) for p in report.problems] == [(3, "MALFORMED_CSV")]
    assert await count(runtime, Contact) == 0


@pytest.mark.parametrize("match", [ImportMatch.CUSTOMER_NUMBER, ImportMatch.UUID])
async def test_customer_numbers_that_are_no_numbers_are_row_problems(
    runtime: Runtime, match: ImportMatch
) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Nummer"})
    lines = ["UUID;Kundennummer;Nachname"]
    for number in ("1" * 20, "²", "١٢٣", "99999999999", "-5"):
        lines.append(f"{contact.id};{number};Falsch")
    lines.append(f"{contact.id};{contact.customer_number};Richtig")
    data = ("\r\n".join(lines) + "\r\n").encode()
    report = await run_import(
        runtime, data, match=match, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS
    )
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (row, "Kundennummer", "INVALID_CUSTOMER_NUMBER") for row in range(2, 7)
    ]
    assert (report.updated, report.failed, report.applied) == (1, 5, True)
    async with runtime.database.transaction() as session:
        assert (await session.get(Contact, contact.id)).last_name == "Richtig"  # type: ignore[union-attr]


async def test_problem_lines_count_the_lines_of_multi_line_cells(runtime: Runtime) -> None:
    data = (
        b"Last name,Notes,Email\r\n"
        b'Mehrzeilig,"erste\r\nzweite\r\ndritte",a@example.de\r\n'  # lines 2-4
        b"Kaputt,,keine-mail\r\n"  # line 5
        b'Auch,"eins\nzwei",b@example.de\r\n'  # lines 6-7
        b"Wieder,,auch-keine\r\n"  # line 8
    )
    report = await run_import(runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    assert [(p.row, p.code) for p in report.problems] == [
        (5, "INVALID_EMAIL"),
        (8, "INVALID_EMAIL"),
    ]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("vip, Smith, Jr.", ["vip", "Smith", "Jr."]),  # older exports and hand-typed lists
        ('vip, "Smith, Jr."', ["vip", "Smith, Jr."]),
        ('"Sagt ""Hallo""",  b  ,, b', ['Sagt "Hallo"', "b"]),
        ('5" Display, x', ['5" Display', "x"]),
        ("", []),
    ],
)
def test_name_lists_read_quoted_and_unquoted_cells(cell: str, names: list[str]) -> None:
    assert split_names(cell) == names


@pytest.mark.parametrize(
    "names", [["vip"], ["Smith, Jr.", 'Sagt "Hallo"', '"Zitat", mit Komma', "a,b,,c"], []]
)
def test_name_lists_round_trip(names: list[str]) -> None:
    assert split_names(join_names(names)) == names


@pytest.mark.parametrize("text", ["=1+1", "'=1+1", "''x", "'", "x'", "\t-1", "\r@a", "plain", ""])
def test_unneutralise_is_the_exact_inverse_of_neutralise(text: str) -> None:
    assert unneutralise(neutralise(text)) == text


async def test_sources_are_read_case_insensitively_with_german_and_english_aliases(
    runtime: Runtime,
) -> None:
    given = {
        "voucher": "VOUCHER_PURCHASE", "Gutschein": "VOUCHER_PURCHASE", "pos": "POS",
        "Kasse": "POS", "csv import": "CSV_IMPORT", "CSV_IMPORT": "CSV_IMPORT",
        "Online-Bestellung": "ONLINE_ORDER", "online_order": "ONLINE_ORDER", " api ": "API",
        "Selbstregistrierung": "SELF_REGISTRATION", "manuell": "MANUAL",
    }  # fmt: skip
    lines = ["Nachname;Quelle"] + [f"Quelle {i};{text}" for i, text in enumerate(given)]
    lines.append("Unbekannt;Flohmarkt")
    data = ("\r\n".join(lines) + "\r\n").encode()
    report = await run_import(runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.code) == (
        len(given) + 2,
        "Quelle",  # as the file names it
        "INVALID_SOURCE",
    )
    for accepted in ("VOUCHER_PURCHASE", "POS", "CSV_IMPORT", "Kasse", "Gutschein"):
        assert accepted in problem.message
    async with runtime.database.transaction() as session:
        stored = dict((await session.execute(select(Contact.last_name, Contact.source))).all())
    assert stored == {f"Quelle {i}": source for i, source in enumerate(given.values())}


# -- what the report says each row did --------------------------------------------------------


async def contact_ids_by_name(runtime: Runtime) -> dict[str, Any]:
    async with runtime.database.transaction() as session:
        return dict((await session.execute(select(Contact.last_name, Contact.id))).all())


async def test_the_report_names_each_rows_contact_outcome_and_changed_fields(
    runtime: Runtime,
) -> None:
    async with runtime.database.transaction() as session:
        known = await create_contact(session, {"last_name": "Bekannt", "city": "Köln"})
        same = await create_contact(session, {"last_name": "Gleich", "city": "Bonn"})
    data = (
        "UUID;Nachname;Ort;Aktiv;Tags\r\n"
        f"{known.id};Bekannt;Berlin;0;vip\r\n"
        f"{same.id};Gleich;Bonn;;\r\n"
        ";Neu;Essen;;\r\n"  # created in a batch
        ";Kaputt;;2;\r\n"  # fails: not listed
        ";Markiert;;;Stammkunde\r\n"  # created row by row
    ).encode()
    report = await run_import(runtime, data, error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS)
    ids = await contact_ids_by_name(runtime)
    assert [(r.row, r.contact_id, r.outcome, r.changed) for r in report.results] == [
        (2, known.id, RowOutcome.UPDATED, ("city", "is_active", "tags")),
        (3, same.id, RowOutcome.UNCHANGED, ()),
        (4, ids["Neu"], RowOutcome.CREATED, ("last_name", "city", "source")),
        (6, ids["Markiert"], RowOutcome.CREATED, ("last_name", "source", "tags")),
    ]
    assert (report.created, report.updated, report.unchanged, report.failed) == (2, 1, 1, 1)
    assert report.results_omitted == 0


async def test_the_row_results_are_bounded_and_the_counts_are_not(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.services.csv_import.report.MAX_ROW_RESULTS", 3)
    report = await run_import(runtime, new_contacts_csv([f"N{i}" for i in range(5)]))
    assert [r.row for r in report.results] == [2, 3, 4]
    assert (report.created, report.results_omitted) == (5, 2)


async def test_a_dry_run_changes_no_field_active_flag_or_tag_and_reports_them(
    runtime: Runtime,
) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Trocken", "city": "Köln"})
        await change_tags(session, ACTOR, contact, ["alt"], add=True)
    before = await snapshot(runtime)
    history = await count(runtime, ContactHistoryEntry)
    audit = await count(runtime, AuditEntry)
    data = (
        f"UUID;Nachname;Ort;Aktiv;Tags\r\n{contact.id};Nass;Berlin;0;neu\r\n;Erfunden;;;\r\n"
    ).encode()
    report = await run_import(runtime, data, dry_run=True)
    assert [(r.row, r.contact_id, r.outcome, r.changed) for r in report.results] == [
        (2, contact.id, RowOutcome.UPDATED, ("city", "last_name", "is_active", "tags")),
        (3, None, RowOutcome.CREATED, ("last_name", "source")),  # a contact that never was
    ]
    assert report.applied is False
    assert await snapshot(runtime) == before
    assert (await count(runtime, ContactHistoryEntry), await count(runtime, AuditEntry)) == (
        history,
        audit,
    )
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Tag)) == 1


async def test_history_entries_of_an_import_name_the_import_not_the_staff_console(
    runtime: Runtime,
) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Historie", "city": "Köln"})
    data = f"UUID;Ort;Aktiv;Tags\r\n{contact.id};Bonn;0;vip\r\n".encode()
    report = await run_import(runtime, data)
    assert report.updated == 1
    async with runtime.database.transaction() as session:
        sources = list(
            await session.scalars(
                select(ContactHistoryEntry.source).where(
                    ContactHistoryEntry.contact_id == contact.id,
                    ContactHistoryEntry.description != "Contact created",
                )
            )
        )
    assert len(sources) == 3  # changed fields, deactivated, tags added
    assert sources == ["CSV import"] * 3


async def test_new_contacts_with_emails_are_batched_and_known_emails_matched(
    runtime: Runtime,
) -> None:
    # AUTO matches by email: rows whose address no contact has (nor an earlier row) are still
    # created in batches (one look-up per 500 addresses, not a query per row).
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    def emails_csv(names: list[str]) -> bytes:
        lines = ["Last name,Email"] + [f"{n},{n.lower()}@example.de" for n in names]
        return ("\r\n".join(lines) + "\r\n").encode()

    engine = runtime.database.engine.sync_engine
    counts = []
    for size in (1, 10, 40):
        event.listen(engine, "before_cursor_execute", record)
        try:
            statements.clear()
            report = await run_import(runtime, emails_csv([f"M{size}x{i}" for i in range(size)]))
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert (report.created, report.failed, report.applied) == (size, 0, True)
        counts.append(len(statements))
    assert counts[1] == counts[2], counts
    # A second import of a file with a known and a repeated new address: matched, not doubled.
    again = await run_import(runtime, emails_csv(["M10x3", "Neu", "Neu"]))
    assert (again.unchanged, again.created, again.updated) == (2, 1, 0), again


def test_every_problem_code_the_import_writes_is_in_its_enum() -> None:
    # ImportProblem.code is the ImportProblemCode enum (issue 17, item 5): a code written in
    # the import's sources, or a contact field check's code its rows go through, must be there.
    services = Path(portal.services.__file__).parent
    sources = [
        *(services / "csv_import").glob("*.py"),
        services / "csv_columns.py",
        services / "contacts" / "fields.py",
        services / "contacts" / "references.py",
    ]
    written: set[str] = set()
    for source in sources:
        text = source.read_text()
        for call in re.finditer(r"(?:RowProblem|CsvFileProblem)\((.*?)\)", text, re.S):
            written.update(re.findall(r'"([A-Z][A-Z_]{4,})"', call.group(1)))
        written.update(re.findall(r"ContactErrorCode\.([A-Z_]+)", text))
    assert len(written) > 20  # the walk sees the sources
    assert written - {code.value for code in ImportProblemCode} == set()
