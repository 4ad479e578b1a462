"""Contact queries of the staff API."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.services import contacts
from schema.admin.contacts.types import ContactNode
from schema.common.context import RequestContext
from schema.common.errors import bad_user_input
from schema.common.ids import from_global_id
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission


@strawberry.type
class ContactQuery:
    @strawberry.field(
        description="A contact by global id; null when there is none.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
    )
    async def contact(
        self, info: Info[RequestContext, None], id: strawberry.ID
    ) -> ContactNode | None:
        contact_id = from_global_id("Contact", id)
        if contact_id is None:
            return None
        row = await info.context.loaders.contact_by_id.load(contact_id)
        return ContactNode.from_row(row) if row else None

    @strawberry.field(
        description="Contacts in customer-number order, as a cursor connection "
        "(at most 100 per page).",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
    )
    async def contacts(
        self,
        info: Info[RequestContext, None],
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[ContactNode]:
        try:
            page = await contacts.list_contacts(info.context.session, first=first, after=after)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, ContactNode.from_row)
