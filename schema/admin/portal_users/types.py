"""Portal user types of the staff API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from identity.portal_users import PortalUserErrorCode, PortalUserFilter
from identity.states import MappingStatus, PendingReason, RegistrationStatus
from portal.models import PortalUser
from schema.admin.contacts.types import ContactNode
from schema.common.context import RequestContext
from schema.common.errors import ErrorFields
from schema.common.ids import from_global_id, to_global_id
from schema.common.loaders import MaybeLoaded, loaded
from schema.common.node import Node
from schema.portal.types import MappingStatusEnum, RegistrationStatusEnum  # noqa: F401

PortalUserErrorCodeEnum = strawberry.enum(
    PortalUserErrorCode, name="PortalUserErrorCode", description="Why a portal user change failed."
)
PendingReasonEnum = strawberry.enum(
    PendingReason, name="PendingReason", description="Why a portal user waits for staff."
)


@strawberry.type(description="A problem with a portal user mutation.")
class PortalUserError(ErrorFields):
    codes: ClassVar = PortalUserErrorCode
    code: PortalUserErrorCode
    field: str | None = strawberry.field(description="Input field (camelCase) or null.")
    message: str


@strawberry.type(name="PortalUser", description="A customer's login to the portal.")
class PortalUserNode(Node):
    uuid: strawberry.ID
    email: str
    registration_status: RegistrationStatus
    mapping_status: MappingStatus
    pending_reason: PendingReason | None = strawberry.field(
        description="Why the user waits for a contact (null when assigned)."
    )
    first_name: str = strawberry.field(description="As given at registration.")
    last_name: str = strawberry.field(description="As given at registration.")
    language: str
    existing_customer: bool = strawberry.field(
        description="Whether the user said at registration they are already a customer."
    )
    created_at: datetime
    activated_at: datetime | None
    assigned_at: datetime | None
    last_login_at: datetime | None
    suspended_at: datetime | None
    contact_uuid: strawberry.Private[UUID | None]

    @strawberry.field(
        description="The assigned contact (null while pending).", graphql_type=ContactNode | None
    )
    def contact(self, info: Info[RequestContext, None]) -> MaybeLoaded[ContactNode | None]:
        if self.contact_uuid is None:
            return None
        return loaded(
            info.context.loaders.contact_by_id.load(self.contact_uuid),
            lambda row: ContactNode.from_row(row) if row else None,
        )

    @classmethod
    def from_row(cls, row: PortalUser) -> PortalUserNode:
        return cls(
            id=to_global_id("PortalUser", row.id),
            uuid=strawberry.ID(str(row.id)),
            email=row.email,
            registration_status=RegistrationStatus(row.registration_status),
            mapping_status=MappingStatus(row.mapping_status),
            pending_reason=PendingReason(row.pending_reason) if row.pending_reason else None,
            first_name=row.first_name,
            last_name=row.last_name,
            language=row.language,
            existing_customer=row.existing_customer,
            created_at=row.created_at,
            activated_at=row.activated_at,
            assigned_at=row.assigned_at,
            last_login_at=row.last_login_at,
            suspended_at=row.suspended_at,
            contact_uuid=row.contact_id,
        )


@strawberry.input(description="Filters of portalUsers; all given filters must hold.")
class PortalUserFilterInput:
    registration_status: RegistrationStatus | None = None
    mapping_status: MappingStatus | None = None
    pending_reason: PendingReason | None = None
    contact_id: strawberry.ID | None = None
    email: str | None = strawberry.field(default=None, description="Part of the email address.")
    suspended: bool | None = None

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
