"""Staff accounts, their server-side sessions and their invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
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
    # Second factor (identity.second_factor). Secrets are stored sealed (Fernet under a key
    # derived from PORTAL_SECRET_KEY), never in the clear; privileged like password_hash.
    totp_secret: Mapped[str | None] = mapped_column(String(400), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The time step of the last code accepted: a code of that step or an older one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # A secret shown for enrolment, waiting for its first code to take effect.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(400), default=None)
    recovery_codes_left: Mapped[int] = mapped_column(Integer, default=0)

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


class StaffRecoveryCode(UUIDPrimaryKey, Timestamps, Base):
    """A single-use recovery code of a staff member's second factor (only its SHA-256)."""

    __tablename__ = "staff_recovery_codes"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE")
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("staff_user_id", "code_hash"),)


class StaffLoginChallenge(UUIDPrimaryKey, Timestamps, Base):
    """The half-logged-in state between a correct password and the second factor: short-lived,
    attempt-limited, bound to the staff member and to the client that passed the password (it
    alone holds the token, stored here only as SHA-256)."""

    __tablename__ = "staff_login_challenges"

    staff_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(400), default=None)
