"""Contact mutations of the staff API."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from identity.permissions import StaffPermission
from portal.services import contacts
from schema.admin.contacts.types import ContactError, ContactNode, CreateContactInput
from schema.common.context import RequestContext
from schema.common.errors import Atomic
from schema.common.permissions import HasPermission


@strawberry.type(description="Result of createContact.")
class CreateContactPayload:
    contact: ContactNode | None = None
    errors: list[ContactError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactMutation:
    @strawberry.mutation(
        description="Create a contact; the customer number is assigned by the system.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_WRITE)],
        extensions=[Atomic()],
    )
    async def create_contact(
        self, info: Info[RequestContext, None], input: CreateContactInput
    ) -> CreateContactPayload:
        row = await contacts.create_contact(info.context.session, input.to_draft())
        return CreateContactPayload(contact=ContactNode.from_row(row))
