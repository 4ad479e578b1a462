"""The contact: the CRM record a portal user is linked to."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class Contact(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "contacts"

    # Assigned by the system (see portal.services.customer_numbers); never changed afterwards.
    customer_number: Mapped[int] = mapped_column(Integer, unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    # The matching key for portal registrations.
    email_normalized: Mapped[str | None] = mapped_column(String(254), index=True, default=None)
    language: Mapped[str] = mapped_column(String(8), default="de")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Optimistic concurrency: every update must name the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class IdCounter(Base):
    """Named counters for databases without sequences (SQLite); PostgreSQL uses real sequences."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
