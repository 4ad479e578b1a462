"""The outbox and the invitation template in the staff API."""

from __future__ import annotations

from sqlalchemy import update

from portal.app.runtime import Runtime
from portal.email.delivery import deliver_due
from portal.models import OutboxMessage
from portal.services.contacts import ContactDraft, create_contact
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.portal.email.test_delivery import queue

OUTBOX = """
query O($status: OutboxStatus) {
  outboxMessages(status: $status, first: 10) {
    totalCount edges { node { id template toAddress status attempts lastError sentAt } }
  }
}
"""
RESEND = """
mutation R($id: ID!) {
  resendOutboxMessage(id: $id) { outboxMessage { status attempts } errors { code field } }
}
"""
SAVE = """
mutation S($input: EmailTemplateOverrideInput!) {
  updateEmailTemplateOverride(input: $input) { override { subject body } errors { code field } }
}
"""
PREVIEW = """
query P($id: ID!, $language: String) {
  previewInvitationEmail(contactId: $id, language: $language) { subject text html toAddress }
}
"""


async def test_outbox_listing_and_resend(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    await queue(runtime, count=2)
    await deliver_due(runtime.mailer)
    async with runtime.database.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.to_address == "anna+0@example.de")
            .values(status="failed", last_error="550 mailbox unavailable")
        )
    failed = (await admin_api.data(OUTBOX, {"status": "FAILED"}))["outboxMessages"]
    assert failed["totalCount"] == 1
    (node,) = [e["node"] for e in failed["edges"]]
    assert (node["template"], node["lastError"]) == ("PASSWORD_RESET", "550 mailbox unavailable")
    resent = await admin_api.data(RESEND, {"id": node["id"]})
    assert resent["resendOutboxMessage"] == {
        "outboxMessage": {"status": "PENDING", "attempts": 0},
        "errors": [],
    }
    again = await admin_api.data(RESEND, {"id": node["id"]})
    assert again["resendOutboxMessage"]["errors"] == [{"code": "NOT_RESENDABLE", "field": "id"}]
    assert (await admin_api.data(OUTBOX, {}))["outboxMessages"]["totalCount"] == 2


async def test_support_may_read_but_not_resend(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    await queue(runtime)
    node = (await admin_api.data(OUTBOX, {}))["outboxMessages"]["edges"][0]["node"]
    body = await admin_api(RESEND, {"id": node["id"]})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_invitation_override_and_preview(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    async with runtime.database.transaction() as session:
        contact = await create_contact(
            session,
            ContactDraft(
                first_name="<b>Jörg</b>", last_name="Ähre", email="j@example.de", language="de"
            ),
        )
    contact_id = to_global_id("Contact", contact.id)
    plain = (await admin_api.data(PREVIEW, {"id": contact_id}))["previewInvitationEmail"]
    assert plain["subject"] == "Ihre Einladung zu Customer Portal"
    assert plain["toAddress"] == "j@example.de"
    assert "Ihr Benutzername ist j@example.de" in " ".join(plain["text"].split())
    assert "&lt;b&gt;Jörg&lt;/b&gt;" in plain["html"]

    broken = await admin_api.data(
        SAVE, {"input": {"language": "de", "subject": "Hallo", "body": "{% if %}"}}
    )
    assert broken["updateEmailTemplateOverride"]["errors"][0]["code"] == "INVALID_TEMPLATE"
    fixed = await admin_api.data(
        SAVE,
        {
            "input": {
                "language": "de",
                "subject": "Willkommen bei {{ portal_name }}",
                "body": "Ihr neuer Zugang wartet, {{ first_name }}.",
            }
        },
    )
    assert fixed["updateEmailTemplateOverride"]["errors"] == []
    custom = (await admin_api.data(PREVIEW, {"id": contact_id}))["previewInvitationEmail"]
    assert custom["subject"] == "Willkommen bei Customer Portal"
    assert "Ihr neuer Zugang wartet, &lt;b&gt;Jörg&lt;/b&gt;." in custom["html"]
    english = await admin_api.data(PREVIEW, {"id": contact_id, "language": "en"})
    assert english["previewInvitationEmail"]["subject"] == "Your invitation to Customer Portal"
    fixed_template = await admin_api.data(
        SAVE,
        {"input": {"template": "PASSWORD_RESET", "language": "de", "subject": "x", "body": "y"}},
    )
    assert fixed_template["updateEmailTemplateOverride"]["errors"][0]["code"] == "NOT_OVERRIDABLE"
