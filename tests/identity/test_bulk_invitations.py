"""Bulk invitations from a CSV: a result per row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from identity.bulk_invitations import BulkInvitationResult as R
from identity.bulk_invitations import invite_from_csv
from portal.app.runtime import Runtime
from portal.errors import InvalidInput
from portal.models import Invitation, OutboxMessage
from portal.services.contacts import create_contact
from portal.services.portal_settings import load_portal_settings
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer, upload_file


async def test_each_row_gets_its_result(runtime: Runtime) -> None:
    await make_customer(runtime, "aktiv@example.de")
    async with runtime.database.transaction() as session:
        await create_contact(session, {"last_name": "Neu", "email": "neu@example.de"})
        await create_contact(session, {"last_name": "Eins", "email": "doppelt@example.de"})
        await create_contact(session, {"last_name": "Zwei", "email": "doppelt@example.de"})
    data = b"E-Mail\r\nneu@example.de\r\naktiv@example.de\r\nniemand@example.de\r\ndoppelt@example.de\r\n\r\n"
    async with runtime.database.transaction() as session:
        settings = await load_portal_settings(session, runtime.settings)
        report = await invite_from_csv(session, runtime.identity, settings, data, created_by="test")
    assert [(r.row, r.key, r.result) for r in report.rows] == [
        (2, "neu@example.de", R.INVITED),
        (3, "aktiv@example.de", R.ALREADY_ACTIVE),
        (4, "niemand@example.de", R.NO_SUCH_CONTACT),
        (5, "doppelt@example.de", R.AMBIGUOUS),
    ]


async def test_by_customer_number_and_missing_email(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        without = await create_contact(session, {"last_name": "Ohne Mail"})
        settings = await load_portal_settings(session, runtime.settings)
        report = await invite_from_csv(
            session,
            runtime,
            settings,
            f"Kundennummer\n{without.customer_number}\n".encode(),
            created_by="t",
        )
        assert [(r.result, r.message) for r in report.rows] == [
            (R.FAILED, "The contact has no email.")
        ]
        with pytest.raises(InvalidInput):
            await invite_from_csv(session, runtime.identity, settings, b"Name\nx\n", created_by="t")


async def test_bulk_invitations_through_the_staff_api(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        await create_contact(
            session, {"last_name": "Eingeladen", "email": "eingeladen@example.de", "language": "de"}
        )
    operations = json.dumps(
        {
            "query": "mutation B($file: Upload!) { inviteContactsFromCsv(file: $file) { invited alreadyActive rows { row key result } } }",
            "variables": {"file": None},
        }
    )
    response = await admin_api.http.post(
        "/admin/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("x.csv", b"email\neingeladen@example.de\nfehlt@example.de\n", "text/csv")},
        headers={"authorization": f"Bearer {admin_api.token}"},
    )
    assert response.json()["data"]["inviteContactsFromCsv"] == {
        "invited": 1,
        "alreadyActive": 0,
        "rows": [
            {"row": 2, "key": "eingeladen@example.de", "result": "INVITED"},
            {"row": 3, "key": "fehlt@example.de", "result": "NO_SUCH_CONTACT"},
        ],
    }
    async with runtime.database.transaction() as session:
        messages = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.to_address, m.template) for m in messages] == [
        ("eingeladen@example.de", "invitation")
    ]


async def invite(
    runtime: Runtime, data: bytes, *, dry_run: bool = False
) -> list[tuple[int, str, R]]:
    async with runtime.database.transaction() as session:
        settings = await load_portal_settings(session, runtime.settings)
        report = await invite_from_csv(
            session, runtime.identity, settings, data, created_by="test", dry_run=dry_run
        )
    return [(r.row, r.key, r.result) for r in report.rows]


async def test_customer_numbers_that_are_no_numbers_get_a_row_result(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(session, {"last_name": "Eins", "email": "eins@example.de"})
    number = str(contact.customer_number)
    data = f"Kundennummer\n{'1' * 20}\n²\n99999999999\n{number}\n".encode()
    assert await invite(runtime, data) == [
        (2, "1" * 20, R.INVALID_CUSTOMER_NUMBER),
        (3, "²", R.INVALID_CUSTOMER_NUMBER),
        (4, "99999999999", R.INVALID_CUSTOMER_NUMBER),
        (5, number, R.INVITED),
    ]


async def test_rows_are_numbered_by_their_first_line(runtime: Runtime) -> None:
    data = b'E-Mail;Notiz\r\na@example.de;"drei\r\nzeilige\r\nNotiz"\r\nb@example.de;x\r\n'
    assert await invite(runtime, data) == [
        (2, "a@example.de", R.NO_SUCH_CONTACT),
        (5, "b@example.de", R.NO_SUCH_CONTACT),
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"E-Mail\r\nm\x81ller@example.de\r\n", "INVALID_ENCODING"),
        (
            b'E-Mail;Notiz\r\na@example.de;"offen\r\n' + b"b@example.de;x\r\n" * 15_000,
            "MALFORMED_CSV",
        ),
        (b"", "EMPTY_FILE"),
    ],
)
async def test_unreadable_files_are_typed_errors(runtime: Runtime, data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        await invite(runtime, data)
    assert [(e.code, e.field) for e in raised.value.errors] == [(code, "file")]


INVITE = """
mutation B($file: Upload!, $dryRun: Boolean! = false) {
  inviteContactsFromCsv(file: $file, dryRun: $dryRun) {
    invited rows { row key result } errors { code field message }
  }
}
"""


async def upload_invitations(
    api: GraphQLClient, data: bytes, *, dry_run: bool = False
) -> dict[str, Any]:
    operations = {"query": INVITE, "variables": {"file": None, "dryRun": dry_run}}
    response = await api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("x.csv", data, "text/csv")},
        headers={"authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["inviteContactsFromCsv"]
    return payload


async def outbox(runtime: Runtime) -> list[str]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage.to_address)))


async def test_an_oversized_file_is_refused_not_cut(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        for name in ("anna", "bernd"):
            await create_contact(session, {"last_name": name, "email": f"{name}@example.de"})
    data = b"E-Mail\nanna@example.de\nbernd@example.de\n"
    # Cut at the limit, the file would invite anna and look for "bernd@exam".
    monkeypatch.setattr("portal.services.csv_columns.MAX_IMPORT_BYTES", len(data) - 8)
    monkeypatch.setattr("schema.admin.imports.MAX_IMPORT_BYTES", len(data) - 8)
    payload = await upload_invitations(admin_api, data)
    assert (payload["invited"], payload["rows"]) == (0, [])
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("FILE_TOO_LARGE", "file")]
    assert await outbox(runtime) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"E-Mail\r\nm\x90ller@example.de\r\n", "INVALID_ENCODING"),
        (b'E-Mail;Notiz\r\na@example.de;"offen\r\nb@example.de;x\r\n', "MALFORMED_CSV"),
        (b"Name\r\nx\r\n", "UNKNOWN_COLUMNS"),
    ],
)
async def test_unreadable_files_are_payload_errors_through_the_staff_api(
    admin_api: GraphQLClient, runtime: Runtime, data: bytes, code: str
) -> None:
    await log_in_staff(admin_api, runtime)
    payload = await upload_invitations(admin_api, data)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, "file")]


async def test_a_dry_run_invites_nobody_and_reports_the_same(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        await create_contact(session, {"last_name": "Probe", "email": "probe@example.de"})
    data = b"E-Mail\nprobe@example.de\nfehlt@example.de\n"
    dry = await upload_invitations(admin_api, data, dry_run=True)
    assert await outbox(runtime) == []
    async with runtime.database.transaction() as session:
        assert list(await session.scalars(select(Invitation))) == []
    real = await upload_invitations(admin_api, data)
    assert dry == real
    assert real["invited"] == 1
    assert await outbox(runtime) == ["probe@example.de"]


async def test_a_file_with_email_and_customer_number_answers_every_row(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Failed before: only the first key column was read, so rows with only a customer number
    # (the email column empty) were skipped without an answer.
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        by_mail = await create_contact(session, {"last_name": "Mail", "email": "mail@example.de"})
        by_number = await create_contact(
            session, {"last_name": "Nummer", "email": "nummer@example.de"}
        )
        both = await create_contact(session, {"last_name": "Beides", "email": "beides@example.de"})
    data = (
        "Name;E-Mail;Kundennr.\r\n"
        "Mail;mail@example.de;\r\n"
        f"Nummer;;{by_number.customer_number}\r\n"
        f"Beides;beides@example.de;{both.customer_number}\r\n"
        "Niemand;;\r\n"
    ).encode()
    query = (
        "mutation B($file: Upload!) { inviteContactsFromCsv(file: $file) "
        "{ invited rows { row key result } } }"
    )
    body = await upload_file(admin_api, query, {}, data)
    assert body["data"]["inviteContactsFromCsv"] == {
        "invited": 3,
        "rows": [
            {"row": 2, "key": "mail@example.de", "result": "INVITED"},
            {"row": 3, "key": str(by_number.customer_number), "result": "INVITED"},
            {"row": 4, "key": str(both.customer_number), "result": "INVITED"},
            {"row": 5, "key": "", "result": "MISSING_KEY"},
        ],
    }
    async with runtime.database.transaction() as session:
        sent = set(await session.scalars(select(OutboxMessage.to_address)))
    assert sent == {by_mail.email, by_number.email, both.email}
