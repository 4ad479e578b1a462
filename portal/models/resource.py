"""Resources shared with customers (websites, contracts, meters, projects) and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class Resource(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "resources"

    kind: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    alias: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(300), default="")  # URL or domain
    external_reference: Mapped[str] = mapped_column(String(100), default="")
    # Folded name, alias and URL for resources(search).
    search_text: Mapped[str] = mapped_column(Text, default="")


class ResourceAssignment(UUIDPrimaryKey, Timestamps, Base):
    """What one contact may do with one resource."""

    __tablename__ = "resource_assignments"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("contact_id", "resource_id"),)


class Invitation(UUIDPrimaryKey, Timestamps, Base):
    """A setup link for a staff-created portal user. Only the SHA-256 of its nonce is stored."""

    __tablename__ = "invitations"

    portal_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portal_users.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_invitations_expires_at", "expires_at"),
        # The staff list, newest first (keyset on created_at, id).
        Index("ix_invitations_created_at_id", "created_at", "id"),
    )
