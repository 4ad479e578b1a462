"""Import tokens: API keys that can push contacts (importContacts) and nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import AuditEntry, Contact, ContactHistoryEntry, StaffUser
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, relog_in_staff

CREATE = """
mutation C($input: CreateImportTokenInput!) {
  createImportToken(input: $input) {
    token importToken { id name prefix permissions expiresAt revokedAt }
    errors { code field }
  }
}
"""
REVOKE = "mutation R($id: ID!) { revokeImportToken(id: $id) { importToken { revokedAt } errors { code } } }"
IMPORT = "mutation I($file: Upload!) { importContacts(file: $file) { accepted failed applied } }"


async def push(http: httpx.AsyncClient, token: str, csv: bytes) -> httpx.Response:
    """What a POS system does: a multipart upload with its token."""
    return await http.post(
        "/admin/graphql",
        data={
            "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("pos.csv", csv, "text/csv")},
        headers={"authorization": f"Bearer {token}"},
    )


async def as_token(api: GraphQLClient, token: str, query: str) -> dict[str, object]:
    response = await api.post(query, authorization=f"Bearer {token}")
    body: dict[str, object] = response.json()
    return body


async def create_token(api: GraphQLClient, **input: object) -> dict[str, object]:
    data = await api.data(CREATE, {"input": {"name": "Kasse Filiale Mitte", **input}})
    payload: dict[str, object] = data["createImportToken"]
    return payload


async def test_a_pos_system_pushes_contacts_with_its_token(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    created = await create_token(admin_api)
    token = str(created["token"])
    assert token.startswith("pik_")
    assert created["importToken"]["prefix"] == token[:10]  # type: ignore[index]
    assert created["importToken"]["permissions"] == ["CONTACTS_IMPORT"]  # type: ignore[index]

    response = await push(
        admin_api.http, token, b"Nachname;E-Mail;Quelle\r\nKasse;kasse@example.de;POS\r\n"
    )
    assert response.json()["data"]["importContacts"] == {
        "accepted": 1,
        "failed": 0,
        "applied": True,
    }
    async with runtime.database.transaction() as session:
        contact = await session.scalar(select(Contact).where(Contact.last_name == "Kasse"))
        assert contact is not None and contact.source == "POS"
        entry = await session.scalar(
            select(ContactHistoryEntry).where(ContactHistoryEntry.contact_id == contact.id)
        )
        assert entry is not None and "Kasse Filiale Mitte" in (entry.actor_name or "")
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert "api_key.create" in actions


async def test_the_token_reaches_nothing_but_the_import(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    token = str((await create_token(admin_api))["token"])
    me = await as_token(admin_api, token, "{ me { email } }")
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    contacts = await as_token(admin_api, token, "{ contacts(first: 1) { totalCount } }")
    assert contacts["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    tokens = await as_token(admin_api, token, "{ importTokens { name } }")
    assert tokens["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
    # Not a customer credential either.
    portal = await admin_api.http.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert portal.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_expired_or_orphaned_tokens_stop_at_once(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    csv = b"Nachname\nX\n"
    revoked = await create_token(admin_api)
    answer = await admin_api.data(REVOKE, {"id": revoked["importToken"]["id"]})  # type: ignore[index]
    assert answer["revokeImportToken"]["importToken"]["revokedAt"] is not None
    refused = await push(admin_api.http, str(revoked["token"]), csv)
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    expiring = await create_token(admin_api, expiresInDays=1)
    assert (await push(admin_api.http, str(expiring["token"]), csv)).json()["data"]
    clock.advance(timedelta(days=1, seconds=1))
    await relog_in_staff(admin_api)
    expired = await push(admin_api.http, str(expiring["token"]), csv)
    assert expired.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # A deactivated creator takes the token's power with them.
    orphan = await create_token(admin_api)
    async with runtime.database.transaction() as session:
        staff = await session.scalar(select(StaffUser))
        assert staff is not None
        staff.is_active = False
    gone = await push(admin_api.http, str(orphan["token"]), csv)
    assert gone.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_only_admins_create_tokens_and_input_is_checked(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    bad = await create_token(admin_api, name="  ", expiresInDays=0)
    assert bad["errors"] == [
        {"code": "INVALID_NAME", "field": "name"},
        {"code": "INVALID_LIFETIME", "field": "expiresInDays"},
    ]
    unknown = await admin_api.data(REVOKE, {"id": "nonsense"})
    assert unknown["revokeImportToken"]["errors"] == [{"code": "NOT_FOUND"}]
    await log_in_staff(admin_api, runtime, email="support@example.com", role="support")
    refused = await admin_api(CREATE, {"input": {"name": "x"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_token_import_that_keeps_good_rows_is_recorded_for_the_token(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # REJECT_FAILED_ROWS runs in a database session of its own, apart from the request's.
    await log_in_staff(admin_api, runtime)
    token = str((await create_token(admin_api))["token"])
    document = (
        "mutation I($file: Upload!) { importContacts(file: $file, "
        "options: {errorPolicy: REJECT_FAILED_ROWS}) { accepted failed applied } }"
    )
    response = await admin_api.http.post(
        "/admin/graphql",
        data={
            "operations": json.dumps({"query": document, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={
            "0": ("pos.csv", b"Nachname;E-Mail\r\nGut;gut@example.de\r\n;kaputt\r\n", "text/csv")
        },
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["importContacts"] == {
        "accepted": 1,
        "failed": 1,
        "applied": True,
    }
    async with runtime.database.transaction() as session:
        entry = await session.scalar(
            select(ContactHistoryEntry)
            .join(Contact, Contact.id == ContactHistoryEntry.contact_id)
            .where(Contact.last_name == "Gut")
        )
        assert entry is not None and "Kasse Filiale Mitte" in (entry.actor_name or "")
