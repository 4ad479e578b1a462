"""The GraphQL types of webhooks: endpoints, deliveries, attempts, errors and enums."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

import strawberry

from portal.errors import InvalidInput
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.services.events import EventType, PayloadLevel
from portal.webhooks.endpoints import DisabledReason, WebhookErrorCode
from portal.webhooks.log import DeliveryStatus, list_attempts, list_deliveries
from schema.common.descriptions import ERROR_CODE, ERROR_FIELD, ERROR_MESSAGE, describe_values
from schema.common.errors import ErrorFields, bad_user_input
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection

First = Annotated[int | None, strawberry.argument(description="Page size, at most 100.")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]
EndpointId = Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]

WebhookErrorCodeEnum = strawberry.enum(
    WebhookErrorCode,
    name="WebhookErrorCode",
    description="Why a webhook request was refused: INVALID_URL (not an absolute http(s) URL "
    "without credentials), HTTPS_REQUIRED (production takes https only), ADDRESS_NOT_ALLOWED "
    "(the host resolves to a loopback, private, link-local or reserved address), "
    "INVALID_EVENT_TYPES (none chosen), INVALID_DESCRIPTION (too long), INVALID_OVERLAP "
    "(overlap hours outside 0 to 168), NOT_FOUND, ENDPOINT_INACTIVE (switch it on first), "
    "NOT_REDELIVERABLE (still pending, or the event is no longer stored).",
)
EventTypeEnum = strawberry.enum(
    EventType,
    name="EventType",
    description="A kind of lifecycle event portal records and webhooks deliver; the value "
    "in lower case with dots (contact.updated) is the `type` of the webhook payload.",
)
PayloadLevelEnum = strawberry.enum(
    PayloadLevel,
    name="WebhookPayloadLevel",
    description="How much a webhook payload says: IDS (the event, its actor and the ids of "
    "the contact or portal user, and which fields changed) or CHANGED_FIELDS (also the new "
    "values of the changed fields: personal data).",
)
DeliveryStatusEnum = strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING: waiting for its first or next attempt; DELIVERED: the endpoint "
    "answered 2xx; FAILED: every attempt failed (redeliver it to try again).",
)
DisabledReasonEnum = strawberry.enum(
    DisabledReason,
    name="WebhookDisabledReason",
    description="Why an endpoint is off: MANUAL (staff switched it off) or FAILING (portal "
    "did, after too many failed attempts in a row, and emailed the administrators).",
)
describe_values(
    WebhookErrorCode,
    {
        "INVALID_URL": "Not an absolute http(s) URL without credentials.",
        "HTTPS_REQUIRED": "Production takes https URLs only.",
        "ADDRESS_NOT_ALLOWED": "The host resolves to a loopback, private, link-local or "
        "reserved address.",
        "INVALID_EVENT_TYPES": "No event type chosen.",
        "INVALID_DESCRIPTION": "The description is too long.",
        "INVALID_OVERLAP": "Secret overlap hours outside 0 to 168.",
        "NOT_FOUND": "No such endpoint or delivery.",
        "ENDPOINT_INACTIVE": "The endpoint is switched off; switch it on first.",
        "NOT_REDELIVERABLE": "The delivery is still pending, or its event is no longer stored.",
    },
)
describe_values(
    EventType,
    {
        "CONTACT_CREATED": "A contact was created (`contact.created`).",
        "CONTACT_UPDATED": "A contact's fields changed (`contact.updated`).",
        "CONTACT_DEACTIVATED": "A contact was deactivated (`contact.deactivated`).",
        "CONTACT_REACTIVATED": "A contact was reactivated (`contact.reactivated`).",
        "CONTACT_DELETED": "A contact was deleted (`contact.deleted`).",
        "CONTACT_MERGED": "Contacts were merged into one (`contact.merged`).",
        "CONTACT_ERASED": "A contact was erased on a GDPR request (`contact.erased`).",
        "PORTAL_USER_REGISTERED": "A customer registered (`portal_user.registered`).",
        "PORTAL_USER_ACTIVATED": "A portal user activated the account (`portal_user.activated`).",
        "PORTAL_USER_LINKED": "Matching linked a portal user to its contact "
        "(`portal_user.linked`).",
        "PORTAL_USER_PENDING_REVIEW": "A portal user waits for staff to assign a contact "
        "(`portal_user.pending_review`).",
        "PORTAL_USER_ASSIGNED": "Staff assigned a contact to a portal user "
        "(`portal_user.assigned`).",
        "PORTAL_USER_SUSPENDED": "A portal user was suspended (`portal_user.suspended`).",
        "PORTAL_USER_REACTIVATED": "A suspended portal user was reactivated "
        "(`portal_user.reactivated`).",
        "PORTAL_USER_DELETED": "A portal user was deleted (`portal_user.deleted`).",
        "CONSENT_CHANGED": "A contact's newsletter consent changed (`consent.changed`).",
        "INVITATION_SENT": "An invitation was issued (`invitation.sent`).",
        "INVITATION_ACCEPTED": "A customer accepted an invitation (`invitation.accepted`).",
        "IMPERSONATION_STARTED": "Support opened a customer's portal (`impersonation.started`).",
        "IMPERSONATION_ENDED": "A support session ended (`impersonation.ended`).",
    },
)
describe_values(
    PayloadLevel,
    {
        "IDS": "The event, its actor, the ids of the contact or portal user, and which fields "
        "changed.",
        "CHANGED_FIELDS": "Also the new values of the changed fields (personal data).",
    },
)
describe_values(
    DeliveryStatus,
    {
        "PENDING": "Waiting for its first or next attempt.",
        "DELIVERED": "The endpoint answered 2xx.",
        "FAILED": "Every attempt failed; redeliver it to try again.",
    },
)
describe_values(
    DisabledReason,
    {
        "MANUAL": "Staff switched it off.",
        "FAILING": "Portal switched it off after too many failed attempts in a row.",
    },
)


@strawberry.type(description="A problem with a webhook request.")
class WebhookError(ErrorFields):
    codes: ClassVar = WebhookErrorCode
    code: WebhookErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="One event for one endpoint, with the outcome of its attempts.")
class WebhookDeliveryNode(Node):
    event_id: uuid.UUID = strawberry.field(
        description="The event's id: the `webhook-id` header, the same on every attempt."
    )
    event_type: str = strawberry.field(
        description="The payload's `type`: an EventType value, or webhook.test."
    )
    occurred_at: datetime = strawberry.field(description="When the event happened.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made since it was (re)queued.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When a pending delivery is tried next (it also waits for older events of "
        "the endpoint: events arrive in order)."
    )
    delivered_at: datetime | None = strawberry.field(description="When the endpoint took it.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt; null when no answer came."
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")

    @classmethod
    def from_row(cls, row: WebhookDelivery) -> WebhookDeliveryNode:
        return cls(
            id=to_global_id("WebhookDelivery", row.id), event_id=row.event_id,
            event_type=row.event_type, occurred_at=row.occurred_at,
            status=DeliveryStatus(row.status), attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.PENDING else None,
            delivered_at=row.delivered_at, last_status_code=row.last_status_code,
            last_error=row.last_error,
        )  # fmt: skip


@strawberry.type(description="One HTTP request to an endpoint: the delivery log.")
class WebhookAttemptNode(Node):
    event_id: uuid.UUID = strawberry.field(description="The event sent (`webhook-id`).")
    event_type: str = strawberry.field(description="The payload's `type`.")
    attempted_at: datetime = strawberry.field(description="When the request was made.")
    status_code: int | None = strawberry.field(
        description="The HTTP status the endpoint answered; null when none came (timeout, "
        "refused address, connection error)."
    )
    duration_ms: int = strawberry.field(description="How long the request took.")
    succeeded: bool = strawberry.field(description="Whether the endpoint answered 2xx.")
    error: str | None = strawberry.field(description="What went wrong; null on success.")
    response_excerpt: str | None = strawberry.field(
        description="The first 500 characters of the endpoint's answer."
    )

    @classmethod
    def from_row(cls, row: WebhookAttempt) -> WebhookAttemptNode:
        return cls(
            id=to_global_id("WebhookAttempt", row.id), event_id=row.event_id,
            event_type=row.event_type, attempted_at=row.attempted_at,
            status_code=row.status_code, duration_ms=row.duration_ms,
            succeeded=row.error is None, error=row.error, response_excerpt=row.response_excerpt,
        )  # fmt: skip


@strawberry.type(
    name="WebhookEndpoint",
    description="A URL that receives events, signed per the Standard Webhooks specification.",
)
class WebhookEndpointNode(Node):
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str = strawberry.field(description="What the endpoint is for.")
    event_types: list[EventType] = strawberry.field(description="The events it receives.")
    payload_level: PayloadLevel = strawberry.field(description="How much each payload says.")
    is_active: bool = strawberry.field(description="Whether it receives events.")
    disabled_reason: DisabledReason | None = strawberry.field(
        description="Why it is off; null while active."
    )
    disabled_at: datetime | None = strawberry.field(description="When it was switched off.")
    consecutive_failures: int = strawberry.field(
        description="Failed attempts in a row (reset by a success or by switching it on)."
    )
    secret_hint: str = strawberry.field(
        description="The first characters of the signing secret, to recognise it (the secret "
        "itself is shown only when created or rotated)."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a rotation: until when the previous secret also signs."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    _row_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: WebhookEndpoint) -> WebhookEndpointNode:
        known = {t.value for t in EventType}
        return cls(
            id=to_global_id("WebhookEndpoint", row.id), url=row.url,
            description=row.description,
            event_types=[EventType(t) for t in row.event_types if t in known],
            payload_level=PayloadLevel(row.payload_level), is_active=row.is_active,
            disabled_reason=DisabledReason(row.disabled_reason) if row.disabled_reason else None,
            disabled_at=row.disabled_at, consecutive_failures=row.consecutive_failures,
            secret_hint=row.secret_hint, previous_secret_expires_at=row.previous_secret_expires_at,
            created_at=row.created_at, updated_at=row.updated_at, _row_id=row.id,
        )  # fmt: skip

    @strawberry.field(description="Its deliveries, newest event first, optionally by status.")
    async def deliveries(
        self,
        info: Info,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only deliveries in this state.")
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[WebhookDeliveryNode]:
        try:
            page = await list_deliveries(
                info.context.session, self._row_id, status=status, first=first, after=after
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, WebhookDeliveryNode.from_row)

    @strawberry.field(
        description="Every request made to it, newest first: status code, duration, error."
    )
    async def attempts(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
    ) -> Connection[WebhookAttemptNode]:
        try:
            page = await list_attempts(info.context.session, self._row_id, first=first, after=after)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, WebhookAttemptNode.from_row)
