"""The logged-in customer's own data and profile changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from identity import self_service
from identity.impersonation import ImpersonationMode
from portal.email.outbox import Formality
from portal.errors import InvalidInput
from portal.models import Contact
from portal.services.contacts.history import history_for_customer
from portal.services.gdpr import own_copy, personal_data
from schema.common.contact_inputs import ContactFieldsInputBase, contact_fields_input
from schema.common.contacts import (
    CONTACT_FIELDS,
    ContactError,
    Money,
    QuickInfo,
    ReachabilityWindow,
)
from schema.common.descriptions import PAYLOAD_ERRORS
from schema.common.enums import FormOfAddressEnum, ImpersonationModeEnum  # noqa: F401
from schema.common.errors import Atomic, bad_user_input
from schema.common.info import Info
from schema.common.permissions import IsCustomer, NotImpersonating, WritesAllowed
from schema.portal.types import Viewer


@strawberry.type(description="An entry of the customer's history that is meant for them.")
class MyHistoryEntry:
    occurred_at: datetime = strawberry.field(
        description="When it happened (a purchase's date, a change's time)."
    )
    source: str = strawberry.field(
        description="Where the entry came from, as free text: `portal` for the customer's own "
        "changes, `support` for support acting for them, or what staff or an import entered "
        "(a shop, `POS`)."
    )
    description: str = strawberry.field(
        description="What happened, as staff or the system wrote it."
    )
    revenue: Money | None = strawberry.field(
        description="Amount booked with the entry (a purchase); null when none."
    )


@strawberry.type(description="The customer's own contact record.")
class MyContact:
    customer_number: str = strawberry.field(description=CONTACT_FIELDS["customer_number"])
    salutation: str = strawberry.field(description=CONTACT_FIELDS["salutation"])
    title: str = strawberry.field(description=CONTACT_FIELDS["title"])
    first_name: str = strawberry.field(description=CONTACT_FIELDS["first_name"])
    last_name: str = strawberry.field(description=CONTACT_FIELDS["last_name"])
    company_name: str = strawberry.field(description=CONTACT_FIELDS["company_name"])
    street: str = strawberry.field(description=CONTACT_FIELDS["street"])
    postal_code: str = strawberry.field(description=CONTACT_FIELDS["postal_code"])
    city: str = strawberry.field(description=CONTACT_FIELDS["city"])
    country: str = strawberry.field(description=CONTACT_FIELDS["country"])
    email: str | None = strawberry.field(
        description=CONTACT_FIELDS["email"] + " Null when the contact has none."
    )
    phone1: str = strawberry.field(description=CONTACT_FIELDS["phone1"])
    phone2: str = strawberry.field(description=CONTACT_FIELDS["phone2"])
    mobile: str = strawberry.field(description=CONTACT_FIELDS["mobile"])
    language: str = strawberry.field(description=CONTACT_FIELDS["language"])
    formality: Formality = strawberry.field(description=CONTACT_FIELDS["formality"])
    reachability: list[ReachabilityWindow] = strawberry.field(
        description=CONTACT_FIELDS["reachability"]
    )
    newsletter_confirmed: bool = strawberry.field(
        description="Whether the newsletter consent is given (confirmed by link and not withdrawn)."
    )
    row: strawberry.Private[Contact]

    @strawberry.field(description="Names of the groups the customer belongs to.")
    async def groups(self, info: Info) -> list[str]:
        return [g.name for g in await info.context.loaders.groups_by_contact.load(self.row.id)]

    @strawberry.field(description="The customer's tags.")
    async def tags(self, info: Info) -> list[str]:
        return [t.name for t in await info.context.loaders.tags_by_contact.load(self.row.id)]

    @strawberry.field(
        description="Registered at, last visit, revenue: counted and summed over the history "
        "entries meant for the customer only."
    )
    async def quick_info(self, info: Info) -> QuickInfo | None:
        facts = await info.context.loaders.customer_quick_info_by_contact.load(self.row.id)
        return QuickInfo.from_facts(facts) if facts else None

    @strawberry.field(description="History entries meant for the customer, newest first.")
    async def history(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                description="How many of the newest entries to return: 0 to 100 (more is a "
                "BAD_USER_INPUT error)."
            ),
        ] = 20,
    ) -> list[MyHistoryEntry]:
        try:
            rows = await history_for_customer(info.context.session, self.row.id, first)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return [
            MyHistoryEntry(
                occurred_at=r.occurred_at,
                source=r.source,
                description=r.description,
                revenue=Money(amount=r.revenue_amount, currency=r.revenue_currency or "EUR")
                if r.revenue_amount is not None
                else None,
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: Contact) -> MyContact:
        return cls(
            customer_number=str(row.customer_number),
            salutation=row.salutation,
            title=row.title,
            first_name=row.first_name,
            last_name=row.last_name,
            company_name=row.company_name,
            street=row.street,
            postal_code=row.postal_code,
            city=row.city,
            country=row.country,
            email=row.email,
            phone1=row.phone1,
            phone2=row.phone2,
            mobile=row.mobile,
            language=row.language,
            formality=Formality(row.formality),
            reachability=[
                ReachabilityWindow(weekday=w["weekday"], start=w["from"], end=w["to"])
                for w in row.reachability or []
            ],
            newsletter_confirmed=row.newsletter_confirmed_at is not None
            and row.newsletter_revoked_at is None,
            row=row,
        )


@strawberry.type(description="Support is viewing this account.")
class ImpersonationBanner:
    staff_name: str = strawberry.field(description="Display name of the support agent.")
    reason: str = strawberry.field(
        description="Why support opened the session, as the agent wrote it (shown to the customer)."
    )
    mode: ImpersonationMode = strawberry.field(description="What support may do.")
    started_at: datetime = strawberry.field(description="When the support session began.")
    expires_at: datetime = strawberry.field(
        description="When it ends at the latest; sessions are short-lived."
    )


@strawberry.type(description="Something shared with the customer.")
class SharedResource:
    kind: str = strawberry.field(
        description="What kind of thing it is, as staff named it (free text, at most 50 "
        "characters, e.g. `document`, `contract`)."
    )
    name: str = strawberry.field(description="Name of the resource; at most 200 characters.")
    alias: str = strawberry.field(
        description="Shorter display name; at most 200 characters; empty when none."
    )
    url: str = strawberry.field(
        description="Where the resource can be opened; at most 300 characters; empty when none."
    )


@strawberry.type(description="A shared resource and what the customer may do with it.")
class MyResource:
    resource: SharedResource = strawberry.field(description="The shared resource.")
    permissions: list[str] = strawberry.field(
        description="What the customer may do with it: names from the portal's permission "
        "vocabulary (upper case, e.g. READ), as staff granted them; may be empty."
    )


@strawberry.type(description="The logged-in customer: the login and the contact it belongs to.")
class ViewerWithContact(Viewer):
    contact_id: strawberry.Private[Any]

    @strawberry.field(description="The customer's own contact record.")
    async def contact(self, info: Info) -> MyContact | None:
        row = await info.context.loaders.contact_by_id.load(self.contact_id)
        return MyContact.from_row(row) if row else None

    @strawberry.field(description="What is shared with the customer, with their permissions.")
    async def resources(self, info: Info) -> list[MyResource]:
        rows = await info.context.loaders.assignments_by_contact.load(self.contact_id)
        return [
            MyResource(
                resource=SharedResource(kind=r.kind, name=r.name, alias=r.alias, url=r.url),
                permissions=r.permissions,
            )
            for r in rows
        ]

    @strawberry.field(
        description="Set while support views the account: show a banner with these facts."
    )
    async def impersonation(self, info: Info) -> ImpersonationBanner | None:
        principal = await info.context.customer()
        row = principal.impersonation if principal else None
        if row is None or row.started_at is None or row.expires_at is None:
            return None
        return ImpersonationBanner(
            staff_name=row.staff_name, reason=row.reason, mode=ImpersonationMode(row.mode),
            started_at=row.started_at, expires_at=row.expires_at,
        )  # fmt: skip

    @strawberry.field(description="Portal functions the customer's groups grant.")
    async def permissions(self, info: Info) -> list[str]:
        return sorted(await info.context.customer_features())


# What customers may change of their own contact; the login email changes through
# requestEmailChange, the rest is for staff.
@contact_fields_input(
    "salutation", "title", "first_name", "last_name", "company_name",
    "street", "postal_code", "city", "country",
    "phone1", "phone2", "mobile", "language", "formality", "reachability",
    description="Profile changes; omitted fields stay as they are.",
)  # fmt: skip
class UpdateMyProfileInput(ContactFieldsInputBase):
    """The profile fields a customer may change."""


@strawberry.type(description="Result of updateMyProfile.")
class UpdateMyProfilePayload:
    contact: MyContact | None = strawberry.field(
        default=None, description="The contact after the change; null when `errors` is not empty."
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


def viewer_of(principal_user: Any) -> ViewerWithContact:
    base = Viewer.from_row(principal_user)
    return ViewerWithContact(**vars(base), contact_id=principal_user.contact_id)


@strawberry.type
class ViewerQuery:
    @strawberry.field(
        description="The logged-in customer and their contact.", permission_classes=[IsCustomer]
    )
    async def viewer(self, info: Info) -> ViewerWithContact:
        principal = await info.context.require_customer()
        return viewer_of(principal.user)


@strawberry.type
class MyDataQuery:
    @strawberry.field(
        description="Everything stored about the logged-in customer, as one JSON document "
        "(GDPR access): the same as the staff export, without which staff member acted and "
        "from where.",
        permission_classes=[IsCustomer, NotImpersonating],
    )
    async def export_my_data(self, info: Info) -> JSON:
        ctx = info.context
        principal = await ctx.require_customer()
        contact = await ctx.session.get(Contact, principal.user.contact_id)
        assert contact is not None
        return cast(JSON, own_copy(await personal_data(ctx.session, contact)))


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(
        description="Change the customer's own data; the contact and its history follow.",
        permission_classes=[IsCustomer, WritesAllowed],
        extensions=[Atomic()],
    )
    async def update_my_profile(
        self,
        info: Info,
        input: Annotated[
            UpdateMyProfileInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> UpdateMyProfilePayload:
        ctx = info.context
        principal = await ctx.require_customer()
        contact = await self_service.update_my_profile(
            ctx.session, ctx.identity, principal.user, input.given(), await ctx.customer_actor()
        )
        return UpdateMyProfilePayload(contact=MyContact.from_row(contact))
