"""Types of the customer API's identity part."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from identity.errors import PortalAuthErrorCode
from identity.impersonation import ImpersonationErrorCode
from identity.invitations import InvitationErrorCode
from identity.states import MappingStatus, RegistrationStatus
from portal.models import PortalUser
from portal.services.contacts import ContactErrorCode
from schema.common.enums import MappingStatusEnum, RegistrationStatusEnum  # noqa: F401
from schema.common.errors import ErrorFields, error_codes

# Activation and the second identifier create the customer's contact, logging out ends an
# impersonation, asking for a new invitation goes through the invitation's checks.
PortalAuthErrorCodeEnum = error_codes(
    "PortalAuthErrorCode",
    PortalAuthErrorCode,
    *(ContactErrorCode.INVALID_COUNTRY, ContactErrorCode.INVALID_FORMALITY),
    *(ContactErrorCode.INVALID_REACHABILITY, ContactErrorCode.INVALID_SOURCE),
    ContactErrorCode.INVALID_URL,
    *(InvitationErrorCode.ALREADY_ACTIVE, InvitationErrorCode.CONTACT_HAS_NO_EMAIL),
    *(InvitationErrorCode.CONTACT_INACTIVE, InvitationErrorCode.SUSPENDED),
    InvitationErrorCode.EMAIL_BELONGS_TO_ANOTHER_CONTACT,
    ImpersonationErrorCode.ALREADY_ENDED,
    description="Why an identity mutation of the customer API was refused.",
)


@strawberry.type(description="A problem with a customer identity mutation.")
class PortalAuthError(ErrorFields):
    codes: ClassVar = PortalAuthErrorCodeEnum
    code: PortalAuthErrorCodeEnum  # type: ignore[valid-type]
    field: str | None = strawberry.field(description="Input field (camelCase) or null.")
    message: str


@strawberry.type(description="The logged-in customer.")
class Viewer:
    email: str = strawberry.field(description="Login email.")
    registration_status: RegistrationStatus
    mapping_status: MappingStatus
    last_login_at: datetime | None = strawberry.field(description="Time of this or the last login.")
    language: str

    @classmethod
    def from_row(cls, user: PortalUser) -> Viewer:
        return cls(
            email=user.email,
            registration_status=RegistrationStatus(user.registration_status),
            mapping_status=MappingStatus(user.mapping_status),
            last_login_at=user.last_login_at,
            language=user.language,
        )


@strawberry.type(description="Result of a request whose answer must not reveal stored data.")
class AcceptedPayload:
    accepted: bool = strawberry.field(
        default=False,
        description="True when the request was well-formed. Says nothing about whether an "
        "account exists.",
    )
    errors: list[PortalAuthError] = strawberry.field(default_factory=list)
