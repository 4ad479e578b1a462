"""Issue 16, item 4: an import token writes and never reads. Its answers follow from the file
it sent alone (never whether a contact exists or holds a value, never an id), and without the
explicit right it never changes the email of an existing contact."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select

from portal.app.runtime import Runtime
from portal.models import AuditEntry, Contact
from portal.services.contacts import create_contact
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

CREATE = """
mutation C($input: CreateImportTokenInput!) {
  createImportToken(input: $input) { token importToken { permissions } errors { code } }
}
"""
IMPORT = """
mutation I($file: Upload!, $options: ImportOptionsInput) {
  importContacts(file: $file, options: $options) {
    rows accepted created updated unchanged failed applied
    problems { row column code message }
    results { row contactId contactUuid outcome changedFields }
    resultsOmitted
  }
}
"""


async def new_token(api: GraphQLClient, **input: Any) -> str:
    data = await api.data(CREATE, {"input": {"name": "Kasse", **input}})
    return str(data["createImportToken"]["token"])


async def push(api: GraphQLClient, token: str, data: str, **options: Any) -> dict[str, Any]:
    operations = {"query": IMPORT, "variables": {"file": None, "options": options}}
    response = await api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("pos.csv", data.encode(), "text/csv")},
        headers={"authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importContacts"]
    return payload


async def seed(runtime: Runtime) -> dict[str, Any]:
    """Contacts whose existence and values a token must not be able to learn."""
    async with runtime.database.transaction() as session:
        known = await create_contact(
            session, {"last_name": "Bekannt", "email": "bekannt@example.de", "city": "Köln"}
        )
        for name in ("Doppelt A", "Doppelt B"):
            await create_contact(session, {"last_name": name, "email": "doppelt@example.de"})
    return {"number": known.customer_number, "uuid": str(known.id)}


async def forget_everyone(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        await session.execute(delete(Contact))


def probing_file(known: dict[str, Any]) -> str:
    """Rows that would tell, were the answer to depend on the stored data: same and other
    values of a known contact, an unknown address, an address two contacts share, a known and
    an unknown number and UUID, a changed email, a number that is not the contact's, groups;
    and one row that is wrong in itself (that one the token must be told about)."""
    number, key = known["number"], known["uuid"]
    lines = [
        "UUID;Kundennummer;E-Mail;Nachname;Ort;Gruppen",
        ";;bekannt@example.de;Bekannt;Köln;",
        ";;bekannt@example.de;Bekannt;Bonn;",
        ";;neu@example.de;Neu;Essen;",
        ";;doppelt@example.de;Doppelt;;",
        f";{number};;Bekannt;Köln;",
        f";{number + 999};;Niemand;;",
        f"{key};;;Bekannt;Köln;",
        f"{uuid.uuid4()};;;Niemand;;",
        f"{key};;andere@example.de;;;",
        f"{key};{number + 1};;;;",
        f"{key};;;;;Stammkunden",
        ";;keine-adresse;Kaputt;;",
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("match", ["AUTO", "EMAIL", "CUSTOMER_NUMBER", "UUID"])
async def test_a_dry_run_answers_the_same_whoever_is_stored(
    admin_api: GraphQLClient, runtime: Runtime, match: str
) -> None:
    # Failed before: a dry run told CREATED from UPDATED and UNCHANGED (whether an address is
    # a customer's, whether a stored value matches), NOT_FOUND and AMBIGUOUS, and returned ids.
    await log_in_staff(admin_api, runtime)
    token = await new_token(admin_api)
    known = await seed(runtime)
    data = probing_file(known)
    with_contacts = await push(admin_api, token, data, match=match, dryRun=True)
    await forget_everyone(runtime)
    without = await push(admin_api, token, data, match=match, dryRun=True)
    assert with_contacts == without
    # What follows from the file is still said: rows, broken rows (here: a row without a key
    # that would create a contact without a name), per-row acceptance.
    nameless = {"AUTO": [], "EMAIL": [11, 12], "CUSTOMER_NUMBER": [10, 12], "UUID": []}[match]
    assert [(p["row"], p["column"], p["code"]) for p in without["problems"]] == [
        *((row, "Nachname", "REQUIRED") for row in nameless),
        (13, "E-Mail", "INVALID_EMAIL"),
    ]
    assert (without["rows"], without["failed"]) == (12, 1 + len(nameless))
    assert without["accepted"] == 12 - without["failed"]
    assert without["created"] is without["updated"] is without["unchanged"] is None
    assert {(r["outcome"], r["contactId"], r["contactUuid"]) for r in without["results"]} == {
        ("ACCEPTED", None, None)
    }
    assert all(r["changedFields"] == [] for r in without["results"])


@pytest.mark.parametrize("policy", ["REJECT_EVERYTHING", "REJECT_FAILED_ROWS"])
@pytest.mark.parametrize("match", ["AUTO", "EMAIL", "CUSTOMER_NUMBER", "UUID"])
async def test_an_import_answers_the_same_whoever_is_stored(
    admin_api: GraphQLClient, runtime: Runtime, match: str, policy: str
) -> None:
    await log_in_staff(admin_api, runtime)
    token = await new_token(admin_api)
    known = await seed(runtime)
    data = probing_file(known)
    if policy == "REJECT_EVERYTHING":
        # Only rows that are fine in themselves, so that nothing but the stored data could
        # reject the file (it must not: held rows never fail an import).
        header, *rows = data.splitlines()
        data = "\r\n".join([header, *(r for r in rows[:7] if r.split(";")[3])]) + "\r\n"
    with_contacts = await push(admin_api, token, data, match=match, errorPolicy=policy)
    await forget_everyone(runtime)
    without = await push(admin_api, token, data, match=match, errorPolicy=policy)
    assert with_contacts == without
    assert without["applied"] is True
    assert without["failed"] == (
        0 if policy == "REJECT_EVERYTHING" else 1 + (match not in ("UUID", "AUTO")) * 2
    )


async def test_a_token_never_changes_an_existing_contacts_email_without_the_right(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Failed before: a token rewrote an unlinked contact's email to the attacker's address,
    # who could then register with it and be linked to that contact.
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        victim = await create_contact(
            session, {"last_name": "Opfer", "email": "opfer@example.de", "city": "Bonn"}
        )
    token = await new_token(admin_api)
    for match, key in (("CUSTOMER_NUMBER", victim.customer_number), ("UUID", victim.id)):
        header = "Kundennummer" if match == "CUSTOMER_NUMBER" else "UUID"
        answer = await push(
            admin_api,
            token,
            f"{header};E-Mail;Ort\r\n{key};angreifer@example.de;Köln\r\n",
            match=match,
        )
        assert (answer["accepted"], answer["failed"], answer["problems"]) == (1, 0, [])
    async with runtime.database.transaction() as session:
        stored = await session.get(Contact, victim.id)
        assert stored is not None
        # The whole row was held: neither the email nor the city changed.
        assert (stored.email, stored.city) == ("opfer@example.de", "Bonn")
        held = list(
            await session.scalars(
                select(AuditEntry.changes).where(AuditEntry.action == "import.rows_held")
            )
        )
    assert (
        held
        == [{"rows": [{"line": 2, "column": "Email", "code": "IDENTITY_CHANGE_NOT_ALLOWED"}]}] * 2
    )

    # Only a token created with the right may, and it says so in its permissions.
    created = await admin_api.data(CREATE, {"input": {"name": "ERP", "allowIdentityChanges": True}})
    assert created["createImportToken"]["importToken"]["permissions"] == [
        "CONTACTS_IMPORT",
        "CONTACTS_IMPORT_IDENTITY",
    ]
    trusted = str(created["createImportToken"]["token"])
    await push(
        admin_api,
        trusted,
        f"Kundennummer;E-Mail\r\n{victim.customer_number};neu@example.de\r\n",
        match="CUSTOMER_NUMBER",
    )
    async with runtime.database.transaction() as session:
        stored = await session.get(Contact, victim.id)
        assert stored is not None and stored.email == "neu@example.de"


async def test_a_token_may_still_create_contacts_and_update_those_it_names_by_email(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    token = await new_token(admin_api)
    async with runtime.database.transaction() as session:
        await create_contact(session, {"last_name": "Stamm", "email": "stamm@example.de"})
    answer = await push(
        admin_api,
        token,
        "E-Mail;Nachname;Ort\r\nstamm@example.de;Stamm;Essen\r\nneu@example.de;Neu;Bonn\r\n",
        match="EMAIL",
    )
    assert (answer["accepted"], answer["failed"]) == (2, 0)
    async with runtime.database.transaction() as session:
        cities = dict((await session.execute(select(Contact.last_name, Contact.city))).all())
    assert cities == {"Stamm": "Essen", "Neu": "Bonn"}
