"""The audit log: who did what to which record, with the changed fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UUIDPrimaryKey


class AuditEntry(UUIDPrimaryKey, Base):
    __tablename__ = "audit_log"

    occurred_at: Mapped[datetime]
    actor_type: Mapped[str] = mapped_column(String(16))  # staff, customer, system, import
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # Not a foreign key: entries outlive deleted contacts (with their personal data removed).
    contact_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)

    __table_args__ = (
        Index("ix_audit_log_contact_id_occurred_at", "contact_id", "occurred_at"),
        Index("ix_audit_log_actor_id", "actor_id"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
        # auditLog(action: ...) newest first.
        Index("ix_audit_log_action_occurred_at", "action", "occurred_at", "id"),
    )
