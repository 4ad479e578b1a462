"""Support impersonation: a staff user seeing the portal as one customer, with a reason."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class Impersonation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "impersonations"

    staff_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    staff_name: Mapped[str] = mapped_column(String(200))
    portal_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("portal_users.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(String(500))
    ticket_reference: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[str] = mapped_column(String(16))  # READ_ONLY or FULL
    # The one-time login token (signed); its id is spent on redemption.
    token_jti: Mapped[str] = mapped_column(String(32), unique=True)
    token_expires_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # ENDED (by the staff user), EXPIRED, REVOKED (by an admin)
    end_reason: Mapped[str | None] = mapped_column(String(16), default=None)

    __table_args__ = (Index("ix_impersonations_created_at", "created_at"),)
