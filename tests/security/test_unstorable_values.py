"""Issue 16, item 7: a value the database cannot store (a NUL byte) in an uploaded CSV is a
typed row problem on every database, never a database error; a batched import that stops on an
unexpected error still reports exactly the rows it applied."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.models import Contact
from portal.services.csv_columns import CONTACT_COLUMNS
from portal.services.csv_import import rows as csv_import_rows
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

IMPORT = """
mutation I($file: Upload!, $options: ImportOptionsInput) {
  importContacts(file: $file, options: $options) {
    rows created updated unchanged failed applied
    problems { row column code message }
    results { row outcome }
  }
}
"""
INVITE = """
mutation I($file: Upload!) {
  inviteContactsFromCsv(file: $file) { rows { row key result } errors { code } }
}
"""


async def upload(
    api: GraphQLClient, document: str, data: bytes, **variables: Any
) -> dict[str, Any]:
    operations = {"query": document, "variables": {"file": None, **variables}}
    response = await api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("kontakte.csv", data, "text/csv")},
        headers={"authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


async def stored_names(runtime: Runtime) -> list[str]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(Contact.last_name).order_by(Contact.last_name)))


# Every column an import reads, by its German header (what German Excel files carry).
READ_COLUMNS = [c.de for c in CONTACT_COLUMNS]


@pytest.mark.parametrize("header", READ_COLUMNS)
@pytest.mark.parametrize("policy", ["REJECT_FAILED_ROWS", "REJECT_EVERYTHING"])
async def test_a_nul_byte_in_any_column_is_a_typed_row_problem(
    admin_api: GraphQLClient, runtime: Runtime, header: str, policy: str
) -> None:
    # Failed before: PostgreSQL answered "invalid byte sequence for encoding UTF8: 0x00" as an
    # error of the whole request; SQLite stored the NUL.
    await log_in_staff(admin_api, runtime)
    columns = ["Nachname"] if header == "Nachname" else ["Nachname", header]
    cell = "K\x00ln" if header != "Nachname" else "Gr\x00ß"
    lines = [";".join(columns)]
    lines.append(";".join(["Erster"] + [""] * (len(columns) - 1)))
    lines.append(";".join([cell] if header == "Nachname" else ["Zweiter", cell]))
    lines.append(";".join(["Dritter"] + [""] * (len(columns) - 1)))
    data = ("\r\n".join(lines) + "\r\n").encode()
    payload = (await upload(admin_api, IMPORT, data, options={"errorPolicy": policy}))[
        "importContacts"
    ]
    assert payload["problems"] == [
        {
            "row": 3,
            "column": header,
            "code": "INVALID_CHARACTER",
            "message": "The cell holds the NUL character (U+0000), which cannot be stored; "
            "remove it.",
        }
    ]
    assert (payload["rows"], payload["failed"]) == (3, 1)
    if policy == "REJECT_FAILED_ROWS":
        assert (payload["created"], payload["applied"]) == (2, True)
        assert await stored_names(runtime) == ["Dritter", "Erster"]
    else:
        assert payload["applied"] is False
        assert await stored_names(runtime) == []


async def test_a_nul_byte_in_the_header_refuses_the_file(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    payload = (await upload(admin_api, IMPORT, b"Nachname;O\x00rt\r\nA;B\r\n"))["importContacts"]
    assert [(p["row"], p["code"]) for p in payload["problems"]] == [(1, "INVALID_CHARACTER")]
    assert (payload["rows"], payload["applied"]) == (0, False)


async def test_a_nul_byte_in_a_bulk_invitation_key_is_that_rows_answer(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    data = b"E-Mail\r\nkunde\x00@example.de\r\nniemand@example.de\r\n"
    payload = (await upload(admin_api, INVITE, data))["inviteContactsFromCsv"]
    assert payload["errors"] == []
    assert [(r["row"], r["result"]) for r in payload["rows"]] == [
        (2, "INVALID_CHARACTER"),
        (3, "NO_SUCH_CONTACT"),
    ]


async def test_a_value_the_database_refuses_fails_its_row_only(
    admin_api: GraphQLClient,
    runtime: Runtime,
    is_postgres: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Validation is the first line; should a value slip past it, the database's refusal is
    # still that row's problem (batched new rows are then created one by one).
    if not is_postgres:
        pytest.skip("SQLite stores NUL; only PostgreSQL refuses it")
    monkeypatch.setattr("portal.services.csv_import.unstorable_cells", lambda record: [])
    await log_in_staff(admin_api, runtime)
    data = "Nachname;Ort;Tags\r\nErster;Bonn;\r\nZweiter;K\x00ln;\r\nDritter;;vip\r\nVierter;;v\x00ip\r\n"
    payload = (
        await upload(
            admin_api, IMPORT, data.encode(), options={"errorPolicy": "REJECT_FAILED_ROWS"}
        )
    )["importContacts"]
    assert [(p["row"], p["column"], p["code"]) for p in payload["problems"]] == [
        (3, None, "UNSTORABLE_VALUE"),
        (5, None, "UNSTORABLE_VALUE"),
    ]
    assert (payload["created"], payload["failed"], payload["applied"]) == (2, 2, True)
    assert await stored_names(runtime) == ["Dritter", "Erster"]


def tagged_file(count: int) -> bytes:
    # Rows with tags are applied row by row (each in its own savepoint).
    lines = ["Nachname;Tags"] + [f"Kunde {i};vip" for i in range(1, count + 1)]
    return ("\r\n".join(lines) + "\r\n").encode()


async def test_an_interrupted_batched_import_reports_exactly_the_rows_it_applied(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Failed before: the answer was a bare error while the first batch stayed committed, so
    # the caller could not know that five contacts had been created.
    await log_in_staff(admin_api, runtime)
    monkeypatch.setattr("schema.admin.imports.IMPORT_BATCH_ROWS", 5)
    real = csv_import_rows.change_tags

    async def change_tags(session: Any, actor: Any, contact: Contact, *a: Any, **k: Any) -> None:
        await real(session, actor, contact, *a, **k)
        if contact.last_name == "Kunde 8":
            raise RuntimeError("the server went away")

    monkeypatch.setattr(csv_import_rows, "change_tags", change_tags)
    payload = (
        await upload(
            admin_api, IMPORT, tagged_file(12), options={"errorPolicy": "REJECT_FAILED_ROWS"}
        )
    )["importContacts"]
    assert (payload["rows"], payload["created"], payload["failed"], payload["applied"]) == (
        5,
        5,
        0,
        True,
    )
    assert [r["row"] for r in payload["results"]] == [2, 3, 4, 5, 6]
    (problem,) = payload["problems"]
    assert (problem["row"], problem["code"]) == (7, "IMPORT_INTERRUPTED")
    assert "line 9" in problem["message"]
    assert await stored_names(runtime) == [f"Kunde {i}" for i in range(1, 6)]
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 5
