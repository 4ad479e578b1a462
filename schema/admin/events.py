"""The recorded lifecycle events, read-only, for administrators: what webhooks deliver, before
any endpoint exists or for an event an endpoint did not subscribe to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import Event
from portal.services.events import EventActorType, EventType, PayloadLevel, event_payload
from portal.services.events import list_events as list_recorded_events

# Importing the webhook types registers EventType and PayloadLevel as GraphQL enums.
from schema.admin.webhooks.types import After, First
from schema.common.descriptions import describe_values
from schema.common.errors import bad_user_input
from schema.common.ids import filter_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

strawberry.enum(
    EventActorType,
    name="EventActorType",
    description="Who caused an event: CUSTOMER (the portal user), STAFF, SUPPORT (staff in a "
    "full support session, acting as the customer), IMPORT (an import token or a command-line "
    "import), SYSTEM.",
)
describe_values(
    EventActorType,
    {
        "CUSTOMER": "The portal user.",
        "STAFF": "A staff member.",
        "SUPPORT": "A staff member in a full support session, acting as the customer.",
        "IMPORT": "An import token, or a CSV import from the command line.",
        "SYSTEM": "The portal itself.",
    },
)


@strawberry.type(
    name="LifecycleEvent",
    description="A recorded lifecycle event (docs/events.md): what webhooks deliver.",
)
class LifecycleEventNode(Node):
    event_id: uuid.UUID = strawberry.field(
        description="The event's UUID: the `webhook-id` of every delivery of it."
    )
    type: EventType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    actor_type: EventActorType = strawberry.field(description="Who caused it.")
    contact_id: strawberry.ID | None = strawberry.field(
        description="The global id of the contact it concerns (the contact may be gone)."
    )
    portal_user_id: strawberry.ID | None = strawberry.field(
        description="The global id of the portal user it concerns (the user may be gone)."
    )
    changed_fields: list[str] = strawberry.field(
        description="The changed fields' names, as the staff API spells them."
    )
    row: strawberry.Private[Event]

    @strawberry.field(
        description="The webhook payload (`type`, `timestamp`, `data`) as a subscriber at "
        "this payload level receives it."
    )
    def payload(
        self,
        level: Annotated[
            PayloadLevel, strawberry.argument(description="The subscriber's payload level.")
        ] = PayloadLevel.IDS,
    ) -> JSON:
        return cast(JSON, event_payload(self.row, level))

    @classmethod
    def from_row(cls, row: Event) -> LifecycleEventNode:
        data = event_payload(row, PayloadLevel.IDS)["data"]
        return cls(
            id=to_global_id("LifecycleEvent", row.id), event_id=row.id,
            type=EventType(row.type), occurred_at=row.occurred_at,
            actor_type=EventActorType(row.actor_type),
            contact_id=data["contact"]["id"] if "contact" in data else None,
            portal_user_id=data["portalUser"]["id"] if "portalUser" in data else None,
            changed_fields=data["changedFields"], row=row,
        )  # fmt: skip


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="Recorded lifecycle events, newest first; filter by type, contact or "
        "portal user (administrators: payloads can hold personal data).",
        permission_classes=[HasPermission(StaffPermission.WEBHOOKS_MANAGE)],
    )
    async def lifecycle_events(
        self,
        info: Info,
        type: Annotated[
            EventType | None, strawberry.argument(description="Only events of this type.")
        ] = None,
        contact_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this contact (its global id)."),
        ] = None,
        portal_user_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this portal user (its global id)."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[LifecycleEventNode]:
        try:
            page = await list_recorded_events(
                info.context.session,
                event_type=type,
                contact_id=filter_id("Contact", contact_id),
                portal_user_id=filter_id("PortalUser", portal_user_id),
                first=first,
                after=after,
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, LifecycleEventNode.from_row)
