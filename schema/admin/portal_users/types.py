"""Portal user types of the staff API."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import strawberry

from identity.portal_users import RECORD_KEYS, PortalUserErrorCode, PortalUserFilter
from identity.states import MappingStatus, PendingReason, RegistrationStatus
from portal.models import PortalUser
from portal.services.contacts import ContactErrorCode
from schema.admin.contacts.types import ContactNode
from schema.common.descriptions import (
    CONTACT_ERROR_CODES,
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PORTAL_USER_ERROR_CODES,
    describe_values,
)
from schema.common.enums import MappingStatusEnum, RegistrationStatusEnum  # noqa: F401
from schema.common.errors import ErrorFields, error_codes
from schema.common.ids import from_global_id, to_global_id
from schema.common.info import Info
from schema.common.loaders import MaybeLoaded
from schema.common.node import Node
from schema.common.records import column, needs

# createContactForPortalUser creates a contact: the refusals of the contact's fields are the
# portal user's too.
PortalUserErrorCodeEnum = error_codes(
    "PortalUserErrorCode",
    PortalUserErrorCode,
    *(ContactErrorCode.REQUIRED, ContactErrorCode.TOO_LONG, ContactErrorCode.INVALID_EMAIL),
    *(ContactErrorCode.INVALID_PHONE, ContactErrorCode.INVALID_POSTAL_CODE),
    *(ContactErrorCode.INVALID_COUNTRY, ContactErrorCode.INVALID_LANGUAGE),
    *(ContactErrorCode.INVALID_FORMALITY, ContactErrorCode.INVALID_DATE),
    *(ContactErrorCode.INVALID_URL, ContactErrorCode.INVALID_REACHABILITY),
    ContactErrorCode.INVALID_SOURCE,
    description="Why a portal user change failed.",
)
PendingReasonEnum = strawberry.enum(
    PendingReason, name="PendingReason", description="Why a portal user waits for staff."
)
describe_values(PortalUserErrorCodeEnum, PORTAL_USER_ERROR_CODES, CONTACT_ERROR_CODES)
describe_values(
    PendingReason,
    {
        "NO_MATCH": "No contact has the registered email as its primary email.",
        "AMBIGUOUS": "Several contacts share the email and no second identifier decided.",
        "SECOND_IDENTIFIER_FAILED": "The customer used up the attempts to name a second "
        "identifier.",
        "UNASSIGNED": "Staff removed the link to the contact.",
        "EMAIL_NOT_PROVEN": "Staff activated the account without the email link, so the "
        "unproven address matches no contact; staff choose one.",
    },
)


@strawberry.type(description="A problem with a portal user mutation.")
class PortalUserError(ErrorFields):
    codes: ClassVar = PortalUserErrorCodeEnum
    code: PortalUserErrorCodeEnum = strawberry.field(description=ERROR_CODE)  # type: ignore[valid-type]
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="PortalUser", description="A customer's login to the portal.")
class PortalUserNode(Node):
    """A portal user, backed by its record (see ``schema.common.records``), and on list pages
    by its contact's record read in the same statement."""

    record: strawberry.Private[Mapping[Any, Any]]
    contact_record: strawberry.Private[Mapping[Any, Any] | None]

    # Node's id, computed from the record (to mypy, a dataclass field overridden by a method).
    @strawberry.field(  # type: ignore[misc]
        description="Opaque global id; pass it back as is.", metadata=needs("id")
    )
    def id(self) -> strawberry.ID:
        return to_global_id("PortalUser", self.record["id"])

    @strawberry.field(
        description="The portal user's UUID (not a global id), as in logs and exports.",
        metadata=needs("id"),
    )
    def uuid(self) -> strawberry.ID:
        return strawberry.ID(str(self.record["id"]))

    email = column(
        "email", str, description="Login email as entered (also while a change is pending)."
    )

    @strawberry.field(
        description="Where the user stands in registration.", metadata=needs("registration_status")
    )
    def registration_status(self) -> RegistrationStatus:
        return RegistrationStatus(self.record["registration_status"])

    @strawberry.field(
        description="Whether the user is linked to a contact.", metadata=needs("mapping_status")
    )
    def mapping_status(self) -> MappingStatus:
        return MappingStatus(self.record["mapping_status"])

    @strawberry.field(
        description="Why the user waits for a contact (null when assigned).",
        metadata=needs("pending_reason"),
    )
    def pending_reason(self) -> PendingReason | None:
        reason = self.record["pending_reason"]
        return PendingReason(reason) if reason else None

    first_name = column(
        "first_name",
        str,
        description="Given name as entered at registration; may differ from the contact's.",
    )
    last_name = column(
        "last_name",
        str,
        description="Family name as entered at registration; may differ from the contact's.",
    )
    language = column(
        "language", str, description="Language of the user's emails, ISO 639-1 (de, en)."
    )
    existing_customer = column(
        "existing_customer",
        bool,
        description="Whether the user said at registration they are already a customer.",
    )
    created_at = column(
        "created_at", datetime, description="When the user registered or staff created it."
    )
    activated_at = column(
        "activated_at",
        datetime | None,
        description="When the account was activated (by email link, invitation or staff); "
        "null until then.",
    )
    assigned_at = column(
        "assigned_at",
        datetime | None,
        description="When the current contact was linked; null while none is.",
    )
    last_login_at = column(
        "last_login_at", datetime | None, description="Time of the last login; null if never."
    )
    suspended_at = column(
        "suspended_at",
        datetime | None,
        description="When staff suspended the user; null unless suspended now.",
    )

    @strawberry.field(
        description="The assigned contact (null while pending).",
        graphql_type=ContactNode | None,
        metadata=needs("contact_id"),
    )
    def contact(self, info: Info) -> MaybeLoaded[ContactNode | None]:
        if self.contact_record is not None:  # read with the page
            return ContactNode.from_record(self.contact_record)
        contact_id = self.record["contact_id"]
        if contact_id is None:
            return None
        return info.context.loaders.contact_by_id.then(
            contact_id, lambda row: ContactNode.from_row(row) if row else None
        )

    @classmethod
    def from_record(
        cls, record: Mapping[Any, Any], contact_record: Mapping[Any, Any] | None = None
    ) -> PortalUserNode:
        """A node over a row of ``list_portal_users`` (and its contact's columns, if read)."""
        return cls(record=record, contact_record=contact_record)  # type: ignore[call-arg]

    @classmethod
    def from_row(cls, row: PortalUser) -> PortalUserNode:
        """A node over an ORM portal user's current values (single reads, payloads)."""
        values = {key: getattr(row, key) for key in RECORD_KEYS}
        return cls(record=values, contact_record=None)  # type: ignore[call-arg]


@strawberry.input(description="Filters of portalUsers; all given filters must hold.")
class PortalUserFilterInput:
    registration_status: RegistrationStatus | None = strawberry.field(
        default=None, description="Only users with this registration status."
    )
    mapping_status: MappingStatus | None = strawberry.field(
        default=None, description="Only users with this mapping status."
    )
    pending_reason: PendingReason | None = strawberry.field(
        default=None, description="Only pending users waiting for this reason."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only the user linked to this contact (`Contact.id`); another kind of id "
        "matches nobody.",
    )
    email: str | None = strawberry.field(
        default=None, description=("Part of the email address (case-insensitive substring).")
    )
    suspended: bool | None = strawberry.field(
        default=None, description="Only suspended (true) or not suspended (false) users."
    )

    def to_filter(self) -> PortalUserFilter:
        return PortalUserFilter(
            registration_status=self.registration_status,
            mapping_status=self.mapping_status,
            pending_reason=self.pending_reason,
            # An id that is not a contact's matches nothing (never "no filter").
            contact_id=(from_global_id("Contact", self.contact_id) or uuid.UUID(int=0))
            if self.contact_id
            else None,
            email=self.email,
            suspended=self.suspended,
        )
