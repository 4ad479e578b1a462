"""importPortalUsers: a CSV of people to invite or pre-register, with a dry run and a result
per row; people who are no contact yet (an email and a name) become contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.app.runtime import Runtime
from portal.models import Contact, Invitation, OutboxMessage, PortalUser
from portal.services.contacts import create_contact
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer, upload_file

IMPORT = """mutation I($file: Upload!, $mode: PortalUserImportMode, $dry: Boolean) {
  importPortalUsers(file: $file, mode: $mode, dryRun: $dry) {
    invited preRegistered alreadyActive rows { row key result message } } }"""
FILE = (
    "E-Mail;Kundennummer;Vorname;Nachname\r\n"
    "bekannt@example.de;;;\r\n"
    "neu@example.de;;Nina;Neu\r\n"
    ";{number};;\r\n"
    "aktiv@example.de;;;\r\n"
    "niemand@example.de;;;\r\n"
    ";;Ohne;Schlüssel\r\n"
)


async def run(api: GraphQLClient, data: bytes, **variables: Any) -> dict[str, Any]:
    body = await upload_file(api, IMPORT, variables, data)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importPortalUsers"]
    return result


async def counts(runtime: Runtime) -> tuple[int, int, int, int]:
    async with runtime.database.transaction() as session:
        return tuple(  # type: ignore[return-value]
            [
                await session.scalar(select(func.count()).select_from(model))
                for model in (Contact, PortalUser, Invitation, OutboxMessage)
            ]
        )


async def seed(runtime: Runtime) -> bytes:
    await make_customer(runtime, "aktiv@example.de")
    async with runtime.database.transaction() as session:
        await create_contact(session, {"last_name": "Bekannt", "email": "bekannt@example.de"})
        numbered = await create_contact(session, {"last_name": "Nummer", "email": "n@example.de"})
    return FILE.format(number=numbered.customer_number).encode()


async def test_pre_register_answers_every_row_and_sends_nothing(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    data = await seed(runtime)
    before = await counts(runtime)
    dry = await run(admin_api, data, mode="PRE_REGISTER", dry=True)
    assert await counts(runtime) == before  # a dry run writes nothing
    real = await run(admin_api, data, mode="PRE_REGISTER")
    assert real == dry
    assert [(r["row"], r["result"], r["message"]) for r in real["rows"]] == [
        (2, "PRE_REGISTERED", ""),
        (3, "PRE_REGISTERED", "Contact created."),
        (4, "PRE_REGISTERED", ""),
        (5, "ALREADY_ACTIVE", real["rows"][3]["message"]),
        (6, "NO_SUCH_CONTACT", ""),  # no name: not created
        (7, "MISSING_KEY", "The row has no email and no customer number."),
    ]
    assert (real["invited"], real["preRegistered"]) == (0, 3)
    contacts, users, invitations, messages = await counts(runtime)
    assert (contacts, users, invitations, messages) == (
        before[0] + 1, before[1] + 3, before[2] + 3, before[3],
    )  # fmt: skip
    async with runtime.database.transaction() as session:
        nina = await session.scalar(select(Contact).where(Contact.last_name == "Neu"))
    assert nina is not None and (nina.first_name, nina.email, nina.source) == (
        "Nina", "neu@example.de", "CSV_IMPORT",
    )  # fmt: skip


async def test_invite_emails_every_invitation(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    data = await seed(runtime)
    result = await run(admin_api, data)  # INVITE by default
    assert (result["invited"], result["preRegistered"]) == (3, 0)
    async with runtime.database.transaction() as session:
        sent = set(
            await session.scalars(
                select(OutboxMessage.to_address).where(OutboxMessage.template == "invitation")
            )
        )
    assert sent == {"bekannt@example.de", "neu@example.de", "n@example.de"}
