"""The contact: the CRM record a portal user is linked to, and what hangs off it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps, UUIDPrimaryKey


class Contact(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "contacts"

    # Assigned by the system (see portal.services.customer_numbers); never changed afterwards.
    customer_number: Mapped[int] = mapped_column(Integer, unique=True)
    salutation: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(50), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    # The matching key for portal registrations.
    email_normalized: Mapped[str | None] = mapped_column(String(254), index=True, default=None)
    # Phones as entered (for display) and in E.164 (for search and matching).
    phone1: Mapped[str] = mapped_column(String(40), default="")
    phone1_e164: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    phone2: Mapped[str] = mapped_column(String(40), default="")
    phone2_e164: Mapped[str | None] = mapped_column(String(20), default=None)
    mobile: Mapped[str] = mapped_column(String(40), default="")
    mobile_e164: Mapped[str | None] = mapped_column(String(20), default=None)
    fax: Mapped[str] = mapped_column(String(40), default="")
    fax_e164: Mapped[str | None] = mapped_column(String(20), default=None)
    website: Mapped[str] = mapped_column(String(300), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="de")
    formality: Mapped[str] = mapped_column(String(16), default="formal")
    # Weekly call windows: [{"weekday": 0-6, "from": "08:00", "to": "18:00"}, ...]
    reachability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    directory_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when a portal login with a password of its own left the contact (deleted, by staff or
    # the customer, or unassigned): staff without the right may no longer set a password for it.
    had_portal_login: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32), default="MANUAL")
    registered_at: Mapped[datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    newsletter_invited_at: Mapped[datetime | None] = mapped_column(default=None)
    newsletter_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    newsletter_revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    newsletter_token_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    newsletter_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Folded (case- and accent-free) names, company, emails, phone digits and customer number,
    # maintained by the service on every write: what `contacts(filter: {search})` scans.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The member directory's own id for the contact (never its id or number) and the folded
    # fields the directory shows, which are all its search may match (issue 16, item 10).
    directory_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4, unique=True)
    directory_text: Mapped[str] = mapped_column(Text, default="")
    # Derived from the portal user and resource assignments, stored for the status filter and
    # kept in step by portal.models.portal_status (never set by hand).
    portal_status: Mapped[str] = mapped_column(
        String(20), default="PROSPECT", server_default="PROSPECT"
    )
    # Optimistic concurrency: every update must name the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_contacts_active_last_name", "is_active", "last_name", "first_name"),
        # The staff console's default order (NAME): active contacts by folded last and first
        # name, then number, read in index order so a page never sorts the whole table.
        Index(
            "ix_contacts_name_order",
            "is_active",
            func.lower(text("last_name")),
            func.lower(text("first_name")),
            "customer_number",
        ),
        # contacts(filter: {status}) in the default order, read in index order.
        Index(
            "ix_contacts_status_name_order",
            "portal_status",
            "is_active",
            func.lower(text("last_name")),
            func.lower(text("first_name")),
            "customer_number",
        ),
        Index("ix_contacts_created_at", "created_at"),
        Index("ix_contacts_newsletter_token_hash", "newsletter_token_hash"),
        # The directory's order among listed contacts, read in index order.
        Index(
            "ix_contacts_directory_order",
            func.lower(text("last_name")),
            func.lower(text("first_name")),
            "directory_id",
            postgresql_where=text("directory_visible AND is_active"),
            sqlite_where=text("directory_visible = 1 AND is_active = 1"),
        ),
    )


class ContactEmail(UUIDPrimaryKey, Timestamps, Base):
    """Further email addresses of a contact (the primary one is on the contact)."""

    __tablename__ = "contact_emails"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), index=True)


class ExternalReference(UUIDPrimaryKey, Timestamps, Base):
    """The contact's id in another system (POS, ERP, shop): unique per source system."""

    __tablename__ = "external_references"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    source_system: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("source_system", "external_id"),)


class ContactGroup(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "contact_groups"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Portal functions members may use (NEWSLETTER, DOCUMENTS, DIRECTORY, ...).
    portal_permissions: Mapped[list[str]] = mapped_column(JSON, default=list)


class ContactGroupMember(Base):
    __tablename__ = "contact_group_members"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_groups.id", ondelete="CASCADE"), primary_key=True
    )

    # A group's members in contact order: the group filter and its bounded count read the
    # index alone (no visit to the link table's rows).
    __table_args__ = (Index("ix_contact_group_members_group_contact", "group_id", "contact_id"),)


class Tag(UUIDPrimaryKey, Timestamps, Base):
    """A free label; tags double as newsletter segments. Central tags are set by a head office
    (e.g. a franchise) and shown differently."""

    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(60))
    name_normalized: Mapped[str] = mapped_column(String(60), unique=True)
    is_central: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactTag(Base):
    __tablename__ = "contact_tags"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )

    # A tag's contacts in contact order: the tag filter and its bounded count read the index
    # alone (no visit to the link table's rows).
    __table_args__ = (Index("ix_contact_tags_tag_contact", "tag_id", "contact_id"),)


class ContactHistoryEntry(UUIDPrimaryKey, Timestamps, Base):
    """A dated entry of the contact's activity history, optionally with revenue."""

    __tablename__ = "contact_history"

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff, customer, system, import
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    revenue_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    revenue_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    visible_to_customer: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_contact_history_contact_id_occurred_at", "contact_id", "occurred_at"),
    )


class ConsentEvent(UUIDPrimaryKey, Timestamps, Base):
    """Evidence of a newsletter consent step: who, when, from where."""

    __tablename__ = "consent_events"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # invited, confirmed, revoked
    occurred_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(50))
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(400), default=None)


class IdCounter(Base):
    """Named counters for databases without sequences (SQLite); PostgreSQL uses real sequences."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
