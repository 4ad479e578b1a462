"""Lifecycle events: an outbox of what happened to contacts and portal users, written in the
transaction of the change it describes (webhook deliveries are made from it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base

# SQLite only numbers an ``INTEGER PRIMARY KEY`` itself (BIGINT would stay NULL).
_SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One lifecycle event. ``sequence`` (the primary key, assigned by the database) orders
    events; ``id`` is the stable public id (the ``webhook-id`` of every delivery of it).

    What the event says is split by how personal it is: ``details`` holds ids and facts without
    personal data (how a user was linked, which contacts were merged), ``changed_fields`` the
    names of changed fields, ``changes`` their new values (personal data: rendered only for
    subscribers that chose the changed-fields payload level, and blanked when the contact is
    deleted or erased). Contact and user ids are not foreign keys: events outlive the rows.
    Rows are never updated except ``dispatched_at`` (and ``changes`` on erasure)."""

    __tablename__ = "events"

    sequence: Mapped[int] = mapped_column(_SEQUENCE, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    # customer, staff, support (staff acting as the customer), import (token or CLI), system
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # The portal user support acted for (actor_type "support").
    on_behalf_of_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    portal_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set by the webhook dispatcher once it has fanned the event out to the endpoints' queues.
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        # The dispatcher's question: undispatched events in order. Partial, so it stays as
        # small as the backlog however many events are kept.
        Index(
            "ix_events_undispatched_sequence",
            "sequence",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
        # Blanking a deleted contact's values; a contact's events.
        Index("ix_events_contact_id_sequence", "contact_id", "sequence"),
        Index("ix_events_portal_user_id_sequence", "portal_user_id", "sequence"),
        # Pruning by age.
        Index("ix_events_occurred_at", "occurred_at"),
        # The staff list filtered by type, newest first.
        Index("ix_events_type_sequence", "type", "sequence"),
    )
