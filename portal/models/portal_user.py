"""Portal users (end customers' logins), their sessions, matching flows and spent tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, SessionColumns, Timestamps, UUIDPrimaryKey


class PortalUser(UUIDPrimaryKey, Timestamps, Base):
    """A customer's login. It may exist before it is linked to a contact (pending review), but
    nobody logs in without an assigned contact."""

    __tablename__ = "portal_users"

    email: Mapped[str] = mapped_column(String(254))
    # One portal user per address: the invariant 50 concurrent registrations must respect.
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    # Privileged: read only by identity for verification; None until a password is set.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set while the password is one staff set or generated; the customer choosing their own
    # (change, reset, invitation) clears it. Sessions it opens are marked staff_created.
    password_set_by_staff_at: Mapped[datetime | None] = mapped_column(default=None)
    # REGISTRATION_PENDING, ACTIVATION_EMAIL_SENT, REGISTERED, EMAIL_UPDATE_IN_PROGRESS
    registration_status: Mapped[str] = mapped_column(String(32))
    # PENDING, ASSIGNED
    mapping_status: Mapped[str] = mapped_column(String(16), default="PENDING")
    # NO_MATCH, AMBIGUOUS, SECOND_IDENTIFIER_FAILED (only while pending review)
    pending_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    # A contact has at most one portal user.
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), unique=True, default=None
    )
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(8), default="de")
    existing_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Second identifiers given at registration (normalised), tried first by matching.
    registration_identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Second-identifier answers given so far, across all flows (a new logIn opens a new flow,
    # never new attempts); back to 0 only when staff decide the contact.
    second_identifier_attempts: Mapped[int] = mapped_column(Integer, default=0)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)
    pending_email: Mapped[str | None] = mapped_column(String(254), default=None)
    # The newest password-reset token; an older one, or any after a password change, is void.
    password_reset_jti: Mapped[str | None] = mapped_column(String(32), default=None)
    email_change_jti: Mapped[str | None] = mapped_column(String(32), default=None)

    __table_args__ = (
        Index("ix_portal_users_registration_status", "registration_status"),
        Index("ix_portal_users_mapping_status", "mapping_status"),
        # The staff list (newest first) and the pending review queue, read in index order
        # with keyset seeks at any depth.
        Index("ix_portal_users_created_at_id", "created_at", "id"),
        Index("ix_portal_users_mapping_status_created_at", "mapping_status", "created_at", "id"),
    )


class PortalSession(UUIDPrimaryKey, Timestamps, SessionColumns, Base):
    """A customer login; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "portal_sessions"

    portal_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portal_users.id", ondelete="CASCADE")
    )
    # Set when support opened this session to see what the customer sees.
    impersonation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("impersonations.id", ondelete="CASCADE"), default=None
    )
    # Opened with a password staff set or generated: whoever logged in, staff knew the secret.
    staff_created: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_portal_sessions_portal_user_id", "portal_user_id"),)


class MatchingFlow(UUIDPrimaryKey, Timestamps, Base):
    """An open "which contact are you?" question after activation, answered with a second
    identifier; limited in attempts and time."""

    __tablename__ = "matching_flows"

    portal_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portal_users.id", ondelete="CASCADE"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class UsedToken(Base):
    """Signed tokens that have been redeemed: the database makes every token single use, also
    when two requests redeem it at the same moment (the primary key decides)."""

    __tablename__ = "used_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime]


class PortalSetting(Base):
    """Portal settings staff edit at run time (registration policy, second identifiers, token
    lifetimes); a missing key falls back to the configured default."""

    __tablename__ = "portal_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(200), default=None)
