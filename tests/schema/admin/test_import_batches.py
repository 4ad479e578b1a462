"""importContacts over the staff API: REJECT_FAILED_ROWS commits batches in a session of its
own (a crash keeps the committed batches and no half row, and the answer reports them:
tests/security/test_unstorable_values.py), REJECT_EVERYTHING is one transaction, and the payload
says what each row did."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.models import Contact, ContactHistoryEntry, ContactTag
from portal.services.actors import Actor, ActorType
from portal.services.contacts import create_contact
from portal.services.csv_import import ImportErrorPolicy, ImportOptions, import_contacts
from portal.services.csv_import import rows as csv_import_rows
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

IMPORT = """
mutation I($file: Upload!, $options: ImportOptionsInput) {
  importContacts(file: $file, options: $options) {
    rows created updated unchanged failed applied
    results { row contactId contactUuid outcome changedFields }
    resultsOmitted
  }
}
"""


async def upload(api: GraphQLClient, data: bytes, **options: Any) -> dict[str, Any]:
    operations = {"query": IMPORT, "variables": {"file": None, "options": options}}
    response = await api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("kontakte.csv", data, "text/csv")},
        headers={"authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def tagged_file(count: int) -> bytes:
    # Rows with tags are applied row by row (each in its own savepoint).
    lines = ["Nachname;Tags"] + [f"Kunde {i};vip" for i in range(1, count + 1)]
    return ("\r\n".join(lines) + "\r\n").encode()


def crash_at(monkeypatch: pytest.MonkeyPatch, last_name: str, error: BaseException) -> None:
    """Fail in the middle of one row: after its contact and its tag were written."""
    real = csv_import_rows.change_tags

    async def change_tags(
        session: Any, actor: Any, contact: Contact, *args: Any, **kw: Any
    ) -> None:
        await real(session, actor, contact, *args, **kw)
        if contact.last_name == last_name:
            raise error

    monkeypatch.setattr(csv_import_rows, "change_tags", change_tags)


async def stored(runtime: Runtime) -> tuple[list[str], int, int]:
    """Contact names, and how many contacts lack their tag or their history entry."""
    async with runtime.database.transaction() as session:
        names = list(await session.scalars(select(Contact.last_name).order_by(Contact.last_name)))
        untagged = await session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(~Contact.id.in_(select(ContactTag.contact_id)))
        )
        unrecorded = await session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(~Contact.id.in_(select(ContactHistoryEntry.contact_id)))
        )
    return names, int(untagged or 0), int(unrecorded or 0)


async def test_reject_everything_stays_one_transaction(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in_staff(admin_api, runtime)
    monkeypatch.setattr("schema.admin.imports.IMPORT_BATCH_ROWS", 5)
    crash_at(monkeypatch, "Kunde 8", RuntimeError("the server went away"))
    body = await upload(admin_api, tagged_file(12), errorPolicy="REJECT_EVERYTHING")
    assert body["data"] is None
    assert await stored(runtime) == ([], 0, 0)


async def test_a_cancelled_import_keeps_the_committed_batches_and_no_half_row(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a client that disconnects, a timeout or Ctrl-C in the CLI does to the import task.
    crash_at(monkeypatch, "Kunde 8", asyncio.CancelledError())
    session = runtime.database.new_session()
    try:
        with pytest.raises(asyncio.CancelledError):
            await import_contacts(
                session,
                tagged_file(12),
                ImportOptions(error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS),
                Actor(ActorType.IMPORT, name="test"),
                on_batch=session.commit,
                batch_size=5,
            )
    finally:
        await session.close()
    assert await stored(runtime) == ([f"Kunde {i}" for i in range(1, 6)], 0, 0)


async def test_the_payload_lists_each_rows_contact_outcome_and_changed_fields(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        known = await create_contact(session, {"last_name": "Bekannt"})
    data = f"UUID;Nachname;Vorname;Aktiv\r\n{known.id};Bekannt;Berta;0\r\n;Neu;;\r\n".encode()
    for policy in ("REJECT_EVERYTHING", "REJECT_FAILED_ROWS"):
        monkeypatch.setattr("schema.admin.imports.IMPORT_BATCH_ROWS", 1)
        body = await upload(admin_api, data, errorPolicy=policy, dryRun=True)
        payload = body["data"]["importContacts"]
        assert payload["results"][1] == {
            "row": 3, "contactId": None, "contactUuid": None, "outcome": "CREATED",
            "changedFields": ["lastName", "source"],
        }  # fmt: skip
    payload = (await upload(admin_api, data, errorPolicy="REJECT_FAILED_ROWS"))["data"][
        "importContacts"
    ]
    async with runtime.database.transaction() as session:
        new = await session.scalar(select(Contact).where(Contact.last_name == "Neu"))
        assert new is not None
    assert payload["results"] == [
        {"row": 2, "contactId": payload["results"][0]["contactId"], "contactUuid": str(known.id),
         "outcome": "UPDATED", "changedFields": ["firstName", "isActive"]},
        {"row": 3, "contactId": payload["results"][1]["contactId"], "contactUuid": str(new.id),
         "outcome": "CREATED", "changedFields": ["lastName", "source"]},
    ]  # fmt: skip
    assert payload["resultsOmitted"] == 0
    contact = await admin_api.data(
        "query C($id: ID!) { contact(id: $id) { uuid } }",
        {"id": payload["results"][1]["contactId"]},
    )
    assert contact["contact"]["uuid"] == str(new.id)
