"""A contact may prefer any ISO 639-1 language (staff choose it for customers who do not speak
German); emails come in that language where templates exist, else in English (then German), and
the Sie/Du choice applies to German."""

from __future__ import annotations

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.email.backends import MemoryBackend
from portal.email.delivery import deliver_due
from portal.models import OutboxMessage
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import CREATE, UPDATE

INVITE = """mutation I($c: ID!) { inviteContact(contactId: $c, sendEmail: true) {
  errors { code } } }"""


async def test_any_iso_639_1_language_is_accepted_and_others_are_typed_errors(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    created = await admin_api.data(CREATE, {"input": {"lastName": "Yilmaz", "language": "tr"}})
    contact = created["createContact"]["contact"]
    assert (contact["language"], created["createContact"]["errors"]) == ("tr", [])
    for given, stored in (("FR", "fr"), (" uk ", "uk"), ("de", "de")):
        answer = await admin_api.data(
            UPDATE, {"input": {"id": contact["id"], "version": contact["version"],
                               "language": given}},
        )  # fmt: skip
        contact = answer["updateContact"]["contact"]
        assert contact["language"] == stored, answer
    for wrong in ("xx", "deu", "", "de-DE"):
        answer = await admin_api.data(
            UPDATE, {"input": {"id": contact["id"], "version": contact["version"],
                               "language": wrong}},
        )  # fmt: skip
        assert [(e["code"], e["field"]) for e in answer["updateContact"]["errors"]] == [
            ("INVALID_LANGUAGE", "language")
        ], wrong


async def test_emails_fall_back_to_english_and_sie_du_applies_to_german(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    people = {
        "fr@example.de": ("fr", "INFORMAL", "invitation", "Hello Amélie Martin,"),
        "en@example.de": ("en", "INFORMAL", "invitation", "Hello Amélie Martin,"),
        "du@example.de": ("de", "INFORMAL", "Deine Einladung", "Hallo Amélie,"),
        "sie@example.de": ("de", "FORMAL", "Ihre Einladung", "Guten Tag Amélie Martin,"),
    }
    for email, (language, formality, _, _) in people.items():
        created = await admin_api.data(
            CREATE, {"input": {"firstName": "Amélie", "lastName": "Martin", "email": email,
                               "language": language, "formality": formality}},
        )  # fmt: skip
        contact_id = created["createContact"]["contact"]["id"]
        assert (await admin_api.data(INVITE, {"c": contact_id}))["inviteContact"]["errors"] == []
    await deliver_due(runtime.mailer)
    backend = runtime.mailer.backend
    assert isinstance(backend, MemoryBackend)
    for message in backend.sent:
        _, _, subject_words, first_line = people[message["To"]]
        body = message.get_body(("plain",))
        assert body is not None
        assert body.get_content().startswith(first_line), message["To"]
        assert subject_words in message["Subject"], message["Subject"]
    async with runtime.database.transaction() as session:
        stored = dict((await session.execute(select(OutboxMessage.to_address,
                                                    OutboxMessage.language))).all())  # fmt: skip
    assert stored["fr@example.de"] == "fr"  # the preference stays; rendering falls back
