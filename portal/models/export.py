"""Requested CSV exports: what to export, for whom; the download link names only the id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class ExportJob(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "export_jobs"

    kind: Mapped[str] = mapped_column(String(32))  # contacts, portal_users
    # The contacts filter (may hold a search term, hence kept here and not in the link).
    filter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="en")
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    bom: Mapped[bool] = mapped_column(default=True)
    staff_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None
    )
    # "download" (signed link) or "email" (zipped, attached to a message to the staff user).
    delivery: Mapped[str] = mapped_column(String(16), default="download")
    expires_at: Mapped[datetime]
    downloaded_at: Mapped[datetime | None] = mapped_column(default=None)
