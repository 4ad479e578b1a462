"""Customer-facing contact features: newsletter confirmation link and the member directory."""

from __future__ import annotations

from typing import ClassVar

import strawberry
from sqlalchemy.engine import RowMapping

from portal.errors import InvalidInput
from portal.services.contacts import ContactErrorCode, consent
from portal.services.contacts.directory import list_directory
from schema.common.enums import ContactErrorCodeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields, bad_user_input
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasFeature, NotImpersonating


@strawberry.type(description="A problem with a newsletter confirmation.")
class NewsletterError(ErrorFields):
    codes: ClassVar = ContactErrorCode
    code: ContactErrorCode
    field: str | None
    message: str


@strawberry.type(description="Result of confirmNewsletterSubscription.")
class ConfirmNewsletterPayload:
    confirmed: bool = False
    errors: list[NewsletterError] = strawberry.field(default_factory=list)


@strawberry.type(description="A member of the portal's directory: public fields only.")
class DirectoryEntry(Node):
    first_name: str
    last_name: str
    company_name: str
    city: str
    website: str

    @classmethod
    def from_record(cls, row: RowMapping) -> DirectoryEntry:
        return cls(
            id=to_global_id("DirectoryEntry", row["id"]),
            first_name=row["first_name"],
            last_name=row["last_name"],
            company_name=row["company_name"],
            city=row["city"],
            website=row["website"],
        )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        description="Active contacts who chose to be listed, by name. Needs the DIRECTORY "
        "portal function (granted by a group).",
        permission_classes=[HasFeature("DIRECTORY")],
    )
    async def directory(
        self,
        info: Info,
        search: str | None = None,
        first: int | None = 20,
        after: str | None = None,
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
        self, info: Info, token: str
    ) -> ConfirmNewsletterPayload:
        ctx = info.context
        await consent.confirm_by_token(
            ctx.session, token, consent.Evidence("email link", ctx.client_ip, ctx.user_agent)
        )
        return ConfirmNewsletterPayload(confirmed=True)
