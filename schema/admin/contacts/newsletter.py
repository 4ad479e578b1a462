"""Newsletter consent in the staff API."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.models import Contact
from portal.services import contacts
from portal.services.contacts import consent
from schema.admin.contacts.types import ContactNode
from schema.common.contacts import ContactError
from schema.common.descriptions import PAYLOAD_ERRORS, ContactId
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]


@strawberry.type(description="Result of a newsletter consent mutation.")
class NewsletterPayload:
    contact: ContactNode | None = strawberry.field(
        default=None,
        description="The contact after the change (see `optInState`); null when `errors` is "
        "not empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of deactivateContactsWithoutOptIn.")
class BulkDeactivationPayload:
    count: int = strawberry.field(
        default=0, description="Contacts affected (dry run: that would be affected)."
    )
    dry_run: bool = strawberry.field(
        default=True, description="Whether this was a dry run that changed nothing."
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


def _evidence(info: Info) -> consent.Evidence:
    return consent.Evidence("staff console", info.context.client_ip, info.context.user_agent)


async def _contact(info: Info, contact_id: strawberry.ID) -> Contact:
    return await contacts.require_contact(
        info.context.session, from_global_id("Contact", contact_id), "contact_id"
    )


@strawberry.type
class NewsletterMutation:
    @strawberry.mutation(
        description="Email the double opt-in link (valid 7 days).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def send_newsletter_invitation(
        self, info: Info, contact_id: ContactId
    ) -> NewsletterPayload:
        contact = await _contact(info, contact_id)
        await consent.send_invitation(
            info.context.session, info.context.settings, contact,
            await info.context.staff_actor(), _evidence(info),
        )  # fmt: skip
        return NewsletterPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Record an opt-in the customer gave another way (e.g. signed form).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def confirm_newsletter_opt_in(
        self, info: Info, contact_id: ContactId
    ) -> NewsletterPayload:
        contact = await _contact(info, contact_id)
        await consent.confirm(
            info.context.session, contact, await info.context.staff_actor(), _evidence(info)
        )
        return NewsletterPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Withdraw the contact's newsletter consent at once (NOT_CONFIRMED when "
        "there is none); the confirmation date is kept as evidence.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def revoke_newsletter_opt_in(
        self, info: Info, contact_id: ContactId
    ) -> NewsletterPayload:
        contact = await _contact(info, contact_id)
        await consent.revoke(
            info.context.session, contact, await info.context.staff_actor(), _evidence(info)
        )
        return NewsletterPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Deactivate every active contact without a confirmed opt-in; with dryRun "
        "only count them.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def deactivate_contacts_without_opt_in(
        self,
        info: Info,
        dry_run: Annotated[
            bool,
            strawberry.argument(description="True: only count the contacts, change nothing."),
        ],
    ) -> BulkDeactivationPayload:
        count = await consent.deactivate_without_opt_in(
            info.context.session, await info.context.staff_actor(), dry_run=dry_run
        )
        return BulkDeactivationPayload(count=count, dry_run=dry_run)
