"""Changing webhook endpoints, redelivery and the test event (administrators only, audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.services.events import EventType, PayloadLevel
from portal.webhooks.endpoints import (
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    update_endpoint,
)
from portal.webhooks.log import redeliver, redeliver_failed_since, send_test_event
from schema.admin.webhooks.types import (
    EndpointId,
    WebhookDeliveryNode,
    WebhookEndpointNode,
    WebhookError,
)
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

ADMIN_ONLY = [HasPermission(StaffPermission.WEBHOOKS_MANAGE)]


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where events are POSTed: https (http only outside production); in "
        "production its host must resolve to public addresses only."
    )
    event_types: list[EventType] = strawberry.field(description="The events it receives.")
    payload_level: PayloadLevel = strawberry.field(
        default=PayloadLevel.IDS, description="How much each payload says."
    )
    description: str = strawberry.field(default="", description="What it is for (200 chars).")
    is_active: bool = strawberry.field(default=True, description="Whether it receives events.")


@strawberry.input(description="Changes to a webhook endpoint; omitted fields stay as they are.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint's id.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    event_types: list[EventType] | None = strawberry.field(
        default=None, description="The events it receives from now on."
    )
    payload_level: PayloadLevel | None = strawberry.field(
        default=None, description="How much payloads say from now on."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")
    is_active: bool | None = strawberry.field(
        default=None,
        description="Switch it off (its queued deliveries wait) or on (with a fresh failure "
        "count; waiting deliveries are sent).",
    )


@strawberry.type(description="Result of createWebhookEndpoint and rotateWebhookEndpointSecret.")
class WebhookEndpointSecretPayload:
    webhook_endpoint: WebhookEndpointNode | None = strawberry.field(
        default=None, description="The endpoint."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...), shown only now: give it to the receiver, "
        "which verifies `webhook-signature` with it (Standard Webhooks).",
    )
    errors: list[WebhookError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of updateWebhookEndpoint.")
class UpdateWebhookEndpointPayload:
    webhook_endpoint: WebhookEndpointNode | None = strawberry.field(
        default=None, description="The endpoint as changed."
    )
    errors: list[WebhookError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of deleteWebhookEndpoint.")
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted endpoint."
    )
    errors: list[WebhookError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of redeliverWebhookEvent and sendWebhookTestEvent.")
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryNode | None = strawberry.field(
        default=None, description="The delivery, queued."
    )
    errors: list[WebhookError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of redeliverFailedWebhookEvents.")
class RedeliverFailedWebhookEventsPayload:
    count: int = strawberry.field(default=0, description="How many deliveries were queued.")
    errors: list[WebhookError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Create a webhook endpoint; the payload shows its signing secret once. "
        "Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookEndpointInput, strawberry.argument(description="The endpoint to add.")
        ],
    ) -> WebhookEndpointSecretPayload:
        ctx = info.context
        created = await create_endpoint(
            ctx.session, ctx.settings, await ctx.staff_actor(), url=input.url,
            event_types=input.event_types, payload_level=input.payload_level,
            description=input.description, is_active=input.is_active,
        )  # fmt: skip
        return WebhookEndpointSecretPayload(
            webhook_endpoint=WebhookEndpointNode.from_row(created.endpoint), secret=created.secret
        )

    @strawberry.mutation(
        description="Change a webhook endpoint. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def update_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookEndpointInput,
            strawberry.argument(description="Which endpoint, and the fields to change."),
        ],
    ) -> UpdateWebhookEndpointPayload:
        ctx = info.context
        row = await update_endpoint(
            ctx.session, ctx.settings, await ctx.staff_actor(),
            from_global_id("WebhookEndpoint", input.id), url=input.url,
            event_types=input.event_types, payload_level=input.payload_level,
            description=input.description, is_active=input.is_active,
        )  # fmt: skip
        return UpdateWebhookEndpointPayload(webhook_endpoint=WebhookEndpointNode.from_row(row))

    @strawberry.mutation(
        description="Give a webhook endpoint a new signing secret (shown once). The current "
        "secret keeps signing beside it for the overlap, both signatures in "
        "`webhook-signature`, so the receiver can switch without losing events. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def rotate_webhook_endpoint_secret(
        self,
        info: Info,
        id: EndpointId,
        overlap_hours: Annotated[
            int | None,
            strawberry.argument(
                description="How long the current secret keeps signing, 0 to 168 hours (default "
                "PORTAL_WEBHOOK_SECRET_OVERLAP_HOURS, 24); 0 stops it at once."
            ),
        ] = None,
    ) -> WebhookEndpointSecretPayload:
        ctx = info.context
        rotated = await rotate_secret(
            ctx.session, ctx.settings, await ctx.staff_actor(),
            from_global_id("WebhookEndpoint", id), overlap_hours,
        )  # fmt: skip
        return WebhookEndpointSecretPayload(
            webhook_endpoint=WebhookEndpointNode.from_row(rotated.endpoint), secret=rotated.secret
        )

    @strawberry.mutation(
        description="Delete a webhook endpoint with its delivery log. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def delete_webhook_endpoint(
        self,
        info: Info,
        id: EndpointId,
    ) -> DeleteWebhookEndpointPayload:
        ctx = info.context
        await delete_endpoint(
            ctx.session, await ctx.staff_actor(), from_global_id("WebhookEndpoint", id)
        )
        return DeleteWebhookEndpointPayload(deleted_id=id)

    @strawberry.mutation(
        description="Send a delivered or failed event to its endpoint again, with fresh "
        "attempts and the same webhook-id. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def redeliver_webhook_event(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery's id.")],
    ) -> WebhookDeliveryPayload:
        ctx = info.context
        row = await redeliver(
            ctx.session, await ctx.staff_actor(), from_global_id("WebhookDelivery", id)
        )
        return WebhookDeliveryPayload(delivery=WebhookDeliveryNode.from_row(row))

    @strawberry.mutation(
        description="Queue again every failed delivery of an endpoint whose event occurred at "
        "or after `since`. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def redeliver_failed_webhook_events(
        self,
        info: Info,
        endpoint_id: EndpointId,
        since: Annotated[
            datetime, strawberry.argument(description="The earliest event time to resend.")
        ],
    ) -> RedeliverFailedWebhookEventsPayload:
        ctx = info.context
        count = await redeliver_failed_since(
            ctx.session, await ctx.staff_actor(),
            from_global_id("WebhookEndpoint", endpoint_id), since,
        )  # fmt: skip
        return RedeliverFailedWebhookEventsPayload(count=count)

    @strawberry.mutation(
        description="Queue a webhook.test event for an active endpoint, signed and delivered "
        "like any other. Audited.",
        permission_classes=ADMIN_ONLY,
        extensions=[Atomic()],
    )
    async def send_webhook_test_event(
        self,
        info: Info,
        endpoint_id: EndpointId,
    ) -> WebhookDeliveryPayload:
        ctx = info.context
        row = await send_test_event(
            ctx.session, await ctx.staff_actor(), from_global_id("WebhookEndpoint", endpoint_id)
        )
        return WebhookDeliveryPayload(delivery=WebhookDeliveryNode.from_row(row))
