"""Pairs of contacts staff declared not to be duplicates."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class DuplicateDismissal(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "duplicate_dismissals"

    # Stored with first_id < second_id, so a pair has one row whichever way it was named.
    first_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    second_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    dismissed_by: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("first_id", "second_id"),)
