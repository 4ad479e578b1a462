"""Contact queries of the staff API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import AuditEntry
from portal.services import contacts
from portal.services.actors import ActorType
from portal.services.audit import list_audit_entries
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts import OptInState
from portal.services.contacts.groups_tags import all_groups, all_tags
from portal.services.contacts.history import list_history
from portal.services.contacts.search import RECORD_KEYS
from portal.services.contacts.status import PortalStatus
from schema.admin.audit_vocabulary import AuditActionEnum, AuditSubjectEnum  # noqa: F401
from schema.admin.contacts.types import (
    ContactNode,
    GroupNode,
    HistoryEntryNode,
    TagNode,
)
from schema.common.descriptions import After, PageSize
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
    status: PortalStatus | None = strawberry.field(
        default=None, description="Only contacts with this portal status."
    )
    active: bool | None = strawberry.field(
        default=None, description="Only active (true) or inactive (false) contacts."
    )
    include_inactive: bool | None = strawberry.field(
        default=None,
        description="Inactive contacts too. Default: false for the contacts list, true for "
        "exportContacts (which lists active and inactive contacts; active: true narrows it).",
    )
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Global ids (`ContactGroup.id`) of groups the contact must all belong to; "
        "an unknown id matches no contact.",
    )
    tags: list[str] | None = strawberry.field(default=None, description="All of these tags.")
    source: contacts.ContactSource | None = strawberry.field(
        default=None, description="Only contacts that came in this way."
    )
    opt_in: OptInState | None = strawberry.field(
        default=None, description="Only contacts in this newsletter consent state."
    )

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
    field: contacts.ContactOrderField = strawberry.field(
        default=contacts.ContactOrderField.NAME, description="What to sort by."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Smallest (earliest, A) or largest first."
    )
    descending: bool | None = strawberry.field(
        default=None,
        description="Old form of `direction`: true orders DESC; null or false leaves it to "
        "`direction`.",
        deprecation_reason="Use direction; descending: true still orders DESC whatever "
        "direction says.",
    )

    def is_descending(self) -> bool:
        return self.direction is OrderDirection.DESC or self.descending is True


@strawberry.type(name="AuditEntry", description="Who did what, when, with which changes.")
class AuditEntryNode(Node):
    occurred_at: datetime = strawberry.field(description="When it was done.")
    actor_type: ActorType = strawberry.field(description="Who acted.")
    actor_name: str = strawberry.field(
        description="Display name of the actor at the time; empty for the system."
    )
    action: AuditAction = strawberry.field(description="What was done.")
    subject_type: AuditSubject = strawberry.field(description="Kind of record acted on.")
    subject_id: str | None = strawberry.field(
        description="UUID of the record acted on (not a global id); null for actions without "
        "one record."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        description="Global id of the contact concerned; null when none is (or it was erased)."
    )
    changes: JSON = strawberry.field(
        description="What changed, as an object of field name to [old, new] for updates, or "
        "the action's details otherwise."
    )

    @classmethod
    def from_row(cls, row: AuditEntry) -> AuditEntryNode:
        return cls(
            id=to_global_id("AuditEntry", row.id),
            occurred_at=row.occurred_at,
            actor_type=ActorType(row.actor_type),
            actor_name=row.actor_name,
            action=AuditAction(row.action),
            subject_type=AuditSubject(row.subject_type),
            subject_id=str(row.subject_id) if row.subject_id else None,
            contact_id=to_global_id("Contact", row.contact_id) if row.contact_id else None,
            changes=cast(JSON, row.changes),
        )


@strawberry.type
class ContactQuery:
    @strawberry.field(
        description="A contact by global id; null when there is none.", permission_classes=READ
    )
    async def contact(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id (`Contact.id`).")],
    ) -> ContactNode | None:
        contact_id = from_global_id("Contact", id)
        row = await info.context.loaders.contact_by_id.load(contact_id) if contact_id else None
        return ContactNode.from_row(row) if row else None

    @strawberry.field(description="A contact by its customer number.", permission_classes=READ)
    async def contact_by_customer_number(
        self,
        info: Info,
        customer_number: Annotated[
            str,
            strawberry.argument(
                description="The customer number (`Contact.customerNumber`); text that is no "
                "customer number finds none."
            ),
        ],
    ) -> ContactNode | None:
        row = await contacts.get_contact_by_customer_number(info.context.session, customer_number)
        return ContactNode.from_row(row) if row else None

    @strawberry.field(
        description="Contacts: search, filters and sort, as a cursor connection (at most 100 "
        "per page). Inactive contacts are hidden unless asked for.",
        permission_classes=READ,
    )
    async def contacts(
        self,
        info: Info,
        filter: Annotated[
            ContactFilterInput | None,
            strawberry.argument(description="Which contacts; null lists all active contacts."),
        ] = None,
        order_by: Annotated[
            ContactOrderInput | None,
            strawberry.argument(description="Sort order; null sorts by name, A first."),
        ] = None,
        first: PageSize = 20,
        after: After = None,
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
        contact_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Global id (`Contact.id`) of the contact; an unknown id gives an "
                "empty list."
            ),
        ],
        first: PageSize = 20,
        after: After = None,
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
        description="The audit log, newest first; filter by contact or action.",
        permission_classes=[HasPermission(StaffPermission.AUDIT_READ)],
    )
    async def audit_log(
        self,
        info: Info,
        contact_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only entries about this contact (`Contact.id`)."),
        ] = None,
        action: Annotated[
            AuditAction | None, strawberry.argument(description="Only entries of this action.")
        ] = None,
        first: PageSize = 20,
        after: After = None,
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
