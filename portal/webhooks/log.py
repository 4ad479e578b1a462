"""The delivery log staff read per endpoint (deliveries and each attempt), redelivery, and the
test event."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import orjson
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models.base import session_now
from portal.pagination import Page
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.timeline import newest_first
from portal.webhooks.endpoints import WebhookErrorCode, get_endpoint

TEST_EVENT_TYPE = "webhook.test"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed; redeliver it to try again


async def list_deliveries(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    *,
    status: DeliveryStatus | None,
    first: int | None,
    after: str | None,
) -> Page[WebhookDelivery]:
    """The endpoint's deliveries, newest event first, optionally by status."""
    conditions = [WebhookDelivery.endpoint_id == endpoint_id]
    if status is not None:
        conditions.append(WebhookDelivery.status == status)
    return await newest_first(
        session, WebhookDelivery, conditions, first=first, after=after, time_column="occurred_at"
    )


async def list_attempts(
    session: AsyncSession, endpoint_id: uuid.UUID, *, first: int | None, after: str | None
) -> Page[WebhookAttempt]:
    """Every request made to the endpoint, newest first."""
    return await newest_first(
        session,
        WebhookAttempt,
        [WebhookAttempt.endpoint_id == endpoint_id],
        first=first,
        after=after,
        time_column="attempted_at",
    )


def _can_render(delivery: WebhookDelivery) -> bool:
    return delivery.body is not None or delivery.event_sequence is not None


async def redeliver(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID | None
) -> WebhookDelivery:
    """Send a delivered or failed event again with a fresh attempt budget (same
    ``webhook-id``: a receiver that deduplicates sees it as the same event)."""
    delivery = await session.get(WebhookDelivery, delivery_id) if delivery_id else None
    if delivery is None:
        raise InvalidInput.single(WebhookErrorCode.NOT_FOUND, "id", "No such delivery.")
    if delivery.status == DeliveryStatus.PENDING:
        raise InvalidInput.single(
            WebhookErrorCode.NOT_REDELIVERABLE, "id", "The delivery is still pending."
        )
    if not _can_render(delivery):
        raise InvalidInput.single(
            WebhookErrorCode.NOT_REDELIVERABLE, "id", "The event is no longer stored."
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = session_now(session)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_DELIVERY_REDELIVER,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=delivery.endpoint_id,
        changes={"event_id": delivery.event_id},
    )
    return delivery


async def redeliver_failed_since(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID | None, since: datetime
) -> int:
    """Queue again every failed delivery of the endpoint whose event occurred at or after
    ``since``; how many."""
    endpoint = await get_endpoint(session, endpoint_id)
    now = session_now(session)
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.FAILED,
            WebhookDelivery.occurred_at >= since,
            (WebhookDelivery.body.is_not(None)) | (WebhookDelivery.event_sequence.is_not(None)),
        )
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_DELIVERY_REDELIVER_FAILED,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={"since": since, "count": count},
    )
    return count


async def send_test_event(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID | None
) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for the endpoint (whatever types it receives), signed
    and delivered like any other, to check the receiver end to end."""
    endpoint: WebhookEndpoint = await get_endpoint(session, endpoint_id)
    if not endpoint.is_active:
        raise InvalidInput.single(
            WebhookErrorCode.ENDPOINT_INACTIVE, "id", "Switch the endpoint on first."
        )
    now = session_now(session)
    event_id = uuid.uuid4()
    body = {
        "type": TEST_EVENT_TYPE,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": {"eventId": str(event_id), "endpointUrl": endpoint.url, "test": True},
    }
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=TEST_EVENT_TYPE,
        occurred_at=now,
        body=orjson.dumps(body).decode(),
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(delivery)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_ENDPOINT_SEND_TEST_EVENT,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={"event_id": event_id},
    )
    return delivery
