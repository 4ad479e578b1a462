"""Staff accounts and their server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, SessionColumns, Timestamps, UUIDPrimaryKey


class StaffUser(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "staff_users"

    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # Privileged: read only by identity.staff for verification, never exposed by the API.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="staff_user", cascade="all, delete-orphan", passive_deletes=True
    )


class StaffSession(UUIDPrimaryKey, Timestamps, SessionColumns, Base):
    """A staff login. Only the SHA-256 of the bearer token is stored, so a database leak
    does not leak usable sessions."""

    __tablename__ = "staff_sessions"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE")
    )

    staff_user: Mapped[StaffUser] = relationship(back_populates="sessions")

    __table_args__ = (Index("ix_staff_sessions_staff_user_id", "staff_user_id"),)
