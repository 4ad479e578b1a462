"""Contact queries of the staff API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import AuditEntry
from portal.services import contacts
from portal.services.actors import ActorType
from portal.services.audit import list_audit_entries
from portal.services.contacts import OptInState
from portal.services.contacts.groups_tags import all_groups, all_tags
from portal.services.contacts.history import list_history
from portal.services.contacts.search import RECORD_KEYS
from portal.services.contacts.status import PortalStatus
from schema.admin.contacts.types import (
    ContactNode,
    GroupNode,
    HistoryEntryNode,
    TagNode,
)
from schema.common.enums import ActorTypeEnum, OrderDirection  # noqa: F401
from schema.common.errors import bad_user_input
from schema.common.ids import filter_id, from_global_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection, node_selections
from schema.common.permissions import HasPermission
from schema.common.records import columns_for_nodes, preload

READ = [HasPermission(StaffPermission.CONTACTS_READ)]


@strawberry.input(description="Filters of contacts; all given filters must hold.")
class ContactFilterInput:
    search: str | None = strawberry.field(
        default=None,
        description="Words found in name, company, email, phone or customer number "
        "(case- and accent-insensitive).",
    )
    status: PortalStatus | None = None
    active: bool | None = strawberry.field(
        default=None, description="Only active (true) or inactive (false) contacts."
    )
    include_inactive: bool | None = strawberry.field(
        default=None,
        description="Inactive contacts too. Default: false for the contacts list, true for "
        "exportContacts (which lists active and inactive contacts; active: true narrows it).",
    )
    group_ids: list[strawberry.ID] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="All of these tags.")
    source: contacts.ContactSource | None = None
    opt_in: OptInState | None = None

    def to_filter(self, *, inactive_by_default: bool = False) -> contacts.ContactFilter:
        group_ids = tuple(
            from_global_id("ContactGroup", g) or uuid.UUID(int=0) for g in self.group_ids or []
        )
        return contacts.ContactFilter(
            search=self.search,
            status=self.status.value if self.status else None,
            active=self.active,
            include_inactive=self.include_inactive
            if self.include_inactive is not None
            else inactive_by_default,
            group_ids=group_ids,
            tags=tuple(self.tags or ()),
            source=self.source.value if self.source else None,
            opt_in=self.opt_in,
        )


@strawberry.input(description="Sort order of contacts.")
class ContactOrderInput:
    field: contacts.ContactOrderField = contacts.ContactOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC
    descending: bool | None = strawberry.field(
        default=None,
        deprecation_reason="Use direction; descending: true still orders DESC whatever "
        "direction says.",
    )

    def is_descending(self) -> bool:
        return self.direction is OrderDirection.DESC or self.descending is True


@strawberry.type(name="AuditEntry", description="Who did what, when, with which changes.")
class AuditEntryNode(Node):
    occurred_at: datetime
    actor_type: ActorType
    actor_name: str
    action: str
    subject_type: str
    subject_id: str | None
    contact_id: strawberry.ID | None
    changes: JSON

    @classmethod
    def from_row(cls, row: AuditEntry) -> AuditEntryNode:
        return cls(
            id=to_global_id("AuditEntry", row.id),
            occurred_at=row.occurred_at,
            actor_type=ActorType(row.actor_type),
            actor_name=row.actor_name,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=str(row.subject_id) if row.subject_id else None,
            contact_id=to_global_id("Contact", row.contact_id) if row.contact_id else None,
            changes=cast(JSON, row.changes),
        )


@strawberry.type
class ContactQuery:
    @strawberry.field(
        description="A contact by global id; null when there is none.", permission_classes=READ
    )
    async def contact(self, info: Info, id: strawberry.ID) -> ContactNode | None:
        contact_id = from_global_id("Contact", id)
        row = await info.context.loaders.contact_by_id.load(contact_id) if contact_id else None
        return ContactNode.from_row(row) if row else None

    @strawberry.field(description="A contact by its customer number.", permission_classes=READ)
    async def contact_by_customer_number(self, info: Info, number: str) -> ContactNode | None:
        row = await contacts.get_contact_by_customer_number(info.context.session, number)
        return ContactNode.from_row(row) if row else None

    @strawberry.field(
        description="Contacts: search, filters and sort, as a cursor connection (at most 100 "
        "per page). Inactive contacts are hidden unless asked for.",
        permission_classes=READ,
    )
    async def contacts(
        self,
        info: Info,
        filter: ContactFilterInput | None = None,
        order_by: ContactOrderInput | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[ContactNode]:
        order = order_by or ContactOrderInput()
        try:
            page = await contacts.list_contacts(
                info.context.session,
                first=first,
                after=after,
                filter=(filter or ContactFilterInput()).to_filter(),
                order=contacts.ContactOrder(order.field, order.is_descending()),
                columns=columns_for_nodes(info, "Contact", RECORD_KEYS),
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        await preload(info, "Contact", node_selections(info), (r["id"] for r in page.items))
        return Connection.from_page(page, ContactNode.from_record)

    @strawberry.field(description="The contact's history, newest first.", permission_classes=READ)
    async def contact_history(
        self,
        info: Info,
        contact_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[HistoryEntryNode]:
        try:
            page = await list_history(
                info.context.session,
                from_global_id("Contact", contact_id),
                first=first,
                after=after,
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, HistoryEntryNode.from_row)

    @strawberry.field(description="All contact groups, by name.", permission_classes=READ)
    async def contact_groups(self, info: Info) -> list[GroupNode]:
        return [GroupNode.from_row(g) for g in await all_groups(info.context.session)]

    @strawberry.field(description="All tags, by name.", permission_classes=READ)
    async def tags(self, info: Info) -> list[TagNode]:
        return [TagNode.from_row(t) for t in await all_tags(info.context.session)]

    @strawberry.field(
        description="The audit log, newest first; filter by contact, actor or action.",
        permission_classes=[HasPermission(StaffPermission.AUDIT_READ)],
    )
    async def audit_log(
        self,
        info: Info,
        contact_id: strawberry.ID | None = None,
        action: str | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[AuditEntryNode]:
        try:
            page = await list_audit_entries(
                info.context.session,
                contact_id=filter_id("Contact", contact_id),
                action=action,
                first=first,
                after=after,
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, AuditEntryNode.from_row)
