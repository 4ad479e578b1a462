"""Bulk invitations from a CSV: a result per row."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from identity.bulk_invitations import BulkInvitationResult as R
from identity.bulk_invitations import invite_from_csv
from portal.errors import InvalidInput
from portal.models import OutboxMessage
from portal.runtime import Runtime
from portal.services.contacts import create_contact
from portal.services.portal_settings import load_portal_settings
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer


async def test_each_row_gets_its_result(runtime: Runtime) -> None:
    await make_customer(runtime, "aktiv@example.de")
    async with runtime.database.transaction() as session:
        await create_contact(session, {"last_name": "Neu", "email": "neu@example.de"})
        await create_contact(session, {"last_name": "Eins", "email": "doppelt@example.de"})
        await create_contact(session, {"last_name": "Zwei", "email": "doppelt@example.de"})
    data = b"E-Mail\r\nneu@example.de\r\naktiv@example.de\r\nniemand@example.de\r\ndoppelt@example.de\r\n\r\n"
    async with runtime.database.transaction() as session:
        settings = await load_portal_settings(session, runtime.settings)
        report = await invite_from_csv(session, runtime, settings, data, created_by="test")
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
            await invite_from_csv(session, runtime, settings, b"Name\nx\n", created_by="t")


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
