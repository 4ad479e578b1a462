"""Customer-facing contact features: newsletter consent (subscribe with double opt-in, confirm by
link, unsubscribe) and the member directory."""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry
from sqlalchemy.engine import RowMapping

from identity.self_service import subscribe_to_newsletter
from portal.errors import FieldError, InvalidInput
from portal.models import Contact
from portal.services.contacts import ContactErrorCode, consent
from portal.services.contacts.directory import list_directory
from schema.common.contacts import CONTACT_FIELDS
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    After,
    PageSize,
)
from schema.common.enums import ContactErrorCodeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields, bad_user_input
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasFeature, IsCustomer, NotImpersonating
from schema.portal.viewer import MyContact


@strawberry.type(description="A problem with a newsletter confirmation.")
class NewsletterError(ErrorFields):
    codes: ClassVar = ContactErrorCode
    code: ContactErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="Result of confirmNewsletterSubscription.")
class ConfirmNewsletterPayload:
    confirmed: bool = strawberry.field(
        default=False, description="True when the subscription is now confirmed."
    )
    errors: list[NewsletterError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of subscribeToNewsletter and unsubscribeFromNewsletter.")
class MyNewsletterPayload:
    contact: MyContact | None = strawberry.field(
        default=None,
        description="The customer's contact after the change (see `newsletterConfirmed`); null "
        "when `errors` is not empty.",
    )
    errors: list[NewsletterError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


async def _own_contact(info: Info) -> Contact:
    principal = await info.context.require_customer()
    contact = await info.context.session.get(
        Contact, principal.user.contact_id, with_for_update=True
    )
    assert contact is not None  # a logged-in customer always has a contact
    return contact


def _without_field(failed: InvalidInput) -> InvalidInput:
    """The consent service names the staff API's ``contactId``; the customer gave no input."""
    return InvalidInput([FieldError(e.code, None, e.message) for e in failed.errors])


@strawberry.type(
    description="A member of the portal's directory: public fields only. Its id is the "
    "directory's own, unrelated to the contact's id or customer number."
)
class DirectoryEntry(Node):
    first_name: str = strawberry.field(description=CONTACT_FIELDS["first_name"])
    last_name: str = strawberry.field(description=CONTACT_FIELDS["last_name"])
    company_name: str = strawberry.field(description=CONTACT_FIELDS["company_name"])
    city: str = strawberry.field(description=CONTACT_FIELDS["city"])
    website: str = strawberry.field(description=CONTACT_FIELDS["website"])

    @classmethod
    def from_record(cls, row: RowMapping) -> DirectoryEntry:
        return cls(
            id=to_global_id("DirectoryEntry", row["directory_id"]),
            first_name=row["first_name"],
            last_name=row["last_name"],
            company_name=row["company_name"],
            city=row["city"],
            website=row["website"],
        )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        description="Active contacts who chose to be listed, by name. The search matches "
        "only what an entry shows (names, company, city, website). Needs the DIRECTORY "
        "portal function (granted by a group).",
        permission_classes=[HasFeature("DIRECTORY")],
    )
    async def directory(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words that must all occur (case- and accent-insensitive, as "
                "substrings) in an entry's names, company, city or website; the first 8 words "
                "count. Null or blank lists everyone."
            ),
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[DirectoryEntry]:
        try:
            page = await list_directory(
                info.context.session, search=search, first=first, after=after
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, DirectoryEntry.from_record)


@strawberry.type
class NewsletterMutation:
    @strawberry.mutation(
        description="Confirm the newsletter subscription with the emailed link (double opt-in; "
        "single use, 7 days). Needs no login.",
        permission_classes=[NotImpersonating],
        extensions=[Atomic()],
    )
    async def confirm_newsletter_subscription(
        self,
        info: Info,
        token: Annotated[
            str, strawberry.argument(description="The token from the confirmation email's link.")
        ],
    ) -> ConfirmNewsletterPayload:
        ctx = info.context
        await consent.confirm_by_token(
            ctx.session, token, consent.Evidence("email link", ctx.client_ip, ctx.user_agent)
        )
        return ConfirmNewsletterPayload(confirmed=True)

    @strawberry.mutation(
        description="Ask for the newsletter: a confirmation link (double opt-in, 7 days) goes to "
        "the contact's email; the subscription starts when it is followed. ALREADY_CONFIRMED "
        "when subscribed, NO_EMAIL without an address.",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def subscribe_to_newsletter(self, info: Info) -> MyNewsletterPayload:
        ctx = info.context
        contact = await _own_contact(info)
        try:
            await subscribe_to_newsletter(
                ctx.session, ctx.settings, contact, await ctx.customer_actor(),
                consent.Evidence("portal", ctx.client_ip, ctx.user_agent), throttle=ctx.throttle,
            )  # fmt: skip
        except InvalidInput as failed:
            raise _without_field(failed) from None
        return MyNewsletterPayload(contact=MyContact.from_row(contact))

    @strawberry.mutation(
        description="Withdraw the newsletter consent at once (NOT_CONFIRMED when there is none).",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def unsubscribe_from_newsletter(self, info: Info) -> MyNewsletterPayload:
        ctx = info.context
        contact = await _own_contact(info)
        try:
            await consent.revoke(
                ctx.session, contact, await ctx.customer_actor(),
                consent.Evidence("portal", ctx.client_ip, ctx.user_agent),
            )  # fmt: skip
        except InvalidInput as failed:
            raise _without_field(failed) from None
        return MyNewsletterPayload(contact=MyContact.from_row(contact))
