"""Webhook endpoints, the delivery of each event to each endpoint, and every attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class WebhookEndpoint(UUIDPrimaryKey, Timestamps, Base):
    """A URL staff registered for some event types. The signing secret is stored sealed
    (:mod:`portal.webhooks.signing`); after a rotation the previous one keeps signing until
    ``previous_secret_expires_at``. A worker sending to the endpoint holds a lease on it
    (``lease_token`` until ``leased_until``): one worker at a time per endpoint keeps its
    events in order."""

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload_level: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why an inactive endpoint is inactive: "manual" (staff) or "failing" (the worker).
    disabled_reason: Mapped[str | None] = mapped_column(String(16), default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    secret_sealed: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(16))
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[uuid.UUID | None] = mapped_column(default=None)
    leased_until: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None
    )

    __table_args__ = (Index("ix_webhook_endpoints_created_at_id", "created_at", "id"),)


class WebhookDelivery(UUIDPrimaryKey, Timestamps, Base):
    """One event for one endpoint: pending until delivered, or failed after the last attempt.
    The body is rendered from the event when sent (so erasing a contact's data reaches queued
    deliveries too); a test event, which is no event of the log, carries its own ``body``."""

    __tablename__ = "webhook_deliveries"

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    # The Standard Webhooks ``webhook-id``: the same on every attempt and redelivery.
    event_id: Mapped[uuid.UUID]
    # The event in the log (its payload is rendered from it); null for a test event, and once
    # the event is pruned (the log of its attempts stays).
    event_sequence: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("events.sequence", ondelete="SET NULL"), default=None, index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    body: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The endpoint's next delivery (its oldest pending), and its log by status.
        Index(
            "ix_webhook_deliveries_endpoint_id_status",
            "endpoint_id",
            "status",
            "occurred_at",
            "id",
        ),
        # The endpoint's log, newest event first.
        Index("ix_webhook_deliveries_endpoint_id_occurred_at", "endpoint_id", "occurred_at", "id"),
        # What is due, for the worker's cheap "anything to do?" look.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )


class WebhookAttempt(UUIDPrimaryKey, Timestamps, Base):
    """One HTTP request of a delivery: the delivery log staff read."""

    __tablename__ = "webhook_attempts"

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    response_excerpt: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_webhook_attempts_endpoint_id_attempted_at", "endpoint_id", "attempted_at", "id"),
    )
