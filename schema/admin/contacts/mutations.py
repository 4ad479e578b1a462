"""Contact mutations of the staff API: create, update, (de)activate, delete, notes, history,
external references."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.models import Contact
from portal.services import contacts
from portal.services.contacts.history import add_staff_note, record_activity
from portal.services.contacts.references import remove_reference, set_reference
from schema.admin.contacts.inputs import CreateContactInput, UpdateContactInput
from schema.admin.contacts.types import ContactNode, HistoryEntryNode
from schema.common.contacts import ContactError
from schema.common.descriptions import PAYLOAD_ERRORS, ContactId
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]


@strawberry.type(description="Result of a mutation that changes one contact.")
class ContactPayload:
    contact: ContactNode | None = strawberry.field(
        default=None, description="The contact after the change; null when `errors` is not empty."
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of deleteContact.")
class DeleteContactPayload:
    deleted_contact_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the deleted contact (to drop it from client caches); null "
        "when `errors` is not empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of addHistoryEntry and addContactNote.")
class HistoryEntryPayload:
    entry: HistoryEntryNode | None = strawberry.field(
        default=None, description="The new history entry; null when `errors` is not empty."
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


async def _contact(info: Info, contact_id: strawberry.ID) -> Contact:
    return await contacts.require_contact(
        info.context.session, from_global_id("Contact", contact_id), "contact_id"
    )


@strawberry.type
class ContactMutation:
    @strawberry.mutation(
        description="Create a contact; the customer number is assigned by the system.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def create_contact(
        self,
        info: Info,
        input: Annotated[
            CreateContactInput,
            strawberry.argument(
                description="The contact's fields; it needs a first, last or company name."
            ),
        ],
    ) -> ContactPayload:
        ctx = info.context
        row = await contacts.create_contact(
            ctx.session,
            input.given(),
            actor=await ctx.staff_actor(),
            phone_region=ctx.settings.default_phone_region,
        )
        return ContactPayload(contact=ContactNode.from_row(row))

    @strawberry.mutation(
        description="Change the given fields of a contact. A stale version is refused with "
        "STALE_VERSION instead of overwriting someone else's change.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def update_contact(
        self,
        info: Info,
        input: Annotated[
            UpdateContactInput,
            strawberry.argument(description="Which contact, its read version and the changes."),
        ],
    ) -> ContactPayload:
        ctx = info.context
        contact = await contacts.require_contact(ctx.session, from_global_id("Contact", input.id))
        await contacts.update_contact(
            ctx.session,
            contact,
            input.version,
            input.given(),
            actor=await ctx.staff_actor(),
            phone_region=ctx.settings.default_phone_region,
        )
        return ContactPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Hide the contact from lists and newsletters (reversible).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def deactivate_contact(self, info: Info, contact_id: ContactId) -> ContactPayload:
        contact = await _contact(info, contact_id)
        await contacts.set_active(
            info.context.session, contact, False, await info.context.staff_actor()
        )
        return ContactPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Make an inactive contact active again.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def reactivate_contact(self, info: Info, contact_id: ContactId) -> ContactPayload:
        contact = await _contact(info, contact_id)
        await contacts.set_active(
            info.context.session, contact, True, await info.context.staff_actor()
        )
        return ContactPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Delete the contact and its personal data, with its portal user. "
        "Irreversible and audited.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_DELETE)],
        extensions=[Atomic()],
    )
    async def delete_contact(self, info: Info, contact_id: ContactId) -> DeleteContactPayload:
        contact = await _contact(info, contact_id)
        await contacts.delete_contact(
            info.context.session, contact, await info.context.staff_actor()
        )
        return DeleteContactPayload(deleted_contact_id=contact_id)

    @strawberry.mutation(
        description="Add a staff note to the contact's history (not shown to the customer).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def add_contact_note(
        self,
        info: Info,
        contact_id: ContactId,
        text: Annotated[
            str,
            strawberry.argument(description="The note; 1 to 10,000 characters, line breaks kept."),
        ],
    ) -> HistoryEntryPayload:
        contact = await _contact(info, contact_id)
        entry = await add_staff_note(
            info.context.session, contact.id, await info.context.staff_actor(), text
        )
        return HistoryEntryPayload(entry=HistoryEntryNode.from_row(entry))

    @strawberry.mutation(
        description="Add a history entry, e.g. a revenue booking from a POS system.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def add_history_entry(
        self,
        info: Info,
        contact_id: ContactId,
        entry_source: Annotated[
            str,
            strawberry.argument(
                name="source",
                description="Where it happened, as free text shown in the history (POS, a shop's "
                "name); must not be blank.",
            ),
        ],
        description: Annotated[
            str, strawberry.argument(description="What happened; must not be blank.")
        ],
        revenue_amount: Annotated[
            str | None,
            strawberry.argument(
                description="Revenue in the currency's main unit as decimal text with at most "
                "two decimals ('19.90'; a comma is read as the decimal point), below 10^10, "
                "negative for refunds; null or blank books none."
            ),
        ] = None,
        revenue_currency: Annotated[
            str | None,
            strawberry.argument(
                description="ISO 4217 code of the revenue: EUR, CHF, GBP or USD (any case); "
                "null means EUR."
            ),
        ] = "EUR",
        visible_to_customer: Annotated[
            bool,
            strawberry.argument(
                description="Whether the customer sees the entry in their portal history."
            ),
        ] = False,
    ) -> HistoryEntryPayload:
        contact = await _contact(info, contact_id)
        entry = await record_activity(
            info.context.session,
            contact.id,
            await info.context.staff_actor(),
            source=entry_source,
            description=description,
            revenue_amount=revenue_amount,
            revenue_currency=revenue_currency,
            visible_to_customer=visible_to_customer,
        )
        return HistoryEntryPayload(entry=HistoryEntryNode.from_row(entry))

    @strawberry.mutation(
        description="Record the contact's id in another system (unique per system).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def set_external_reference(
        self,
        info: Info,
        contact_id: ContactId,
        source_system: Annotated[
            str,
            strawberry.argument(
                description="Name of the other system, 1 to 50 characters; stored upper case."
            ),
        ],
        external_id: Annotated[
            str,
            strawberry.argument(
                description="The contact's id there, 1 to 100 characters; replaces an earlier "
                "one of the same system."
            ),
        ],
    ) -> ContactPayload:
        contact = await _contact(info, contact_id)
        await set_reference(
            info.context.session,
            await info.context.staff_actor(),
            contact,
            source_system,
            external_id,
        )
        return ContactPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Forget the contact's id in a system.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def remove_external_reference(
        self,
        info: Info,
        contact_id: ContactId,
        source_system: Annotated[
            str,
            strawberry.argument(description="Name of the other system (any case)."),
        ],
    ) -> ContactPayload:
        contact = await _contact(info, contact_id)
        await remove_reference(
            info.context.session, await info.context.staff_actor(), contact, source_system
        )
        return ContactPayload(contact=ContactNode.from_row(contact))
