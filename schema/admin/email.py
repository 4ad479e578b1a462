"""The email outbox and template overrides in the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import strawberry

from identity.invitations import render_invitation_preview
from identity.permissions import StaffPermission
from portal.email.catalog import EmailTemplate
from portal.email.outbox import Formality, OutboxStatus, list_outbox, requeue
from portal.email.overrides import EmailErrorCode, delete_override, load_override, save_override
from portal.errors import InvalidInput
from portal.models import Contact, OutboxMessage
from portal.services.portal_settings import load_portal_settings
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    After,
    ContactId,
    PageSize,
    describe_values,
)
from schema.common.enums import FormOfAddressEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields, bad_user_input
from schema.common.ids import from_global_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

EmailErrorCodeEnum = strawberry.enum(
    EmailErrorCode, name="EmailErrorCode", description="Why an email mutation was refused."
)
describe_values(
    EmailErrorCode,
    {
        "NOT_FOUND": "No such outbox message, or no override to reset.",
        "NOT_OVERRIDABLE": "This template cannot be overridden (only `INVITATION` can).",
        "INVALID_LANGUAGE": "The language is not de or en.",
        "INVALID_TEMPLATE": "The body is not a valid template (the message says where).",
        "TOO_LONG": "Subject over 300 or body over 20,000 characters.",
        "REQUIRED": "Subject or body is blank.",
        "NOT_RESENDABLE": "Only sent or failed messages can be sent again, and not a sent one "
        "whose links were removed after use.",
    },
)
OutboxStatusEnum = strawberry.enum(
    OutboxStatus, name="OutboxStatus", description="Delivery state of an outbox message."
)
describe_values(
    OutboxStatus,
    {
        "PENDING": "Waiting to be sent (at `nextAttemptAt`).",
        "SENDING": "Claimed by a delivery worker right now.",
        "SENT": "Handed to the mail server.",
        "FAILED": "Gave up after the last attempt; `lastError` says why.",
    },
)
TemplateLanguage = Annotated[
    str, strawberry.argument(description="Language of the template: de or en.")
]
EmailTemplateEnum = strawberry.enum(
    EmailTemplate, name="EmailTemplate", description="The email templates portal ships."
)
describe_values(
    EmailTemplate,
    {
        "ACCOUNT_ACTIVATION": "To a registering customer: the link that proves the email.",
        "ALREADY_REGISTERED": "To someone registering an email that has an account: a "
        "password reset link instead.",
        "REGISTRATION_DENIED": "To a registering customer the portal settings do not admit.",
        "PASSWORD_RESET": "The password reset link.",
        "PASSWORD_CHANGED": "Notice that the password was changed.",
        "EMAIL_CHANGE_CONFIRMATION": "To the new address: the link that confirms an email change.",
        "EMAIL_CHANGE_NOTICE": "To the old address: notice of an email change.",
        "INVITATION": "Staff's invitation of a contact to the portal (the only template with "
        "overrides).",
        "NEWSLETTER_OPT_IN": "The newsletter double opt-in link.",
        "IMPERSONATION_NOTICE": "Notice that support looked at the portal as the customer.",
        "ACCOUNT_READY": "The account is linked to its contact and ready.",
        "PASSWORD_SET_BY_STAFF": "Notice that staff set the customer's password.",
        "STAFF_PENDING_REVIEW": "To staff: a portal user waits for review.",
        "EXPORT_READY": "To staff: an emailed export, attached.",
        "STAFF_INVITATION": "To a new staff member: the setup link.",
        "STAFF_ROLE_CHANGED": "To a staff member: their role changed.",
        "STAFF_DEACTIVATED": "To a staff member: their account was deactivated.",
        "STAFF_SECOND_FACTOR_RESET": "To a staff member: an administrator reset their second "
        "factor.",
        "WEBHOOK_ENDPOINT_DISABLED": "To administrators: a webhook endpoint was switched off "
        "after repeated failures.",
    },
)
TemplateName = Annotated[
    EmailTemplate,
    strawberry.argument(description="The email template; only INVITATION has overrides."),
]


@strawberry.type(description="A problem with an email mutation.")
class EmailError(ErrorFields):
    codes: ClassVar = EmailErrorCode
    code: EmailErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="OutboxMessage", description="An email in the outbox.")
class OutboxMessageNode(Node):
    template: EmailTemplate = strawberry.field(description="The email template.")
    to_address: str = strawberry.field(description="Recipient email address.")
    language: str = strawberry.field(description="Language it is written in (de, en).")
    formality: Formality = strawberry.field(
        description="Form of address used in German: FORMAL (Sie) or INFORMAL (Du)."
    )
    status: OutboxStatus = strawberry.field(description="Delivery state.")
    attempts: int = strawberry.field(description="Delivery attempts made so far.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    next_attempt_at: datetime = strawberry.field(
        description="When a worker tries (or tried) next; meaningful while PENDING."
    )
    sent_at: datetime | None = strawberry.field(description="When it was sent; null until then.")
    created_at: datetime = strawberry.field(description="When it was queued.")

    @classmethod
    def from_row(cls, row: OutboxMessage) -> OutboxMessageNode:
        return cls(
            id=to_global_id("OutboxMessage", row.id),
            template=EmailTemplate(row.template),
            to_address=row.to_address,
            language=row.language,
            formality=Formality(row.formality),
            status=OutboxStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
            created_at=row.created_at,
        )


@strawberry.type(description="A rendered email, not sent.")
class EmailPreview:
    subject: str = strawberry.field(description="The subject line.")
    text: str = strawberry.field(description="The plain-text part.")
    html: str = strawberry.field(description="The HTML part (a complete document).")
    to_address: str | None = strawberry.field(
        description="Where it would go: the contact's email; null when it has none."
    )


@strawberry.type(description="Staff's own subject and body for one template and language.")
class EmailTemplateOverrideNode:
    template: EmailTemplate = strawberry.field(description="The overridden template.")
    language: str = strawberry.field(description="Language of the override: de or en.")
    subject: str = strawberry.field(description="The subject line staff wrote.")
    body: str = strawberry.field(
        description="Jinja text replacing the message's main paragraph; variables such as "
        "{{ first_name }}, {{ portal_name }}, {{ username }} are escaped in the HTML part."
    )


@strawberry.input(description="An override of a template's subject and body for one language.")
class EmailTemplateOverrideInput:
    template: EmailTemplate = strawberry.field(
        default=EmailTemplate.INVITATION,
        description="The template; only INVITATION has overrides (others: NOT_OVERRIDABLE).",
    )
    language: str = strawberry.field(description="Language of the override: de or en.")
    subject: str = strawberry.field(description="Subject line; 1 to 300 characters.")
    body: str = strawberry.field(
        description="Jinja text replacing the message's main paragraph; 1 to 20,000 characters."
    )


@strawberry.type(description="Result of resendOutboxMessage.")
class ResendOutboxMessagePayload:
    outbox_message: OutboxMessageNode | None = strawberry.field(
        default=None, description="The message, PENDING again; null when `errors` is not empty."
    )
    errors: list[EmailError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of the template override mutations.")
class EmailTemplateOverridePayload:
    override: EmailTemplateOverrideNode | None = strawberry.field(
        default=None,
        description="The stored override; null after a reset or when `errors` is not empty.",
    )
    errors: list[EmailError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type
class EmailQuery:
    @strawberry.field(
        description="Outbox messages, newest first, optionally by status.",
        permission_classes=[HasPermission(StaffPermission.OUTBOX_READ)],
    )
    async def outbox_messages(
        self,
        info: Info,
        status: Annotated[
            OutboxStatus | None, strawberry.argument(description="Only messages in this state.")
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[OutboxMessageNode]:
        try:
            page = await list_outbox(info.context.session, status=status, first=first, after=after)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, OutboxMessageNode.from_row)

    @strawberry.field(
        description="The stored override of a template for a language, or null.",
        permission_classes=[HasPermission(StaffPermission.OUTBOX_READ)],
    )
    async def email_template_override(
        self,
        info: Info,
        language: TemplateLanguage,
        template: TemplateName = EmailTemplate.INVITATION,
    ) -> EmailTemplateOverrideNode | None:
        found = await load_override(info.context.session, template, language)
        if found is None:
            return None
        return EmailTemplateOverrideNode(
            template=template, language=language, subject=found.subject, body=found.body
        )

    @strawberry.field(
        description="Render the invitation for a contact, in the contact's language and form "
        "of address (or the given language), with any override, without sending.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
    )
    async def preview_invitation_email(
        self,
        info: Info,
        contact_id: ContactId,
        language: Annotated[
            str | None,
            strawberry.argument(description="de or en; null uses the contact's language."),
        ] = None,
    ) -> EmailPreview | None:
        ctx = info.context
        uuid_ = from_global_id("Contact", contact_id)
        contact = await ctx.session.get(Contact, uuid_) if uuid_ else None
        if contact is None:
            return None
        rendered = await render_invitation_preview(
            ctx.session,
            ctx.identity,
            ctx.email_renderer,
            await load_portal_settings(ctx.session, ctx.settings),
            contact,
            language,
        )
        return EmailPreview(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            to_address=contact.email,
        )


@strawberry.type
class EmailMutation:
    @strawberry.mutation(
        description="Queue a sent or failed message again (fresh attempts).",
        permission_classes=[HasPermission(StaffPermission.OUTBOX_WRITE)],
        extensions=[Atomic()],
    )
    async def resend_outbox_message(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id (`OutboxMessage.id`).")
        ],
    ) -> ResendOutboxMessagePayload:
        row = await requeue(info.context.session, from_global_id("OutboxMessage", id))
        return ResendOutboxMessagePayload(outbox_message=OutboxMessageNode.from_row(row))

    @strawberry.mutation(
        description="Store staff's own subject and body of the invitation for a language.",
        permission_classes=[HasPermission(StaffPermission.SETTINGS_WRITE)],
        extensions=[Atomic()],
    )
    async def update_email_template_override(
        self,
        info: Info,
        input: Annotated[
            EmailTemplateOverrideInput, strawberry.argument(description="The override to store.")
        ],
    ) -> EmailTemplateOverridePayload:
        ctx = info.context
        principal = await ctx.require_staff()
        row = await save_override(
            ctx.session,
            ctx.email_renderer,
            template=input.template,
            language=input.language,
            subject=input.subject,
            body=input.body,
            actor=principal.user.email,
        )
        return EmailTemplateOverridePayload(
            override=EmailTemplateOverrideNode(
                template=EmailTemplate(row.template),
                language=row.language,
                subject=row.subject,
                body=row.body,
            )
        )

    @strawberry.mutation(
        description="Go back to the shipped template for a language.",
        permission_classes=[HasPermission(StaffPermission.SETTINGS_WRITE)],
        extensions=[Atomic()],
    )
    async def reset_email_template_override(
        self,
        info: Info,
        language: TemplateLanguage,
        template: TemplateName = EmailTemplate.INVITATION,
    ) -> EmailTemplateOverridePayload:
        if not await delete_override(info.context.session, template, language):
            raise InvalidInput.single(EmailErrorCode.NOT_FOUND, "language", "No override.")
        return EmailTemplateOverridePayload()
