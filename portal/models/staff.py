"""Staff accounts, their server-side sessions and their invitations."""

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
    # None while an invited member has not set one (nobody else ever knows it).
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # The emails staff receive (invitation, role change, ...) are in this language and form.
    language: Mapped[str] = mapped_column(String(8), default="de")
    formality: Mapped[str] = mapped_column(String(16), default="formal")

    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="staff_user", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_staff_users_role_email_normalized", "role", "email_normalized"),)


class StaffSession(UUIDPrimaryKey, Timestamps, SessionColumns, Base):
    """A staff login. Only the SHA-256 of the bearer token is stored, so a database leak
    does not leak usable sessions."""

    __tablename__ = "staff_sessions"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE")
    )

    staff_user: Mapped[StaffUser] = relationship(back_populates="sessions")

    __table_args__ = (Index("ix_staff_sessions_staff_user_id", "staff_user_id"),)


class StaffInvitation(UUIDPrimaryKey, Timestamps, Base):
    """A single-use setup link for an invited staff member (only the token's SHA-256)."""

    __tablename__ = "staff_invitations"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    # The admin who sent it: a link stops working when they are deactivated or deleted.
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
