"""Reading webhook endpoints (administrators only)."""

from __future__ import annotations

import strawberry

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import WebhookEndpoint
from portal.webhooks.endpoints import list_endpoints
from schema.admin.webhooks.types import After, EndpointId, First, WebhookEndpointNode
from schema.common.errors import bad_user_input
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="Webhook endpoints, newest first.",
        permission_classes=[HasPermission(StaffPermission.WEBHOOKS_MANAGE)],
    )
    async def webhook_endpoints(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
    ) -> Connection[WebhookEndpointNode]:
        try:
            page = await list_endpoints(info.context.session, first=first, after=after)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, WebhookEndpointNode.from_row)

    @strawberry.field(
        description="One webhook endpoint with its delivery log; null for an unknown id.",
        permission_classes=[HasPermission(StaffPermission.WEBHOOKS_MANAGE)],
    )
    async def webhook_endpoint(
        self,
        info: Info,
        id: EndpointId,
    ) -> WebhookEndpointNode | None:
        endpoint_id = from_global_id("WebhookEndpoint", id)
        row = await info.context.session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
        return WebhookEndpointNode.from_row(row) if row else None
